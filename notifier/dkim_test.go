package notifier

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// TestDKIMSignsOutboxMail: a queued mail carries a signature that verifies
// against the published key, and fails once its subject is changed.
func TestDKIMSignsOutboxMail(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := newTestEngine(t)
	e.Outbox.dkim = &DKIM{Domain: "heed.example", Selector: "heed2026", Signer: priv}
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	ctx := context.Background()
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	ms := mailsOf(t, e, caseOf(t, e, org).ID)
	if len(ms) != 1 {
		t.Fatalf("%d mails, want 1", len(ms))
	}
	msg := mailMessage(t, e, ms[0].ID)
	verify := func(msg []byte) error { return verifyDKIM(t, msg, pub) }
	if err := verify(msg); err != nil {
		t.Fatalf("signature of the outbox mail does not verify: %v", err)
	}
	forged := bytes.Replace(msg, []byte("Subject: "), []byte("Subject: URGENT "), 1)
	if err := verify(forged); err == nil {
		t.Error("a mail with a changed subject still verifies")
	}
}

// verifyDKIM checks the one DKIM signature of msg against pub, published at
// heed2026._domainkey.heed.example.
func verifyDKIM(t *testing.T, msg []byte, pub ed25519.PublicKey) error {
	t.Helper()
	lookup := func(domain string) ([]string, error) {
		if domain != "heed2026._domainkey.heed.example" {
			t.Errorf("key looked up at %s", domain)
		}
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil {
		return err
	}
	if len(vs) != 1 {
		t.Fatalf("%d signatures, want 1", len(vs))
	}
	return vs[0].Err
}
