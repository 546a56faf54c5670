package advisory

import (
	"strings"

	"github.com/heed-dev/heed/subscribers"
)

// readVers reads a "vers:<scheme>/<constraints>" string (the package-url
// vers specification) as CSAF product_version_range names use it. The
// constraints are "|"-separated comparator terms, which readVersionText
// already pairs the way vers does (a lower bound with the upper bound that
// follows it). Real documents bend the syntax ("vers:all/<V2.8"), so an
// unknown scheme is read as generic rather than refused.
func readVers(s string) (versionSpec, bool) {
	body, ok := strings.CutPrefix(strings.TrimSpace(s), "vers:")
	if !ok {
		return versionSpec{}, false
	}
	scheme, constraints, ok := strings.Cut(body, "/")
	if !ok {
		return versionSpec{}, false
	}
	spec, ok := readVersionText(constraints)
	spec.scheme = versScheme(scheme)
	return spec, ok
}

// versScheme maps a vers or purl type to Heed's version scheme.
func versScheme(t string) string {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "semver":
		return subscribers.SchemeSemver
	case "npm":
		return subscribers.SchemeNPM
	case "golang", "go":
		return subscribers.SchemeGo
	case "pypi":
		return subscribers.SchemePyPI
	case "maven":
		return subscribers.SchemeMaven
	case "deb":
		return subscribers.SchemeDebian
	case "rpm":
		return subscribers.SchemeRPM
	}
	return subscribers.SchemeGeneric
}
