package version

import (
	"strings"
	"testing"
)

// The corners of apk's ordering the package comment in apk.go states, each
// chain strictly increasing and checked both ways on every pair.
func TestCompareApkCorners(t *testing.T) {
	t.Parallel()
	chains := [][]string{
		// After a dot, leading zeros count down before the value.
		{"1.000", "1.00", "1.001", "1.0", "1.01", "1.010", "1.1", "1.9", "1.10"},
		// What follows decides: a pre-release suffix, nothing, a revision,
		// a post-release suffix, a letter, a further number.
		{"1.0_rc1", "1.0", "1.0-r1", "1.0_p1", "1.0a", "1.0.1"},
		{"1.0.0-r0", "1.0.0a-r0", "1.0.0a1-r0", "1.0.0b-r0"},
		// Several suffixes, compared in turn.
		{"1.2.3_alpha1_p2", "1.2.3_alpha2", "1.2.3_p1_rc2", "1.2.3_p1", "1.2.3_p1-r3", "1.2.3_p1_p1", "1.2.3_p2"},
		// Numbers of any length, by value (date-stamped snapshots).
		{"0_git20240101", "0_git99999999999999999998", "0_git99999999999999999999", "0_git100000000000000000000"},
	}
	for _, vs := range chains {
		for i := range vs {
			for j := range vs {
				e, err := Explain(Alpine, vs[i], vs[j])
				if err != nil {
					t.Fatal(err)
				}
				if e.Scheme != Alpine || e.Order != sign(i-j) {
					t.Errorf("Explain(apk, %q, %q) = %+v, want %d by apk", vs[i], vs[j], e, sign(i-j))
				}
			}
		}
	}
}

// What the format does not allow is not an apk version: Valid says so, and
// heed compare says the pair was compared generically.
func TestApkMalformedComparedGenerically(t *testing.T) {
	t.Parallel()
	for _, v := range []string{
		"a", "_rc1", "1.", "1..2", ".1", "4.8.0.-r1", "1.0-r", "1.0-r1_p1", "1.0a1.2", "1.0ab",
		"1.0_RC1", "1.0_rc-1", "1.0_p1a", "v1.0", "1.0 -r1", "1.0-r1-r2",
	} {
		if err := Valid(Alpine, v); err == nil {
			t.Errorf("Valid(apk, %q) = nil, want an error", v)
		}
		e, err := Explain(Alpine, v, "1.0")
		if err != nil {
			t.Fatal(err)
		}
		if e.Scheme != Generic || !strings.Contains(e.Note, "compared generically") || e.Order != CompareGeneric(v, "1.0") {
			t.Errorf("Explain(apk, %q, 1.0) = %+v, want the generic order with a note", v, e)
		}
	}
}
