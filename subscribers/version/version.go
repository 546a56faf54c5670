// Package version orders version strings under the schemes an advisory can
// declare and under a documented generic ordering for vendor versions such
// as 9.0R3.3.
//
// Scheme names are purl types (generic and semver aside): each ecosystem
// is ordered the way its own tools order it, from its specification or its
// reference implementation; see Schemes and docs/MATCHING.md.
//
// Advisories often carry versions that their declared scheme does not
// accept (a CSAF file that says "semver" and then lists "V4.1"). Refusing
// to compare would silently drop an affected organization, so Compare
// falls back to the generic ordering for any pair it cannot parse under the
// strict scheme. Valid tells whether a version parses strictly; Explain
// says which ordering decided a comparison.
package version

import (
	"fmt"
	"strings"
)

// Scheme names: the one list of them in Heed. An advisory's Affected.Scheme
// holds one of them. Every name but Generic and Semver is the purl type of
// the ecosystem it orders.
const (
	Generic  = "generic"
	Semver   = "semver"
	NPM      = "npm"
	Go       = "golang"
	PyPI     = "pypi"
	Maven    = "maven"
	Debian   = "deb"
	RPM      = "rpm"
	Gem      = "gem"
	Composer = "composer"
	NuGet    = "nuget"
	Pub      = "pub"
	Alpine   = "apk"
	CRAN     = "cran"
	Hackage  = "hackage"
	Hex      = "hex"
	Cargo    = "cargo"
	Swift    = "swift"
)

// Schemes lists every scheme Compare knows.
var Schemes = []string{
	Generic, Semver, NPM, Go, PyPI, Maven, Debian, RPM,
	Gem, Composer, NuGet, Pub, Alpine, CRAN, Hackage, Hex, Cargo, Swift,
}

// strict is one scheme's own ordering. ok is false when a or b does not
// parse under the scheme; Compare then uses the generic ordering.
type strict func(a, b string) (c int, ok bool)

// ordering is a scheme's strict comparison and, where the scheme orders
// strings it does not consider valid (PyPI's legacy versions), the test of
// validity.
type ordering struct {
	compare strict
	valid   func(v string) bool // nil: valid when compare(v, v) is ok
}

var byScheme = map[string]ordering{
	Semver:   {compare: compareSemver},
	NPM:      {compare: compareSemver},
	Go:       {compare: compareGo},
	Cargo:    {compare: compareSemver},
	Swift:    {compare: compareSemver},
	Hex:      {compare: compareSemver},
	PyPI:     {compare: comparePyPI, valid: validPEP440},
	Maven:    {compare: compareMaven},
	Debian:   {compare: compareDebian},
	RPM:      {compare: compareRPM},
	Gem:      {compare: compareGem},
	Composer: {compare: compareComposer},
	NuGet:    {compare: compareNuGet},
	Pub:      {compare: comparePub},
	Alpine:   {compare: compareAlpine},
	CRAN:     {compare: compareCRAN},
	Hackage:  {compare: compareHackage},
}

// lookup returns scheme's ordering; known is false for an unknown scheme.
// Generic (or "") has the zero ordering.
func lookup(scheme string) (o ordering, known bool) {
	if scheme == Generic || scheme == "" {
		return ordering{}, true
	}
	o, known = byScheme[scheme]
	return o, known
}

// Compare returns -1, 0 or +1 as a is lower than, equal to or higher than b
// under scheme. An empty scheme means generic. When a or b does not parse
// under a strict scheme both are compared with the generic ordering (see
// CompareGeneric); this is deliberate, see the package comment. The error is
// non-nil only for an unknown scheme, and even then the result is the
// generic ordering, so a caller that must not drop anything can use it.
func Compare(scheme, a, b string) (int, error) {
	o, known := lookup(scheme)
	if !known {
		return CompareGeneric(a, b), fmt.Errorf("unknown version scheme %q (compared as generic)", scheme)
	}
	if o.compare != nil {
		if c, ok := o.compare(a, b); ok {
			return c, nil
		}
	}
	return CompareGeneric(a, b), nil
}

// Explanation is how two versions were ordered.
type Explanation struct {
	Order int // -1, 0 or +1
	// Scheme is the ordering that decided: the requested scheme, or
	// Generic when the requested one could not parse a version.
	Scheme string
	// Note says, for a person, why the requested scheme's own ordering was
	// not (or not simply) used; empty when it was.
	Note string
}

// Explain orders a and b like Compare and says which ordering decided. It
// is for people (heed compare); matching calls Compare, which builds no
// notes.
func Explain(scheme, a, b string) (Explanation, error) {
	o, known := lookup(scheme)
	if !known {
		return Explanation{Order: CompareGeneric(a, b), Scheme: Generic,
				Note: fmt.Sprintf("unknown scheme %q", scheme)},
			fmt.Errorf("unknown version scheme %q (compared as generic)", scheme)
	}
	if o.compare == nil {
		return Explanation{Order: CompareGeneric(a, b), Scheme: Generic}, nil
	}
	if c, ok := o.compare(a, b); ok {
		e := Explanation{Order: c, Scheme: scheme}
		if o.valid != nil {
			e.Note = legacyNote(scheme, o.valid, a, b)
		}
		return e, nil
	}
	return Explanation{Order: CompareGeneric(a, b), Scheme: Generic,
		Note: invalidNote(scheme, o.parses, a, b) + ": compared generically"}, nil
}

// legacyNote names the versions a scheme ordered without their being valid.
func legacyNote(scheme string, valid func(string) bool, a, b string) string {
	if valid(a) && valid(b) {
		return ""
	}
	return invalidNote(scheme, valid, a, b) + ": ordered as legacy, below every valid version"
}

// invalidNote says which of a and b are not valid under scheme.
func invalidNote(scheme string, valid func(string) bool, a, b string) string {
	var bad []string
	for _, v := range []string{a, b} {
		if !valid(v) {
			bad = append(bad, fmt.Sprintf("%q", v))
		}
	}
	if len(bad) == 2 {
		return fmt.Sprintf("%s are not valid %s versions", strings.Join(bad, " and "), scheme)
	}
	return fmt.Sprintf("%s is not a valid %s version", strings.Join(bad, ""), scheme)
}

func (o ordering) parses(v string) bool {
	if o.valid != nil {
		return o.valid(v)
	}
	_, ok := o.compare(v, v)
	return ok
}

// Known reports whether scheme is one of Schemes (or empty, meaning generic).
func Known(scheme string) bool {
	_, ok := lookup(scheme)
	return ok
}

// Valid reports why v is not a well-formed version under scheme, or nil.
// Every string is valid under the generic scheme except a blank one.
func Valid(scheme, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("empty version")
	}
	o, known := lookup(scheme)
	if !known {
		return fmt.Errorf("unknown version scheme %q", scheme)
	}
	if o.compare == nil {
		return nil
	}
	if !o.parses(v) {
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

// both parses a and b with parse and compares them with cmp, or reports
// that one of them does not parse.
func both[T any](a, b string, parse func(string) (T, bool), cmp func(T, T) int) (int, bool) {
	va, ok := parse(a)
	if !ok {
		return 0, false
	}
	vb, ok := parse(b)
	if !ok {
		return 0, false
	}
	return cmp(va, vb), true
}
