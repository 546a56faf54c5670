package inbound

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/heed-dev/heed/notifier"
)

func TestAnswerWords(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		line, status, justification string
		until                       time.Time
	}{
		{"patched", notifier.AnswerPatched, "", time.Time{}},
		{"Patched, running 9.0R3.4", notifier.AnswerPatched, "", time.Time{}},
		{"MITIGATED: the portal is off", notifier.AnswerMitigated, "", time.Time{}},
		{"not affected: component_not_present", notifier.AnswerNotAffected, "component_not_present", time.Time{}},
		{"Not affected: vulnerable code not present", notifier.AnswerNotAffected, "vulnerable_code_not_present", time.Time{}},
		{"will patch by 2026-12-31", notifier.AnswerScheduled, "", day},
		{"対応済み", notifier.AnswerPatched, "", time.Time{}},
		{"緩和済みです", notifier.AnswerMitigated, "", time.Time{}},
		{"影響なし：component_not_present", notifier.AnswerNotAffected, "component_not_present", time.Time{}},
		{"2026-12-31までに対応します", notifier.AnswerScheduled, "", day},
		{"unpatched", "", "", time.Time{}},
		{"We patched it", "", "", time.Time{}},
		{"patchedness", "", "", time.Time{}},
		{"will patch soon", "", "", time.Time{}},
		{"", "", "", time.Time{}},
	} {
		in, ok := answerIn(tc.line)
		if ok != (tc.status != "") || (ok && (in.Status != tc.status || in.Justification != tc.justification || !in.Until.Equal(tc.until))) {
			t.Errorf("answerIn(%q) = %+v, %v; want status %q justification %q until %v", tc.line, in, ok, tc.status, tc.justification, tc.until)
		}
	}
}

func mustParse(t *testing.T, raw string) *message {
	t.Helper()
	m, err := parse([]byte(strings.ReplaceAll(raw, "\n", "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAutomaticMail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header string
		auto   bool
	}{
		{"Subject: Re: SA1\n", false},
		{"Subject: Re: SA1\nAuto-Submitted: no\n", false},
		{"Subject: Re: SA1\nAuto-Submitted: auto-replied\n", true},
		{"Subject: Re: SA1\nX-Autoreply: yes\n", true},
		{"Subject: Re: SA1\nPrecedence: bulk\n", true},
		{"Subject: Re: SA1\nPrecedence: auto_reply\n", true},
		{"Subject: Automatic reply: SA1\n", true},
		{"Subject: Out of Office: SA1\n", true},
		{"Subject: =?utf-8?b?5LiN5Zyo?= SA1\n", true}, // 不在
	} {
		m := mustParse(t, "From: a@b.test\n"+tc.header+"\npatched\n")
		if got := m.automatic(); got != tc.auto {
			t.Errorf("%q: automatic = %v, want %v", tc.header, got, tc.auto)
		}
	}
}

func TestFirstLineSkipsQuotes(t *testing.T) {
	t.Parallel()
	m := mustParse(t, "From: a@b.test\nContent-Type: multipart/alternative; boundary=x\n\n--x\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n\n> On Monday Heed wrote:\n>> patched\n=E5=AF=BE=E5=BF=9C=E6=B8=88=E3=81=BF\n--x\nContent-Type: text/html\n\n<p>x</p>\n--x--\n")
	if got := m.firstLine(); got != "対応済み" {
		t.Errorf("first line = %q, want 対応済み", got)
	}
}

func TestMailboxFault(t *testing.T) {
	t.Parallel()
	for status, fault := range map[string]bool{"5.1.1": true, "5.1.10": true, "5.2.1": true, "5.2.2": false, "4.4.7": false, "5.7.1": false} {
		m := mustParse(t, "From: MAILER-DAEMON@mx.test\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n--B\nContent-Type: text/plain\n\nsorry\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.test\n\nFinal-Recipient: rfc822; a@b.test\nAction: failed\nStatus: "+status+"\n\n--B--\n")
		if got, ok := m.mailboxFault(); ok != fault || (ok && got != status) {
			t.Errorf("status %s: mailboxFault = %q, %v; want %v", status, got, ok, fault)
		}
		if !m.automatic() {
			t.Errorf("status %s: a delivery report is not taken for automatic mail", status)
		}
	}
}

// TestDKIMAuthentication signs a reply with a key the test provides through
// the resolver hook: it passes for the From domain and its subdomains, and
// fails for another From domain or an altered body.
func TestDKIMAuthentication(t *testing.T) {
	t.Parallel()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(name string) ([]string, error) {
		if name != "sel._domainkey.acme.test" {
			return nil, nil
		}
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	}
	sign := func(from string) []byte {
		raw := "From: " + from + "\r\nTo: r@reply.test\r\nSubject: Re\r\n\r\npatched\r\n"
		var out bytes.Buffer
		if err := dkim.Sign(&out, strings.NewReader(raw), &dkim.SignOptions{Domain: "acme.test", Selector: "sel", Signer: key}); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	if !authenticated(bytes.NewReader(sign("sec@acme.test")), "sec@acme.test", lookup) {
		t.Error("a reply signed by its From domain does not pass")
	}
	if !authenticated(bytes.NewReader(sign("sec@mail.acme.test")), "sec@mail.acme.test", lookup) {
		t.Error("a reply from a subdomain of the signing domain does not pass")
	}
	if authenticated(bytes.NewReader(sign("boss@evil.test")), "boss@evil.test", lookup) {
		t.Error("a signature of another domain passes for evil.test")
	}
	altered := bytes.Replace(sign("sec@acme.test"), []byte("patched"), []byte("mitigated"), 1)
	if authenticated(bytes.NewReader(altered), "sec@acme.test", lookup) {
		t.Error("an altered reply passes")
	}
}
