package version

import "strings"

// ForType returns the scheme that orders the versions of a purl type or a
// vers versioning scheme ("gem", "golang", "deb", "semver"), or Generic
// for a type Heed has no ordering for. Scheme names are purl types, so
// this is mostly the identity; "go" and "debian" are accepted for the
// spellings that advisories use.
func ForType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	switch t {
	case "go":
		return Go
	case "debian":
		return Debian
	case "alpine":
		return Alpine
	case "bitnami":
		return Semver
	}
	if _, ok := byScheme[t]; ok {
		return t
	}
	return Generic
}

// osvEcosystems maps OSV ecosystem names (without a ":release" suffix) to
// schemes. Distributions map to their package manager's ordering.
var osvEcosystems = map[string]string{
	"npm":            NPM,
	"pypi":           PyPI,
	"maven":          Maven,
	"go":             Go,
	"rubygems":       Gem,
	"packagist":      Composer,
	"nuget":          NuGet,
	"pub":            Pub,
	"crates.io":      Cargo,
	"hex":            Hex,
	"hackage":        Hackage,
	"ghc":            Hackage,
	"cran":           CRAN,
	"swifturl":       Swift,
	"bitnami":        Semver,
	"github actions": Semver,
	"alpine":         Alpine,
	"wolfi":          Alpine,
	"chainguard":     Alpine,
	"minimos":        Alpine,
	"debian":         Debian,
	"ubuntu":         Debian,
	"red hat":        RPM,
	"almalinux":      RPM,
	"rocky linux":    RPM,
	"opensuse":       RPM,
	"suse":           RPM,
	"mageia":         RPM,
	"openeuler":      RPM,
	"photon os":      RPM,
	"azure linux":    RPM,
}

// ForEcosystem returns the scheme that orders an OSV ecosystem's versions
// ("RubyGems", "Alpine:v3.18", "crates.io", "Debian:12"), or Generic for
// an ecosystem Heed has no ordering for. Case is ignored.
func ForEcosystem(ecosystem string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(ecosystem), ":")
	if s, ok := osvEcosystems[strings.ToLower(strings.TrimSpace(name))]; ok {
		return s
	}
	return Generic
}
