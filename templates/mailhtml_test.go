package templates

import (
	htmltemplate "html/template"
	"strings"
	"testing"
)

// asHTMLTemplate is what html/template writes for s as the text of a link
// and as its href: what a mail's HTML part held when it was a template,
// and what htmlWriter must keep writing.
var asHTMLTemplate = htmltemplate.Must(htmltemplate.New("a").Parse(`<a href="{{.}}" title="{{.}}">{{.}}</a>`))

func checkEscapesAsHTMLTemplate(t *testing.T, s string) {
	t.Helper()
	var want strings.Builder
	if err := asHTMLTemplate.Execute(&want, s); err != nil {
		t.Fatal(err)
	}
	w := &htmlWriter{}
	w.put(`<a href="`)
	w.href(s)
	w.put(`" title="`)
	w.esc(s)
	w.put(`">`)
	w.esc(s)
	w.put("</a>")
	if got := w.String(); got != want.String() {
		t.Errorf("%q\n got %s\nwant %s", s, got, want.String())
	}
}

// TestHTMLWriterEscapesAsHTMLTemplate: text, attributes and links are
// escaped as html/template escapes them, hostile ones included.
func TestHTMLWriterEscapesAsHTMLTemplate(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"https://heed.example.org/ack/3q2-7N_abcdEFGH",
		"HTTPS://Example.com/a b?q='x'&r=(y)#z",
		"javascript:alert(1)", "JaVaScRiPt:alert(4)", " javascript:x", "data:text/html,<script>", "vbscript:x",
		"mailto:security@example.com", "/relative/path:x", "rel:ative/x", "//example.com/x", "",
		`"><img src=x onerror=alert(1)>`, "a+b&c<d>e\"f'g\x00h",
		"https://example.com/%41%4a%zz%4%", "https://例え.jp/パス?検索=語", "https://x/\xff\xfe",
		"https://x/[::1]:80/~user/!$*,;=@",
	} {
		checkEscapesAsHTMLTemplate(t, s)
	}
}

func FuzzHTMLWriterEscapesAsHTMLTemplate(f *testing.F) {
	f.Add("https://heed.example.org/ack/x?y=1&z=%20")
	f.Add("javascript:alert(1)")
	f.Fuzz(checkEscapesAsHTMLTemplate)
}
