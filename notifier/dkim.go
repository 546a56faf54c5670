package notifier

import (
	"bytes"
	"crypto"
	"fmt"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIM signs outgoing mail so that receivers can tell Heed's notices from a
// phishing copy of them: a mail that asks people to click a link must be
// verifiably from its sender.
type DKIM struct {
	Domain   string        // d=, the domain that publishes the key
	Selector string        // s=, the DNS label of the key
	Signer   crypto.Signer // an *rsa.PrivateKey or ed25519.PrivateKey
}

// signedHeaders are the fields the signature covers: those a forger would
// change to pass a copy off as Heed's.
var signedHeaders = []string{"From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
	"MIME-Version", "Content-Type", "Auto-Submitted", "X-Heed-Case", "List-Id"}

// sign prepends a DKIM-Signature header to msg.
func (d *DKIM) sign(msg []byte) ([]byte, error) {
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(msg), &dkim.SignOptions{
		Domain:                 d.Domain,
		Selector:               d.Selector,
		Signer:                 d.Signer,
		HeaderKeys:             signedHeaders,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
	})
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	return out.Bytes(), nil
}
