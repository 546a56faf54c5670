package notifier

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/heed-dev/heed/store"
)

// TestDKIMSignsOutboxMail: a queued mail carries a signature that verifies
// against the published key, and fails once its subject is changed.
func TestDKIMSignsOutboxMail(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := newTestEngine(t)
	e.dkim = &DKIM{Domain: "heed.example", Selector: "heed2026", Signer: priv}
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	ctx := context.Background()
	if _, err := e.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	var m store.Mail
	e.db.View(ctx, func(tx *store.Tx) error {
		ms, err := tx.Mails(store.MailFilter{CaseID: caseOf(t, e, org).ID})
		if err != nil || len(ms) != 1 {
			t.Fatalf("mails = %v, %v", ms, err)
		}
		m, err = tx.Mail(ms[0].ID)
		return err
	})
	lookup := func(domain string) ([]string, error) {
		if domain != "heed2026._domainkey.heed.example" {
			t.Errorf("key looked up at %s", domain)
		}
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	}
	verify := func(msg []byte) error {
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{LookupTXT: lookup})
		if err != nil {
			return err
		}
		if len(vs) != 1 {
			t.Fatalf("%d signatures, want 1", len(vs))
		}
		return vs[0].Err
	}
	if err := verify(m.Message); err != nil {
		t.Fatalf("signature of the outbox mail does not verify: %v", err)
	}
	forged := bytes.Replace(m.Message, []byte("Subject: "), []byte("Subject: URGENT "), 1)
	if err := verify(forged); err == nil {
		t.Error("a mail with a changed subject still verifies")
	}
}
