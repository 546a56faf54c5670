package publishers

import (
	"bytes"
	"encoding/base64"
	"os"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// BenchmarkVerify is the cost of verifying a signed document's signature,
// once per document taken in.
func BenchmarkVerify(b *testing.B) {
	doc, err := os.ReadFile("../../testdata/advisories/sa44101.heed.json")
	if err != nil {
		b.Fatal(err)
	}
	key, err := openpgp.NewEntity("Ivanti PSIRT", "", "psirt@ivanti.example", nil)
	if err != nil {
		b.Fatal(err)
	}
	var sig bytes.Buffer
	if err := openpgp.DetachSign(&sig, key, bytes.NewReader(doc), nil); err != nil {
		b.Fatal(err)
	}
	p := &Publisher{Name: "ivanti", Role: Vendor, Keys: openpgp.EntityList{key}, RequireSignature: true}
	header := base64.StdEncoding.EncodeToString(sig.Bytes())
	for b.Loop() {
		if _, err := p.Verify(doc, header); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck is the cost of a vendor's rules on a document of 100
// affected entries and a few links.
func BenchmarkCheck(b *testing.B) {
	set, err := NewSet([]Publisher{{Name: "ivanti", Subjects: []string{"a.>"}, Role: Vendor, Vendors: []string{"Ivanti"},
		LinkDomains: []string{"ivanti.com"}}}, subscribers.DefaultAliases())
	if err != nil {
		b.Fatal(err)
	}
	adv := &advisory.Advisory{URL: "https://ivanti.com/a", Summary: "See https://forums.ivanti.com/x for more.",
		Remediations: []advisory.Remediation{{URL: "https://ivanti.com/dl", Details: "Upgrade."}}}
	for range 100 {
		adv.Affected = append(adv.Affected, advisory.Affected{Vendor: "Pulse Secure", Product: "Connect Secure", CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*"})
	}
	p, _ := set.Named("ivanti")
	for b.Loop() {
		if err := set.Check(p, adv); err != nil {
			b.Fatal(err)
		}
	}
}
