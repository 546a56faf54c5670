package templates

import (
	"strings"
	"testing"
	"unicode"
)

// hostileMail fills every untrusted field with text that tries to break out
// of its place: markup, attribute breakouts, header injection, a script URL.
func hostileMail(kind, lang string) MailData {
	d := sampleMail(kind, lang)
	d.OrgName = `Org"><img src=x onerror=alert(2)>`
	d.RecipientName = "Eve\r\nBcc: evil@example.com"
	d.Advisory.ID = "SA1\nX-Injected: 1"
	d.Advisory.Title = "Title\r\nBcc: evil@example.com <script>alert(1)</script>"
	d.Advisory.Summary = `"><img onerror=alert(1) src=x> and <script>alert(1)</script>`
	d.Advisory.Publisher = "<b>ACME</b>\u202Egnp.exe"
	d.Advisory.Severity = "critical\r\nX-Severity: 0"
	d.Advisory.URL = "javascript:alert(document.cookie)"
	d.Advisory.CVEs = []string{"CVE-1<script>"}
	d.Advisory.Remediations = []RemediationView{{Category: "<i>x</i>", Details: "</div><script>alert(3)</script>", URL: "JaVaScRiPt:alert(4)"}}
	d.Advisory.Notes = []string{"\x1b[31mterminal escape\x00"}
	d.Items = []ItemView{{Vendor: "<v>", Product: `p" onmouseover="x`, Version: "1\x07", Asset: "a'b", Certainty: "possible",
		Reason: Reason{Code: "text", Args: []string{"<script>r</script>"}, Via: "purl", Key: "<b>k\r\nBcc: x</b>"}}}
	d.ClosedReason = "<script>alert(5)</script>"
	return d
}

func TestRenderMailHostileText(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "ja"} {
		for _, kind := range []string{KindNotice, KindReminder, KindClosed, KindWithdrawn} {
			t.Run(lang+"/"+kind, func(t *testing.T) {
				m, err := RenderMail(hostileMail(kind, lang))
				if err != nil {
					t.Fatal(err)
				}
				if strings.ContainsAny(m.Subject, "\r\n") {
					t.Errorf("subject has CR or LF: %q", m.Subject)
				}
				if strings.ContainsFunc(m.Subject, func(r rune) bool { return unicode.IsControl(r) || isBidiControl(r) }) {
					t.Errorf("subject has a control character: %q", m.Subject)
				}
				if strings.Contains(m.Subject, "Title\r\nBcc") {
					t.Errorf("raw title in subject: %q", m.Subject)
				}
				for _, raw := range []string{"<script", "<img", `" onmouseover="`, "<b>", "<v>", "<i>"} {
					if strings.Contains(m.HTML, raw) {
						t.Errorf("HTML contains raw %q", raw)
					}
				}
				for _, escaped := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img onerror=alert(1) src=x&gt;"} {
					if !strings.Contains(m.HTML, escaped) {
						t.Errorf("HTML lacks the escaped text %q", escaped)
					}
				}
				for _, part := range []string{m.Text, m.HTML} {
					if strings.Contains(strings.ToLower(part), "javascript:") {
						t.Error("a javascript: URL was rendered")
					}
					if strings.ContainsFunc(part, func(r rune) bool {
						return r != '\n' && r != '\t' && (unicode.IsControl(r) || isBidiControl(r))
					}) {
						t.Errorf("a control character survived in %.40q", part)
					}
				}
				if strings.Contains(m.Text, "\r") {
					t.Error("text part has a CR")
				}
				checkMailHTML(t, m.HTML)
			})
		}
	}
}

func TestLinkURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"https://example.com/a?b=c", "https://example.com/a?b=c"},
		{"HTTP://example.com/", "HTTP://example.com/"},
		{"  https://example.com/  ", "https://example.com/"},
		{"javascript:alert(1)", ""},
		{" javascript:alert(1)", ""},
		{"JAVASCRIPT:alert(1)", ""},
		{"data:text/html,<script>", ""},
		{"file:///etc/passwd", ""},
		{"//example.com/x", ""},
		{"/relative", ""},
		{"https://exa mple.com/", ""},
		{"https://example.com/\nBcc:x", ""},
		{"https:///nohost", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := linkURL(tt.in); got != tt.want {
			t.Errorf("linkURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"Title\r\nBcc: evil@example.com", "Title Bcc: evil@example.com"},
		{"a\u2028b\u0085c", "a bc"},
		{"tab\tand  spaces", "tab and spaces"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"\u202Eevil", "evil"},
		{"日本語の件名", "日本語の件名"},
		{" lead", "lead"}, {"trail ", "trail"}, {"two  spaces", "two spaces"}, {"全角　空白", "全角 空白"},
		{"nbsp x", "nbsp x"}, {"", ""}, {" ", ""}, {"one", "one"}, {"a b c", "a b c"},
	}
	for _, tt := range tests {
		if got := OneLine(tt.in); got != tt.want {
			t.Errorf("OneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCleaningEveryCharacter: cleanText and OneLine return what the whole
// cleaning returns for every character, alone, between letters and
// between spaces, and for broken UTF-8: their shortcut for a string
// already clean changes no byte.
func TestCleaningEveryCharacter(t *testing.T) {
	t.Parallel()
	check := func(s string) {
		if got, want := cleanText(s), cleanTextWhole(s); got != want {
			t.Fatalf("cleanText(%q) = %q, want %q", s, got, want)
		}
		if got, want := OneLine(s), oneLineWhole(s); got != want {
			t.Fatalf("OneLine(%q) = %q, want %q", s, got, want)
		}
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		c := string(r)
		check(c)
		check("a" + c + "b")
		check("a " + c + " b")
	}
	for _, s := range []string{"\xff", "a\xc3", "\xed\xa0\x80", "\xe6\x97", "a\xc3 b", " ", "  ", "a  b", "a\r\nb", "\x00a"} {
		check(s)
	}
}

// FuzzRenderMail feeds arbitrary titles and summaries: rendering must never
// fail and the subject must stay one line of bounded length.
func FuzzRenderMail(f *testing.F) {
	f.Add("Pulse Connect Secure arbitrary file read", "summary", "en", uint8(0))
	f.Add("Title\r\nBcc: evil@example.com", "<script>alert(1)</script>", "ja", uint8(1))
	f.Add("\u2028\u2029\u0085\x00\xff", `"><img onerror=x>`, "xx", uint8(2))
	f.Add(strings.Repeat("長い件名", 100), "{{.}}", "ja", uint8(3))
	kinds := []string{KindNotice, KindReminder, KindClosed, KindWithdrawn}
	f.Fuzz(func(t *testing.T, title, summary, lang string, kind uint8) {
		d := sampleMail(kinds[int(kind)%len(kinds)], lang)
		d.Advisory.Title = title
		d.Advisory.Summary = summary
		d.Advisory.ID = summary
		d.Advisory.Severity = title
		m, err := RenderMail(d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(m.Subject, "\r\n") {
			t.Fatalf("subject has CR or LF: %q", m.Subject)
		}
		if n := len([]rune(m.Subject)); n > maxSubjectRunes {
			t.Fatalf("subject has %d runes: %q", n, m.Subject)
		}
		if m.Text == "" || m.HTML == "" {
			t.Fatal("empty body")
		}
	})
}
