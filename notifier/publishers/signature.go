package publishers

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// SignatureHeader is the NATS header that carries a document's signature:
// the base64 of a binary OpenPGP detached signature of the exact body.
const SignatureHeader = "Heed-Signature"

// ReadKeys reads armored OpenPGP public keys.
func ReadKeys(r io.Reader) (openpgp.EntityList, error) {
	keys, err := openpgp.ReadArmoredKeyRing(r)
	if err != nil {
		return nil, fmt.Errorf("read OpenPGP keys: %w", err)
	}
	return keys, nil
}

// ErrUnsigned is the refusal of a document without a signature from a
// publisher that must sign.
var ErrUnsigned = errors.New("unsigned")

// Verify checks a document's signature (the SignatureHeader value) against
// the publisher's keys and returns who signed: the signing key's primary
// fingerprint and identity. A missing signature is fine, signer "", unless
// the publisher must sign; a signature that does not verify is refused
// either way, since a document that claims a signer it does not have is
// not to be passed on.
func (p *Publisher) Verify(body []byte, header string) (signer string, err error) {
	header = strings.TrimSpace(header)
	if header == "" {
		if p.RequireSignature {
			return "", fmt.Errorf("%w: publisher %s must sign its documents (%s header)", ErrUnsigned, p.Name, SignatureHeader)
		}
		return "", nil
	}
	sig, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		return "", fmt.Errorf("%s header: not base64: %w", SignatureHeader, err)
	}
	if len(p.Keys) == 0 {
		return "", fmt.Errorf("signature: publisher %s has no OpenPGP key to verify it (openpgp_keys)", p.Name)
	}
	entity, err := openpgp.CheckDetachedSignature(p.Keys, bytes.NewReader(body), bytes.NewReader(sig), nil)
	if err != nil {
		return "", fmt.Errorf("signature does not verify with the keys of publisher %s: %w", p.Name, err)
	}
	return Signer(entity), nil
}

// Signer names a key for people: its fingerprint and primary identity.
func Signer(e *openpgp.Entity) string {
	fp := strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
	if id := primaryIdentity(e); id != "" {
		return fp + " (" + id + ")"
	}
	return fp
}

func primaryIdentity(e *openpgp.Entity) string {
	if id := e.PrimaryIdentity(); id != nil {
		return id.Name
	}
	return ""
}
