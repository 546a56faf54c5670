// Package version orders version strings under the schemes an advisory can
// declare (semver, npm, golang, pypi, maven, deb, rpm) and under a documented
// generic ordering for vendor versions such as 9.0R3.3.
//
// Advisories often carry versions that their declared scheme does not
// accept (a CSAF file that says "semver" and then lists "V4.1"). Refusing
// to compare would silently drop an affected organization, so Compare
// falls back to the generic ordering for any pair it cannot parse under the
// strict scheme. Valid tells whether a version parses strictly.
package version

import (
	"fmt"
	"strings"
)

// Scheme names: the one list. An advisory's Affected.Scheme holds one of
// them (package advisory maps vers schemes and purl types onto them).
const (
	Generic = "generic"
	Semver  = "semver"
	NPM     = "npm"
	Go      = "golang"
	PyPI    = "pypi"
	Maven   = "maven"
	Debian  = "deb"
	RPM     = "rpm"
)

// Schemes lists every scheme Compare knows.
var Schemes = []string{Generic, Semver, NPM, Go, PyPI, Maven, Debian, RPM}

// strict is one scheme's own ordering. ok is false when a or b does not
// parse under the scheme; Compare then uses the generic ordering.
type strict func(a, b string) (c int, ok bool)

func strictFor(scheme string) (strict, bool) {
	switch scheme {
	case Generic, "":
		return nil, true
	case Semver, NPM:
		return compareSemver, true
	case Go:
		return compareGo, true
	case PyPI:
		return comparePEP440, true
	case Maven:
		return compareMaven, true
	case Debian:
		return compareDebian, true
	case RPM:
		return compareRPM, true
	}
	return nil, false
}

// Compare returns -1, 0 or +1 as a is lower than, equal to or higher than b
// under scheme. An empty scheme means generic. When a or b does not parse
// under a strict scheme both are compared with the generic ordering (see
// CompareGeneric); this is deliberate, see the package comment. The error is
// non-nil only for an unknown scheme, and even then the result is the
// generic ordering, so a caller that must not drop anything can use it.
func Compare(scheme, a, b string) (int, error) {
	s, known := strictFor(scheme)
	if !known {
		return CompareGeneric(a, b), fmt.Errorf("unknown version scheme %q (compared as generic)", scheme)
	}
	if s != nil {
		if c, ok := s(a, b); ok {
			return c, nil
		}
	}
	return CompareGeneric(a, b), nil
}

// Known reports whether scheme is one of Schemes (or empty, meaning generic).
func Known(scheme string) bool {
	_, ok := strictFor(scheme)
	return ok
}

// Valid reports why v is not a well-formed version under scheme, or nil.
// Every string is valid under the generic scheme except a blank one.
func Valid(scheme, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("empty version")
	}
	s, known := strictFor(scheme)
	if !known {
		return fmt.Errorf("unknown version scheme %q", scheme)
	}
	if s == nil {
		return nil
	}
	if _, ok := s(v, v); !ok {
		return fmt.Errorf("%q is not a valid %s version", v, scheme)
	}
	return nil
}

// sign folds any integer into -1, 0 or +1.
func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// compareDigits compares two runs of ASCII digits by numeric value without
// converting them, so arbitrarily long numbers neither overflow nor panic.
func compareDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
