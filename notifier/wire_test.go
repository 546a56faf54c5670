package notifier

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/templates"
)

// boundaryOf returns a composed message's multipart boundary.
func boundaryOf(t *testing.T, msg []byte) string {
	t.Helper()
	_, boundary := readMultipart(t, msg)
	return boundary
}

// TestSharedLinesComposeAsTheWholeMail: a mail whose lines are taken
// already encoded from its batch's shared body is, byte for byte, the
// mail composed whole (but for its random boundary), for several kinds and
// both languages in one batch, with text that ends lines in spaces and
// carries "=" and long lines; most of each mail after the first of its
// kind and language comes from the shared body, in runs that are there.
func TestSharedLinesComposeAsTheWholeMail(t *testing.T) {
	t.Parallel()
	from, _ := mail.ParseAddress("Heed <heed@heed.example>")
	adv := templates.AdvisoryView{ID: "SA-1", Title: "Title with = sign ", Severity: "critical", Publisher: "acme",
		Summary:      "A summary line ending in a space \nthen a tab\t\n" + strings.Repeat("long=line ", 30),
		Remediations: []templates.RemediationView{{Category: "vendor_fix", Details: "Upgrade ", URL: "https://acme.test/fix"}},
		Notes:        []string{"A note =20 ", "脆弱性の説明 " + strings.Repeat("長い行", 40)}}
	wire := &sharedWire{}
	for _, kind := range []string{templates.KindNotice, templates.KindReminder, templates.KindUpdated, templates.KindClosed} {
		for _, lang := range []string{"en", "ja"} {
			for i, org := range []string{"Alpha", "Beta ", "Gamma="} {
				d := templates.MailData{Kind: kind, Lang: lang, Location: time.UTC, OrgName: org, Advisory: adv, Reminder: 1,
					Items: []templates.ItemView{{Vendor: "Acme", Product: "VPN", Version: "1." + org, Certainty: "affected"}},
					DueAt: t0.Add(time.Duration(i) * time.Hour), AckURL: "https://heed.example/ack/" + strings.Repeat(org, 20),
					Changes: []templates.Change{{Code: "fixed", From: "1.2 ", To: "1.3 "}}}
				m, err := templates.RenderMail(d)
				if err != nil {
					t.Fatal(err)
				}
				env := envelope{From: from, To: &mail.Address{Address: "sec@" + strings.TrimSpace(org) + ".test"}, Date: t0, MessageID: "<a@heed.example>"}
				c, whole := composeShared(env, m.Subject, bodiesOf(m), wire), composeShared(env, m.Subject, bodiesOf(m), nil)
				got := bytes.ReplaceAll(c.msg, []byte(boundaryOf(t, c.msg)), []byte(boundaryOf(t, whole.msg)))
				if !bytes.Equal(got, whole.msg) {
					t.Fatalf("%s %s mail to %s composed from shared lines:\n%s\nwant:\n%s", kind, lang, org, got, whole.msg)
				}
				shared := 0
				body := wire.dict.Load().bytes
				for _, sp := range c.splices {
					if !bytes.Equal(c.msg[sp.At:sp.At+sp.Len], body[sp.From:sp.From+sp.Len]) {
						t.Fatalf("%s %s mail to %s: run %+v is not the shared body's", kind, lang, org, sp)
					}
					shared += sp.Len
				}
				if i > 0 && shared < len(c.msg)/2 {
					t.Errorf("%s %s mail to %s: %d of %d bytes shared", kind, lang, org, shared, len(c.msg))
				}
			}
		}
	}
}

// TestFanOutStoresSharedLinesOnce: the mails of one advisory to several
// organizations, in two languages and with DKIM, store what they share
// once, and each reaches the relay as the outbox shows it, signed.
func TestFanOutStoresSharedLinesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heed.db")
	e, _ := newTestEngineAt(t, path)
	mta, r := startMTA(t)
	mta.keep = true
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e.Outbox.dkim = &DKIM{Domain: "heed.example", Selector: "heed2026", Signer: priv}
	e.Delivery.relay, e.Outbox.hold = r, false
	const orgs = 10
	for i := range orgs {
		spec := subscribers.OrgSpec{Name: "org" + string(rune('a'+i))}
		if i%2 == 1 {
			spec.Language, spec.Timezone = "ja", "Asia/Tokyo"
		}
		addOrgWith(t, e, spec, "9.0R3.3")
	}
	adv := sa44101("1", "9.0R3.3")
	adv.Summary = "Read files before authentication. " + strings.Repeat("Patch now. ", 40)
	if _, err := e.Cases.ApplyAdvisory(ctx, adv); err != nil {
		t.Fatal(err)
	}
	for mta.total() < orgs {
		if _, err := e.Delivery.deliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	stored := map[int64][]byte{}
	for _, m := range allMails(t, e) {
		stored[m.ID] = mailMessage(t, e, m.ID)
	}
	for _, got := range mta.mails() {
		id := allMails(t, e)[got.to].ID
		if !bytes.Equal(got.raw, stored[id]) {
			t.Errorf("the relay got for %s\n%s\nthe outbox shows\n%s", got.to, got.raw, stored[id])
		}
		if err := verifyDKIM(t, got.raw, pub); err != nil {
			t.Errorf("the mail to %s does not verify: %v", got.to, err)
		}
	}
	// One shared body for the batch; the mails after the first of their
	// language (two, when two are rendered at once) keep less than half
	// of themselves.
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var rows int
	if err := raw.QueryRow(`SELECT count(*) FROM mail_shared`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	own, err := raw.Query(`SELECT mail_id, length(message) FROM mail_bodies WHERE shared_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	small := 0
	for own.Next() {
		var id int64
		var n int
		if err := own.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		if n < len(stored[id])/2 {
			small++
		}
	}
	if rows != 1 || small < orgs-4 {
		t.Errorf("%d shared bodies; %d of %d mails keep less than half of their bytes; want one, and all but the first of each language", rows, small, orgs)
	}
}
