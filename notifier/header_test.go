package notifier

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"mime"
	"net/mail"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/templates"
)

// TestLongTitlesFoldIntoValidSignedHeaders: a very long Japanese title and a
// long English one give mails whose every line fits RFC 5322 (header lines
// within 78 characters, no line over 998 octets), whose encoded-words are at
// most 75 characters, whose Subject decodes back to the exact subject Heed
// rendered, and whose DKIM signature verifies.
func TestLongTitlesFoldIntoValidSignedHeaders(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct{ lang, title, name string }{
		{"ja", strings.Repeat("パルスセキュア製品における任意のファイル読み取りの脆弱性", 12), strings.Repeat("情報セキュリティ担当", 6)},
		{"en", strings.Repeat("Pulse Connect Secure arbitrary file read through a crafted URI ", 5) +
			strings.Repeat("x", 150), strings.Repeat("Security Operations Centre ", 7)},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			e, _ := newTestEngine(t)
			e.Outbox.dkim = &DKIM{Domain: "heed.example", Selector: "heed2026", Signer: priv}
			org, err := e.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Acme", Language: tc.lang, Contacts: []subscribers.ContactSpec{
				{Email: "sec@acme.test", Name: strings.TrimSpace(tc.name)}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}}); err != nil {
				t.Fatal(err)
			}
			adv := sa44101("1", "9.0R3.3")
			adv.Title = tc.title
			if _, err := e.Cases.ApplyAdvisory(ctx, adv); err != nil {
				t.Fatal(err)
			}
			ms := mailsOf(t, e, caseOf(t, e, org.ID).ID)
			if len(ms) != 1 {
				t.Fatalf("%d mails, want 1", len(ms))
			}
			stored, want := mailMessage(t, e, ms[0].ID), ms[0].Subject
			if !strings.Contains(want, string([]rune(tc.title)[:60])) {
				t.Fatalf("rendered subject %q lacks the title", want)
			}
			checkLines(t, stored)
			m, err := mail.ReadMessage(bytes.NewReader(stored))
			if err != nil {
				t.Fatal(err)
			}
			got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if err != nil || got != want {
				t.Errorf("Subject decodes to %q, %v;\nwant %q", got, err, want)
			}
			to, err := m.Header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Name != strings.TrimSpace(tc.name) || to[0].Address != "sec@acme.test" {
				t.Errorf("To decodes to %v, %v", to, err)
			}
			if err := verifyDKIM(t, stored, pub); err != nil {
				t.Errorf("DKIM signature does not verify: %v", err)
			}
		})
	}
}

// TestComposeFoldsEveryKindOfSubject: plain ASCII folds at its spaces and
// stays readable; what cannot be folded or is not ASCII is encoded; text that
// looks like an encoded-word is encoded so it reads back as written.
func TestComposeFoldsEveryKindOfSubject(t *testing.T) {
	t.Parallel()
	from, _ := mail.ParseAddress("Heed <heed@heed.example>")
	to, _ := mail.ParseAddress("sec@acme.test")
	for _, subject := range []string{
		strings.TrimSpace(strings.Repeat("Pulse Connect Secure file read ", 30)),
		strings.Repeat("重大な脆弱性", 60),
		"[Heed] " + strings.Repeat("a", 300),
		"[Heed] =?utf-8?q?planted?= title",
		"short",
		strings.TrimSpace("Reminder — 再通知 2: 重大 " + strings.Repeat("mixed 混在 ", 40)),
	} {
		msg := compose(envelope{From: from, To: to, Date: t0, MessageID: "<a@heed.example>", CaseID: "case_x"},
			templates.Mail{Subject: subject, Text: "x", HTML: "<p>x</p>"})
		checkLines(t, msg)
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		raw := m.Header.Get("Subject")
		if got, err := new(mime.WordDecoder).DecodeHeader(raw); err != nil || got != subject {
			t.Errorf("Subject %q decodes to %q, %v", subject, got, err)
		}
		if plainHeaderText(subject) && raw != subject {
			t.Errorf("plain subject %q written encoded: %q", subject, raw)
		}
	}
}

// checkLines fails on a header line of Heed's over 78 characters, an encoded-word over
// 75, or any line over RFC 5322's 998 octets.
func checkLines(t *testing.T, msg []byte) {
	t.Helper()
	head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	field := ""
	for _, line := range strings.Split(string(head), "\r\n") {
		if name, _, ok := strings.Cut(line, ":"); ok && line[0] != ' ' && line[0] != '\t' {
			field = name
		}
		// go-msgauth folds its own field, with a longer h= line.
		if len(line) > foldAt && field != "DKIM-Signature" {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
		for _, w := range strings.Fields(line) {
			if strings.HasPrefix(w, "=?") && len(w) > 75 {
				t.Errorf("encoded-word of %d characters: %q", len(w), w)
			}
		}
	}
	for _, line := range bytes.Split(msg, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line of %d octets: %.80q…", len(line), line)
		}
	}
}

// mailMessage returns the raw bytes of an outbox mail.
func mailMessage(t *testing.T, e *Engine, id int64) []byte {
	t.Helper()
	var msg []byte
	err := e.db.View(context.Background(), func(tx *store.Tx) error {
		m, err := tx.Mail(id)
		msg = m.Message
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return msg
}
