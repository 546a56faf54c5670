package version

import (
	"strings"
	"testing"
)

// FuzzCompare checks, for every scheme, that Compare never panics, is
// reflexive and antisymmetric, and is transitive on triples that the
// scheme orders itself (mixing strict and fallback comparisons is not
// transitive, which is the documented price of the fallback). Maven is left
// out of the transitivity check: ComparableVersion itself is not transitive
// (a sub-list beats a qualifier even when the sub-list starts with "alpha":
// "0a0a" > "aa" > "0" > "0a0a"), and Heed follows Maven rather than fix it.
func FuzzCompare(f *testing.F) {
	seeds := [][3]string{
		{"9.0R3.3", "9.0R3.4", "9.0R10"},
		{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0"},
		{"1.0.dev0", "1.0a1", "1.0.post1"},
		{"1-alpha", "1-sp", "1.0-1"},
		{"1:1.0~rc1-1", "1.0-1", "1.0a"},
		{"1.0^git1", "1.0~rc1", "1.0.1"},
		{"v0.0.0-20191109021931-daa7c04131f5", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"},
		{"", "0", "0.0.0"},
		{"3.0.0.rc2", "3.0.0-rc2", "3.0.0"},
		{"1.0-dev", "1.0a1", "v1.0.0-patch1"},
		{"1.0.0-pre+build", "1.0.0+1", "1.0.0"},
		{"1.0_rc1-r0", "1.01", "1.0a-r1"},
		{"1.0-foo", "2004d", "1.0"},
	}
	for i, s := range seeds {
		f.Add(uint8(i), s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, n uint8, a, b, c string) {
		checkLaws(t, Schemes[int(n)%len(Schemes)], a, b, c)
	})
}

// versionWords are the pieces FuzzSchemeLaws builds versions from: enough
// of every scheme's vocabulary that most triples parse under some strict
// scheme, which random strings almost never do.
var versionWords = []string{
	"0", "1", "2", "10", "01", "00", ".", ".", ".", "-", "_", "+", "~", "^", ":",
	"a", "b", "alpha", "beta", "rc", "RC", "pre", "dev", "p", "pl", "patch", "post", "r", "git", "cvs", "v",
}

// FuzzSchemeLaws is FuzzCompare on versions built from versionWords: each
// byte of spec picks a word, 0xff ends a version.
func FuzzSchemeLaws(f *testing.F) {
	f.Add(uint8(0), []byte{1, 6, 2, 0xff, 1, 6, 2, 9, 16, 1, 0xff, 1, 6, 2})
	f.Add(uint8(14), []byte{1, 6, 0, 10, 17, 0xff, 1, 6, 0, 0xff, 1, 6, 0, 9, 29, 1})
	f.Fuzz(func(t *testing.T, n uint8, spec []byte) {
		var vs [3]strings.Builder
		k := 0
		for _, x := range spec {
			if x == 0xff {
				if k++; k == len(vs) {
					break
				}
				continue
			}
			vs[k].WriteString(versionWords[int(x)%len(versionWords)])
		}
		checkLaws(t, Schemes[int(n)%len(Schemes)], vs[0].String(), vs[1].String(), vs[2].String())
	})
}

func checkLaws(t *testing.T, scheme, a, b, c string) {
	t.Helper()
	ab, err := Compare(scheme, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := Explain(scheme, a, b); e.Order != ab {
		t.Fatalf("%s: Explain(%q, %q) = %+v but Compare = %d", scheme, a, b, e, ab)
	}
	ba, _ := Compare(scheme, b, a)
	if ab != -ba || ab < -1 || ab > 1 {
		t.Fatalf("%s: Compare(%q, %q) = %d but Compare(%q, %q) = %d", scheme, a, b, ab, b, a, ba)
	}
	if aa, _ := Compare(scheme, a, a); aa != 0 {
		t.Fatalf("%s: Compare(%q, itself) = %d", scheme, a, aa)
	}
	if scheme == Maven || !ordersItself(scheme, a) || !ordersItself(scheme, b) || !ordersItself(scheme, c) {
		return
	}
	bc, _ := Compare(scheme, b, c)
	ac, _ := Compare(scheme, a, c)
	if ab <= 0 && bc <= 0 && ac > 0 || ab >= 0 && bc >= 0 && ac < 0 {
		t.Fatalf("%s: not transitive: %q ? %q = %d, %q ? %q = %d, %q ? %q = %d", scheme, a, b, ab, b, c, bc, a, c, ac)
	}
}

// ordersItself reports whether scheme orders v without the generic
// fallback (PyPI orders its legacy versions itself).
func ordersItself(scheme, v string) bool {
	o, _ := lookup(scheme)
	if o.compare == nil {
		return true
	}
	_, ok := o.compare(v, v)
	return ok
}
