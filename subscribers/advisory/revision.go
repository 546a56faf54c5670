package advisory

import (
	"cmp"
	"math/big"
	"strings"
	"time"
)

// CompareRevision orders two revisions of the same advisory, returning -1, 0
// or +1, so intake can tell a newer revision from a redelivered or older one.
// Each format has its own kind of revision, and both arguments normally come
// from the same format:
//
//   - integers (Heed's own "revision": 3) compare numerically, so "10" > "9";
//   - dotted numbers (CSAF tracking.version "1.0.2", "2") compare part by part
//     numerically, a missing part counting as 0, so "1.10" > "1.9" and
//     "2" == "2.0.0";
//   - RFC 3339 timestamps (CVE dateUpdated, OSV modified) compare as instants,
//     so different offsets or fractional seconds do not matter;
//   - anything else, or two revisions of different kinds, compare as strings.
func CompareRevision(a, b string) int {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if pa, ok := dottedNumber(a); ok {
		if pb, ok := dottedNumber(b); ok {
			return compareDotted(pa, pb)
		}
	}
	if ta, ok := timestamp(a); ok {
		if tb, ok := timestamp(b); ok {
			return ta.Compare(tb)
		}
	}
	return cmp.Compare(a, b)
}

// dottedNumber splits "1.0.2" into its numeric parts. Plain integers are the
// one-part case. Parts are big integers so no length of digits can overflow.
func dottedNumber(s string) ([]*big.Int, bool) {
	if s == "" {
		return nil, false
	}
	var parts []*big.Int
	for p := range strings.SplitSeq(s, ".") {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return nil, false
		}
		n, _ := new(big.Int).SetString(p, 10)
		parts = append(parts, n)
	}
	return parts, true
}

func compareDotted(a, b []*big.Int) int {
	zero := new(big.Int)
	for i := range max(len(a), len(b)) {
		x, y := zero, zero
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := x.Cmp(y); c != 0 {
			return c
		}
	}
	return 0
}

func timestamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
