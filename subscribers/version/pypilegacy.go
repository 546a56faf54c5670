package version

import "strings"

// comparePyPI orders PyPI versions the way pip and OSV did before PEP 440
// was enforced, and OSV still does: versions valid under PEP 440 by PEP 440
// (see pep440.go); a version that is not (a "legacy" version such as
// "1.0-foo" or "2004d") below every valid one; two legacy versions by
// setuptools' historical key (see legacyKey). Only a blank version is
// refused.
func comparePyPI(a, b string) (int, bool) {
	if trimSpace(a) == "" || trimSpace(b) == "" {
		return 0, false
	}
	va, okA := parsePEP440(a)
	vb, okB := parsePEP440(b)
	switch {
	case okA && okB:
		return va.compare(vb), true
	case okA:
		return 1, true
	case okB:
		return -1, true
	}
	return compareLegacyKeys(legacyKey(a), legacyKey(b)), true
}

// legacyKey is the sort key of a legacy version: the lower-cased version
// is cut into runs of digits, runs of ASCII letters, "." and "-" (text
// matching none of them is a part of its own); "." and empty parts are
// dropped; "pre", "preview" and "rc" become "c", "dev" becomes "@" and
// "-" becomes "final-"; numbers are zero-padded to 8 digits and words are
// prefixed with "*"; "*final" ends the list. Before a word that sorts below
// "*final" (a pre-release word), "*final-" parts just before it are
// dropped, and before any word, trailing "00000000" parts are dropped, so
// that 1.0 = 1 and 1.0-rc1 = 1.0rc1.
func legacyKey(v string) []string {
	v = strings.ToLower(v)
	var raw []string
	for i := 0; i < len(v); {
		j := i + 1
		switch c := v[i]; {
		case isDigit(c):
			for j < len(v) && isDigit(v[j]) {
				j++
			}
		case 'a' <= c && c <= 'z':
			for j < len(v) && 'a' <= v[j] && v[j] <= 'z' {
				j++
			}
		case c == '.' || c == '-':
		default:
			for j < len(v) && !isDigit(v[j]) && !('a' <= v[j] && v[j] <= 'z') && v[j] != '.' && v[j] != '-' {
				j++
			}
		}
		raw = append(raw, v[i:j])
		i = j
	}
	var key []string
	for _, p := range append(raw, "final") {
		switch p {
		case ".":
			continue
		case "pre", "preview", "rc":
			p = "c"
		case "dev":
			p = "@"
		case "-":
			p = "final-"
		}
		if isDigit(p[0]) {
			if len(p) < 8 {
				p = strings.Repeat("0", 8-len(p)) + p
			}
		} else {
			p = "*" + p
			if p < "*final" {
				for len(key) > 0 && key[len(key)-1] == "*final-" {
					key = key[:len(key)-1]
				}
			}
			for len(key) > 0 && key[len(key)-1] == "00000000" {
				key = key[:len(key)-1]
			}
		}
		key = append(key, p)
	}
	return key
}

func compareLegacyKeys(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}
