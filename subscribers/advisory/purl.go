package advisory

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/heed-dev/heed/subscribers/version"
)

// PurlVersion returns the version of a package URL, "" when it has none or
// does not parse.
func PurlVersion(purl string) string {
	p, err := packageurl.FromString(strings.TrimSpace(purl))
	if err != nil {
		return ""
	}
	return p.Version
}

// PurlScheme returns the version scheme a package URL's type implies (see
// version.ForType), "" when it does not parse.
func PurlScheme(purl string) string {
	p, err := packageurl.FromString(strings.TrimSpace(purl))
	if err != nil {
		return ""
	}
	return version.ForType(p.Type)
}
