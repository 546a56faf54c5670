package advisory

import (
	"strings"

	"github.com/heed-dev/heed/subscribers"
)

// readVers reads a "vers:<scheme>/<constraints>" string (the package-url
// vers specification) as CSAF product_version_range names use it, with
// subscribers.ParseVers, which owns vers and orders constraints under the
// scheme. Real documents bend the syntax: CISA writes "vers:all/< V4.7 SP6
// HF1", where vers would drop the spaces that belong to the version. Such
// strings, and any ParseVers refuses, go to the phrase reader instead, with
// the scheme read as ParseVers would.
func readVers(s string) (versionSpec, bool) {
	body, ok := strings.CutPrefix(strings.TrimSpace(s), "vers:")
	if !ok {
		return versionSpec{}, false
	}
	rawScheme, constraints, ok := strings.Cut(body, "/")
	if !ok {
		return versionSpec{}, false
	}
	if !strings.ContainsAny(strings.TrimSpace(constraints), " \t") {
		scheme, versions, ranges, err := subscribers.ParseVers(s)
		if err == nil {
			return versionSpec{scheme: scheme, versions: versions, ranges: ranges}, len(versions)+len(ranges) > 0
		}
	}
	spec, ok := readVersionText(constraints)
	spec.scheme = versScheme(rawScheme)
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
