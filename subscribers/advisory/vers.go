package advisory

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/heed-dev/heed/subscribers/version"
)

// Versions is what a version text says about which versions it covers.
type Versions struct {
	Scheme string   // the scheme a "vers:" text declares (see version.ForType); "" when the text declares none
	Exact  []string // versions named one by one
	Ranges []Range
	Every  bool // the text says "every version" in words ("All versions", "*")
}

// ReadVersions reads a version text, as advisories write them, into exact
// versions and ranges. A text that starts with "vers:" is read as a vers
// string (the package-url specification: vers:<scheme>/<constraint>|...),
// with the scheme it declares; any other text goes through the phrase
// reader, which knows the comparators and phrases vendors write ("<= 2.24",
// "All versions < V8.2 SP1", "2.3.6 and below"; see readVersionText).
//
// Real documents bend the vers syntax: CISA writes "vers:all/< V4.7 SP6
// HF1", where vers would drop the spaces that belong to the version. Such
// strings, and any the strict vers reader refuses, go to the phrase reader
// with the scheme they declare.
//
// It reports false when the text is not understood, or says nothing.
func ReadVersions(text string) (Versions, bool) {
	t := strings.TrimSpace(text)
	if len(t) < 5 || !strings.EqualFold(t[:5], "vers:") {
		return readVersionText(t)
	}
	rawScheme, constraints, ok := strings.Cut(t[5:], "/")
	if !ok {
		return Versions{}, false
	}
	if !strings.ContainsAny(strings.TrimSpace(constraints), " \t") {
		if v, err := parseVers(t); err == nil {
			return v, len(v.Exact)+len(v.Ranges) > 0
		}
	}
	v, ok := readVersionText(constraints)
	v.Scheme = version.ForType(rawScheme)
	return v, ok
}

// parseVers reads a vers string strictly. The scheme becomes a scheme of
// package version (see version.ForType). Constraints are ordered by version under
// the scheme before they are paired, as the vers specification prescribes,
// so ">=1.0|<2.0" and "<2.0|>=1.0" mean the same. "*" alone means every
// version and yields one range from "0". "!=" removes a version: ranges
// containing it are split around it, and with no other range it splits
// "every version". Whitespace is ignored and versions are percent-decoded.
// The error names the input and says what is wrong with it.
func parseVers(s string) (Versions, error) {
	v, err := parseVersBody(s)
	if err != nil {
		return Versions{}, fmt.Errorf("vers %q: %w", s, err)
	}
	return v, nil
}

func parseVersBody(s string) (Versions, error) {
	s = strings.Join(strings.Fields(s), "")
	if len(s) < 5 || !strings.EqualFold(s[:5], "vers:") {
		return Versions{}, errors.New(`does not start with "vers:"`)
	}
	raw, body, ok := strings.Cut(s[5:], "/")
	if !ok {
		return Versions{}, errors.New(`no "/" after the versioning scheme`)
	}
	if raw == "" {
		return Versions{}, errors.New("empty versioning scheme")
	}
	raw = strings.ToLower(raw)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '+') {
			return Versions{}, fmt.Errorf("versioning scheme %q has the invalid character %q", raw, c)
		}
	}
	scheme := version.ForType(raw)
	if body == "" {
		return Versions{}, errors.New("no constraints after the versioning scheme")
	}
	exact, ranges, err := parseConstraints(scheme, strings.Split(body, "|"))
	if err != nil {
		return Versions{}, err
	}
	return Versions{Scheme: scheme, Exact: exact, Ranges: ranges}, nil
}

// versConstraint is one constraint of a vers string.
type versConstraint struct {
	op, v string
}

func (c versConstraint) String() string { return c.op + c.v }

// parseConstraint splits one constraint into comparator and version. A
// constraint without comparator means "=".
func parseConstraint(part string) (versConstraint, error) {
	op := "="
	for _, o := range []string{">=", "<=", "!=", "<", ">", "="} {
		if strings.HasPrefix(part, o) {
			op = o
			part = part[len(o):]
			break
		}
	}
	v, err := url.PathUnescape(strings.TrimSpace(part))
	if err != nil {
		return versConstraint{}, fmt.Errorf("version %q: bad percent-encoding", part)
	}
	if v == "" {
		return versConstraint{}, fmt.Errorf("constraint %q has no version", op)
	}
	if strings.ContainsAny(v, "<>=!|*") {
		return versConstraint{}, fmt.Errorf("constraint %q: version %q contains a comparator character", op+v, v)
	}
	return versConstraint{op: op, v: v}, nil
}

// parseConstraints turns constraints into exact versions and ranges.
func parseConstraints(scheme string, parts []string) ([]string, []Range, error) {
	if len(parts) == 1 && parts[0] == "*" {
		return nil, []Range{{Introduced: "0"}}, nil
	}
	var eq, ne []string
	var bounds []versConstraint
	for i, p := range parts {
		if p == "" {
			return nil, nil, fmt.Errorf("constraint %d of %d is empty", i+1, len(parts))
		}
		if p == "*" {
			return nil, nil, errors.New(`"*" must be the only constraint`)
		}
		c, err := parseConstraint(p)
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
	sort.SliceStable(bounds, func(i, j int) bool { return order(scheme, bounds[i].v, bounds[j].v) < 0 })
	for i := 1; i < len(bounds); i++ {
		if order(scheme, bounds[i-1].v, bounds[i].v) == 0 {
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
func pairBounds(bounds []versConstraint) ([]Range, error) {
	var ranges []Range
	var open *versConstraint
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
			if order(scheme, v, d) == 0 {
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
		if fromStart(r.Introduced) && !r.IntroducedExclusive || order(scheme, r.Introduced, x) < 0 {
			out = append(out, below)
		}
		above := r
		above.Introduced, above.IntroducedExclusive = x, true
		if r.LastAffected == "" || order(scheme, x, r.LastAffected) < 0 {
			out = append(out, above)
		}
	}
	return out
}
