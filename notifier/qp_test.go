package notifier

import (
	"bytes"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"

	"github.com/heed-dev/heed/templates"
)

// stdQP is what mime/quotedprintable.Writer writes for s: the encoding
// Heed's mails had before qpEncoder, which must not change a byte of them.
func stdQP(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func ourQP(s string) []byte {
	var e qpEncoder
	return e.close(e.append(nil, []byte(s)))
}

// checkQP fails unless s encodes as the standard library encodes it and
// decodes back to s with CRLF line ends.
func checkQP(t *testing.T, s string) {
	t.Helper()
	got, want := ourQP(s), stdQP(t, s)
	if !bytes.Equal(got, want) {
		t.Fatalf("quoted-printable of %q:\n got %q\nwant %q", s, got, want)
	}
	// qpSize, eight bytes at a time, counts as a byte at a time would.
	wide := strings.Count(s, "=")
	for i := range len(s) {
		wide += int(s[i] >> 7)
	}
	if n := len(s) + 2*wide; qpSize([]byte(s)) != n+n/24 {
		t.Fatalf("qpSize(%q) = %d, want %d", s, qpSize([]byte(s)), n+n/24)
	}
	if strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\r") {
		// A lone CR breaks the line, and the encoder then takes an LF
		// after an encoded byte for its second half, as the standard
		// library does; the templates never write a CR.
		return
	}
	back, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(got)))
	if err != nil {
		t.Fatalf("decode %q: %v", got, err)
	}
	if string(back) != strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n") {
		t.Fatalf("%q decodes to %q", s, back)
	}
}

func TestQuotedPrintableAsTheStandardLibrary(t *testing.T) {
	t.Parallel()
	line := func(n int, c string) string { return strings.Repeat(c, n) }
	for _, s := range []string{
		"",
		"x",
		"plain ASCII text\nwith lines\r\nand CRLF\r\n",
		"trailing space \nand tab\t\nand both \t\n ",
		"only a space at the end ",
		"a = b, 100% sure?",
		"日本語のテキスト、改行あり\n次の行。",
		"\r\r\n\n\r",
		"\rÄ\n", // a CR, an encoded byte, then LF: the LF makes no line break of its own
		line(75, "a"), line(76, "a"), line(77, "a"), line(150, "a") + "\n" + line(151, "b"),
		line(74, "a") + " \n", line(75, "a") + " \n", line(73, "a") + "==", line(72, "a") + "é",
		line(74, "a") + "=", line(74, " ") + "x", line(80, " ") + "\n",
		"\x00\x01\x7f\xff control bytes",
		"<p style=\"margin:0 0 12px 0;\">Dear security contact at Load organization 005338,</p>\n",
	} {
		checkQP(t, s)
	}
	// Random text drawn from what mails hold, in lines of every length.
	pieces := []string{"a", "Z", " ", "\t", "=", "\n", "\r", "\r\n", "é", "脆弱性", ".", "-", "\x00", "<p>", "=20"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		var b strings.Builder
		for range r.IntN(300) {
			p := pieces[r.IntN(len(pieces))]
			if r.IntN(3) == 0 {
				p = strings.Repeat("x", r.IntN(90))
			}
			b.WriteString(p)
		}
		checkQP(t, b.String())
	}
}

func FuzzQuotedPrintable(f *testing.F) {
	f.Add("trailing space \nand = signs\r\n" + strings.Repeat("long ", 30))
	f.Fuzz(func(t *testing.T, s string) { checkQP(t, s) })
}

// TestComposeAsTheStandardLibrary: a composed mail's body is what
// mime/multipart and mime/quotedprintable write for the same parts and
// boundary, byte for byte, and it reads back as the parts.
func TestComposeAsTheStandardLibrary(t *testing.T) {
	t.Parallel()
	from, _ := mail.ParseAddress("Heed <heed@heed.example>")
	to, _ := mail.ParseAddress("sec@acme.test")
	m := templates.Mail{Subject: "s", Text: "Line one \nline = two\n" + strings.Repeat("long words ", 20) + "\n日本語",
		HTML: "<p style=\"margin:0;\">x</p>\n<p>y </p>"}
	msg := compose(envelope{From: from, To: to, Date: t0, MessageID: "<a@heed.example>", CaseID: "case_x"}, m)
	parsed, boundary := readMultipart(t, msg)
	var want bytes.Buffer
	mw := multipart.NewWriter(&want)
	if err := mw.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	for _, part := range []struct{ ctype, content string }{
		{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(stdQP(t, part.content))
	}
	mw.Close()
	body, _ := io.ReadAll(parsed.Body)
	if !bytes.Equal(body, want.Bytes()) {
		t.Fatalf("body:\n%s\nwant:\n%s", body, want.Bytes())
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for _, content := range []string{m.Text, m.HTML} {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(p) // the reader decodes quoted-printable
		if string(got) != strings.ReplaceAll(content, "\n", "\r\n") {
			t.Errorf("part reads back as %q, want %q", got, content)
		}
	}
}
