package relay

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"net/textproto"
	"strings"
	"testing"
)

// dotEncoded is what go-smtp's writer after DATA (net/textproto's
// DotWriter) puts on the wire for msg, its closing "." line included.
func dotEncoded(t testing.TB, msg []byte) []byte {
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	dw := textproto.NewWriter(bw).DotWriter()
	if _, err := dw.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := dw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// writtenBody is what the relay puts on the wire for msg after DATA.
func writtenBody(t testing.TB, msg []byte) []byte {
	var out bytes.Buffer
	if _, err := writeData(&out, msg, nil); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestBodyAsGoSMTPWritesIt: the relay's dot-encoding of a message, its
// closing line included, is byte for byte go-smtp's, for the cases a mail can hold (lines that start with
// dots, a dot alone, bare line feeds and carriage returns, no final line
// break, empty lines at the end, a body larger than one chunk) and for
// random bodies of those bytes.
func TestBodyAsGoSMTPWritesIt(t *testing.T) {
	t.Parallel()
	cases := []string{
		"",
		"\r\n",
		"\n",
		".",
		".\r\n",
		"..\r\n.\r\n",
		"one line without a break",
		"Subject: x\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nlast",
		"a\r\nb\r\n\r\n\r\n",
		"bare\nfeeds\n.dot after a bare feed\n",
		"carriage\rreturn\r.not a line start\r\n.a line start\r\n",
		"\r\n.\n\r.\r\r\n\n.",
		"ends with a carriage return\r",
		strings.Repeat("quoted-printable line of seventy-six characters, more or less, ending=\r\n", 1000) + ".\r\n",
	}
	for _, c := range cases {
		if got, want := writtenBody(t, []byte(c)), dotEncoded(t, []byte(c)); !bytes.Equal(got, want) {
			t.Errorf("body %.60q:\n got %.200q\nwant %.200q", c, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(".\r\nab")
	for range 2000 {
		msg := make([]byte, rng.IntN(200))
		for i := range msg {
			msg[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if got, want := writtenBody(t, msg), dotEncoded(t, msg); !bytes.Equal(got, want) {
			t.Fatalf("body %q:\n got %q\nwant %q", msg, got, want)
		}
	}
}

// FuzzBodyAsGoSMTPWritesIt: any body, the same bytes on the wire as
// go-smtp's writer.
func FuzzBodyAsGoSMTPWritesIt(f *testing.F) {
	f.Add([]byte("From: a\r\n\r\n.x\r\n.\r\n"))
	f.Add([]byte("\n.\r\r\n."))
	f.Fuzz(func(t *testing.T, msg []byte) {
		if got, want := writtenBody(t, msg), dotEncoded(t, msg); !bytes.Equal(got, want) {
			t.Fatalf("body %q:\n got %q\nwant %q", msg, got, want)
		}
	})
}
