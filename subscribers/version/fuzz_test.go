package version

import "testing"

// FuzzCompare checks, for every scheme, that Compare never panics, is
// reflexive and antisymmetric, and is transitive on triples that parse
// under the scheme (mixing strict and fallback orderings is not transitive,
// which is the documented price of the fallback). Maven is left out of the
// transitivity check: ComparableVersion itself is not transitive (a
// sub-list beats a qualifier even when the sub-list starts with "alpha":
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
	}
	for i, s := range seeds {
		f.Add(uint8(i), s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, n uint8, a, b, c string) {
		scheme := Schemes[int(n)%len(Schemes)]
		ab, err := Compare(scheme, a, b)
		if err != nil {
			t.Fatal(err)
		}
		ba, _ := Compare(scheme, b, a)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("%s: Compare(%q, %q) = %d but Compare(%q, %q) = %d", scheme, a, b, ab, b, a, ba)
		}
		if aa, _ := Compare(scheme, a, a); aa != 0 {
			t.Fatalf("%s: Compare(%q, itself) = %d", scheme, a, aa)
		}
		strict := scheme == Generic || Valid(scheme, a) == nil && Valid(scheme, b) == nil && Valid(scheme, c) == nil
		if !strict || scheme == Maven {
			return
		}
		bc, _ := Compare(scheme, b, c)
		ac, _ := Compare(scheme, a, c)
		if ab <= 0 && bc <= 0 && ac > 0 || ab >= 0 && bc >= 0 && ac < 0 {
			t.Fatalf("%s: not transitive: %q ? %q = %d, %q ? %q = %d, %q ? %q = %d", scheme, a, b, ab, b, c, bc, a, c, ac)
		}
	})
}
