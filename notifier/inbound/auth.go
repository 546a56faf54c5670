package inbound

import (
	"io"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// authenticated reports whether a DKIM signature that verifies was made by
// the From address's domain or a parent of it (relaxed alignment, as
// DMARC). SPF is not checked: it needs the connecting relay's address
// against the envelope domain, which a forwarded reply breaks anyway.
func authenticated(raw io.Reader, from string, lookupTXT func(string) ([]string, error)) bool {
	_, domain, ok := strings.Cut(from, "@")
	if !ok {
		return false
	}
	domain = strings.ToLower(domain)
	verifs, err := dkim.VerifyWithOptions(raw, &dkim.VerifyOptions{LookupTXT: lookupTXT, MaxVerifications: 5})
	if err != nil {
		return false
	}
	for _, v := range verifs {
		d := strings.ToLower(v.Domain)
		if v.Err == nil && (d == domain || strings.HasSuffix(domain, "."+d)) {
			return true
		}
	}
	return false
}
