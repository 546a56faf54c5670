package subscribers

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// ParseVers parses a version range specifier of the purl "vers" form,
// vers:<versioning-scheme>/<constraint>|<constraint>..., as CSAF 2.0 product
// trees and other feeds carry it. It returns the scheme as one of the
// Scheme* names (npm, semver, golang or go, pypi, maven, deb or debian, rpm;
// any other scheme, "generic" and "all" included, becomes SchemeGeneric),
// the exact versions named by "=" constraints, and the ranges the other
// constraints describe.
//
// Constraints are ordered by version under the scheme before they are paired,
// as the vers specification prescribes, so ">=1.0|<2.0" and "<2.0|>=1.0"
// mean the same. "*" alone means every version and yields one range from
// "0". "!=" removes a version: ranges containing it are split around it,
// and with no other range it splits "every version". Whitespace is ignored
// and versions are percent-decoded.
//
// The error names the input and says what is wrong with it.
func ParseVers(s string) (scheme string, versions []string, ranges []Range, err error) {
	scheme, versions, ranges, err = parseVers(s)
	if err != nil {
		return "", nil, nil, fmt.Errorf("vers %q: %w", s, err)
	}
	return scheme, versions, ranges, nil
}

func parseVers(s string) (string, []string, []Range, error) {
	s = strings.Join(strings.Fields(s), "")
	if len(s) < 5 || !strings.EqualFold(s[:5], "vers:") {
		return "", nil, nil, errors.New(`does not start with "vers:"`)
	}
	raw, body, ok := strings.Cut(s[5:], "/")
	if !ok {
		return "", nil, nil, errors.New(`no "/" after the versioning scheme`)
	}
	if raw == "" {
		return "", nil, nil, errors.New("empty versioning scheme")
	}
	raw = strings.ToLower(raw)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '+') {
			return "", nil, nil, fmt.Errorf("versioning scheme %q has the invalid character %q", raw, c)
		}
	}
	scheme := versScheme(raw)
	if body == "" {
		return "", nil, nil, errors.New("no constraints after the versioning scheme")
	}
	versions, ranges, err := parseConstraints(scheme, strings.Split(body, "|"), true)
	if err != nil {
		return "", nil, nil, err
	}
	return scheme, versions, ranges, nil
}

// ParseVLS parses the free-form "vls" version range of CSAF 2.0
// (product_version_range.version_range_specifier) when it is simple:
// a vers URI, or constraints such as "<4.2", "< V4.1.3", ">= 1.0 | <= 1.32",
// a bare version ("4.2", meaning exactly that version), "*", "all", or
// Siemens' "All versions", "All versions < V1.5 SP3 Update 2" and
// "All versions >= V2.0 and < V2.1.6".
// The scheme is SchemeGeneric unless a vers URI declares another. Spaces
// around operators are ignored; spaces inside a version ("2.1 build 5") are
// kept.
func ParseVLS(s string) (scheme string, versions []string, ranges []Range, err error) {
	t := strings.TrimSpace(s)
	if len(t) >= 5 && strings.EqualFold(t[:5], "vers:") {
		return ParseVers(t)
	}
	if t == "" {
		return "", nil, nil, errors.New("vls: empty version range")
	}
	// Siemens writes "All versions < V1.5 SP3 Update 2" and "All versions".
	if len(t) >= 12 && strings.EqualFold(t[:12], "all versions") {
		t = strings.TrimSpace(t[12:])
	}
	if t == "" || strings.EqualFold(t, "all") {
		t = "*"
	}
	// "All versions >= V2.0 and < V2.1.6": "and" joins constraints too.
	for _, and := range []string{" and ", " AND ", " And "} {
		t = strings.ReplaceAll(t, and, "|")
	}
	parts := strings.Split(t, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	versions, ranges, err = parseConstraints(SchemeGeneric, parts, false)
	if err != nil {
		return "", nil, nil, fmt.Errorf("vls %q: %w", s, err)
	}
	return SchemeGeneric, versions, ranges, nil
}

// versScheme maps a vers versioning scheme to a Scheme* name.
func versScheme(s string) string {
	switch s {
	case "npm":
		return SchemeNPM
	case "semver":
		return SchemeSemver
	case "golang", "go":
		return SchemeGo
	case "pypi":
		return SchemePyPI
	case "maven":
		return SchemeMaven
	case "deb", "debian":
		return SchemeDebian
	case "rpm":
		return SchemeRPM
	}
	return SchemeGeneric
}

type constraint struct {
	op, v string
}

func (c constraint) String() string { return c.op + c.v }

// parseConstraint splits one constraint into comparator and version. A
// constraint without comparator means "=".
func parseConstraint(part string, decode bool) (constraint, error) {
	op := "="
	for _, o := range []string{">=", "<=", "!=", "<", ">", "="} {
		if strings.HasPrefix(part, o) {
			op = o
			part = part[len(o):]
			break
		}
	}
	v := strings.TrimSpace(part)
	if decode {
		d, err := url.PathUnescape(v)
		if err != nil {
			return constraint{}, fmt.Errorf("version %q: bad percent-encoding", v)
		}
		v = d
	}
	if v == "" {
		return constraint{}, fmt.Errorf("constraint %q has no version", op)
	}
	if strings.ContainsAny(v, "<>=!|*") {
		return constraint{}, fmt.Errorf("constraint %q: version %q contains a comparator character", op+v, v)
	}
	return constraint{op: op, v: v}, nil
}

// parseConstraints turns constraints into exact versions and ranges.
func parseConstraints(scheme string, parts []string, decode bool) ([]string, []Range, error) {
	if len(parts) == 1 && parts[0] == "*" {
		return nil, []Range{{Introduced: "0"}}, nil
	}
	var eq, ne []string
	var bounds []constraint
	for i, p := range parts {
		if p == "" {
			return nil, nil, fmt.Errorf("constraint %d of %d is empty", i+1, len(parts))
		}
		if p == "*" {
			return nil, nil, errors.New(`"*" must be the only constraint`)
		}
		c, err := parseConstraint(p, decode)
		if err != nil {
			return nil, nil, err
		}
		switch c.op {
		case "=":
			eq = append(eq, c.v)
		case "!=":
			ne = append(ne, c.v)
		default:
			bounds = append(bounds, c)
		}
	}
	sort.SliceStable(bounds, func(i, j int) bool { return cmp(scheme, bounds[i].v, bounds[j].v) < 0 })
	for i := 1; i < len(bounds); i++ {
		if cmp(scheme, bounds[i-1].v, bounds[i].v) == 0 {
			return nil, nil, fmt.Errorf("version %q appears in both %q and %q", bounds[i].v, bounds[i-1], bounds[i])
		}
	}
	ranges, err := pairBounds(bounds)
	if err != nil {
		return nil, nil, err
	}
	eq = withoutVersions(scheme, eq, ne)
	if len(ne) > 0 && len(ranges) == 0 && len(eq) == 0 {
		ranges = []Range{{Introduced: "0"}}
	}
	for _, x := range ne {
		ranges = splitAt(scheme, ranges, x)
	}
	return eq, ranges, nil
}

// pairBounds walks bounds sorted by version: a lower bound (">", ">=")
// opens a range that the next upper bound ("<", "<=") closes; an upper
// bound first closes a range open from the start; a lower bound last
// leaves its range open.
func pairBounds(bounds []constraint) ([]Range, error) {
	var ranges []Range
	var open *constraint
	for i := range bounds {
		c := bounds[i]
		lower := c.op == ">" || c.op == ">="
		switch {
		case lower && open != nil:
			return nil, fmt.Errorf("%q follows %q without an upper bound between them", c, *open)
		case lower:
			open = &bounds[i]
		case open == nil && i > 0:
			return nil, fmt.Errorf("%q follows %q without a lower bound between them", c, bounds[i-1])
		default:
			r := Range{Introduced: "0"}
			if open != nil {
				r.Introduced = open.v
				r.IntroducedExclusive = open.op == ">"
			}
			if c.op == "<" {
				r.Fixed = c.v
			} else {
				r.LastAffected = c.v
			}
			ranges = append(ranges, r)
			open = nil
		}
	}
	if open != nil {
		ranges = append(ranges, Range{Introduced: open.v, IntroducedExclusive: open.op == ">"})
	}
	return ranges, nil
}

// withoutVersions returns vs minus every version equal to one of drop.
func withoutVersions(scheme string, vs, drop []string) []string {
	var out []string
next:
	for _, v := range vs {
		for _, d := range drop {
			if cmp(scheme, v, d) == 0 {
				continue next
			}
		}
		out = append(out, v)
	}
	return out
}

// splitAt removes version x from every range that contains it by cutting
// the range into the part below x and the part above it.
func splitAt(scheme string, ranges []Range, x string) []Range {
	var out []Range
	for _, r := range ranges {
		if !r.Contains(scheme, x) {
			out = append(out, r)
			continue
		}
		below := r
		below.Fixed, below.LastAffected = x, ""
		if fromStart(r.Introduced) && !r.IntroducedExclusive || cmp(scheme, r.Introduced, x) < 0 {
			out = append(out, below)
		}
		above := r
		above.Introduced, above.IntroducedExclusive = x, true
		if r.LastAffected == "" || cmp(scheme, x, r.LastAffected) < 0 {
			out = append(out, above)
		}
	}
	return out
}
