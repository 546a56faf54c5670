package version

import "strings"

// This file orders the two ecosystems whose versions are plain sequences
// of numbers, compared number by number, where a version that is a prefix
// of another is lower: "1.8" < "1.8.0" < "1.8.0.1".
//
//   - CRAN (R's package_version): numbers separated by "." or "-"
//     ("1.0-2" = "1.0.2"); R requires two numbers for a package, Heed
//     accepts one.
//   - Hackage (Cabal's Version): numbers separated by ".".

// parseDotted splits s into numbers at any of seps; every number must be
// a non-empty run of digits.
func parseDotted(s, seps string) ([]string, bool) {
	s = trimSpace(s)
	for _, sep := range seps {
		s = strings.ReplaceAll(s, string(sep), ".")
	}
	parts := strings.Split(s, ".")
	for _, p := range parts {
		if !allDigits(p) {
			return nil, false
		}
	}
	return parts, true
}

func compareNumberLists(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareDigits(a[i], b[i]); c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}

func compareCRAN(a, b string) (int, bool) {
	return both(a, b, func(s string) ([]string, bool) { return parseDotted(s, ".-") }, compareNumberLists)
}

func compareHackage(a, b string) (int, bool) {
	return both(a, b, func(s string) ([]string, bool) { return parseDotted(s, ".") }, compareNumberLists)
}
