package version

import (
	"strings"
	"testing"
)

// ordered lists versions in strictly increasing order under a scheme.
// Every pair of the list is checked both ways.
var ordered = map[string][]string{
	Generic: {
		"", "0.9", "6.4.2", "6.4.10", "8.2R9.0", "8.2R12", "8.2R12.1", "9.0", "9.0R1", "9.0R3",
		"9.0R3.3", "9.0R3.4", "9.0R10", "9.1R1",
	},
	Semver: {
		"0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.2.3", "1.10.0", "2.0.0",
		"18446744073709551616.0.0",
	},
	Go: {
		"v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20220315000000-abcdefabcdef",
		"v0.1.0", "v1.2.3-pre", "v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", "v2.0.0+incompatible", "v2.1.0",
	},
	PyPI: {
		"1.0-foo", "1.0-goo", "2004d", "2004d.1",
		"1.0.dev0", "1.0a1", "1.0a2.dev1", "1.0a2", "1.0b1", "1.0rc1", "1.0", "1.0+abc", "1.0+abc.5",
		"1.0+5", "1.0.post1.dev1", "1.0.post1", "1.1.dev1", "1.1", "2.0", "1!0.5",
	},
	Maven: {
		"1-alpha", "1-alpha-1", "1-beta-2", "1-milestone-1", "1-rc-1", "1-snapshot", "1", "1-sp", "1-sp1",
		"1-abc", "1-1", "1.1", "1.2-beta9", "2.0.0-beta9", "2.0-rc1", "2.14.1", "2.15.0", "2.17.1",
	},
	Debian: {
		"1.0~rc1", "1.0", "1.0-1", "1.0-1ubuntu0.1", "1.0-2", "1.0a", "1.0+dfsg-1", "1.1", "1.10",
		"1:0.9", "2:0.1",
	},
	RPM: {
		"1.0~rc1", "1.0", "1.0^git1", "1.0a", "1.0.1", "1.1", "2.4.6-90.el7", "2.4.6-97.el7", "2.4.6-97.el7_9.1",
		"2.4.10", "1:0.5",
	},
	Gem: {
		"0", "0.9", "1.0.a", "1.0.a.1", "1.0.a2", "1.0.b1", "1.0.0.pre", "1.0.rc1", "1.0.rc2", "1.0",
		"1.0.1", "1.1.1a", "1.1.1", "1.1.2.a", "1.1.2", "1.10", "3.0.0.beta1", "3.0.0.rc2", "3.0.0",
	},
	Composer: {
		"1.0-dev", "1.0a1", "1.0.0-alpha2", "1.0.0-beta.1", "1.0.0-b2", "1.0.0-RC1", "1.0.0-rc2", "1.0",
		"1.0.0-patch1", "1.0.0-pl2", "1.0.1", "v1.0.2", "1.1.0-dev", "2.1.99", "2.1.x-dev", "2.2",
		"v5.0.0-RC", "v5.0.0", "20230102",
	},
	NuGet: {
		"1.0.0-1", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-Alpha.2", "1.0.0-alpha.10", "1.0.0-beta",
		"1.0.0-rc.1", "1.0.0", "1.0.0.1", "1.0.1", "1.2", "2.0.0",
	},
	Pub: {
		"0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta.2", "1.0.0-pre+build", "1.0.0-rc.1",
		"1.0.0", "1.0.0+1", "1.0.0+build", "1.0.0+build.1", "1.0.1", "1.10.0",
	},
	Alpine: {
		"1.0_alpha", "1.0_alpha1", "1.0_beta2", "1.0_pre1", "1.0_rc1", "1.0", "1.0-r1", "1.0-r2",
		"1.0_cvs", "1.0_git", "1.0_p1", "1.0_p2", "1.0a", "1.0a-r0", "1.0a1", "1.0b", "1.0.1", "1.01", "1.1",
		"1.10", "2.0",
	},
	CRAN: {
		"0.9-1", "1.0", "1.0-1", "1.0-2", "1.0-10", "1.8", "1.8.0", "1.8-0.1", "1.10", "2.0",
	},
	Hackage: {
		"0.1", "0.1.0", "0.1.0.0", "0.1.1", "0.2", "1", "1.0", "1.8", "1.8.0", "1.10",
	},
}

// equal lists groups of versions that compare equal under a scheme.
var equal = map[string][][]string{
	Generic: {
		{"9.0R3.3", "9.0r3.3", "9.0-R3.3", "9.0 r3 3", "v9.0R3.3"},
		{"6.4", "6.4.0", "6.4.0.0", "V6.4", "06.04"},
		{"2.1 build 5", "2.1-build5", "2.1 Build 5"},
	},
	Semver: {{"1.2.0", "1.2", "v1.2.0", "V1.2", "1.2.0+build.5"}},
	PyPI:   {{"1.0", "1.0.0", "v1.0", "1.0.0.0"}, {"1.0-0", "1.0.post0", "1.0.POST", "1.0r", "1.0-rev0"}, {"1.0a1", "1.0.alpha.1", "1.0-a1", "1.0A1"}, {"1.0rc1", "1.0c1", "1.0pre1", "1.0preview1"}, {"1.0rc", "1.0rc.", "1.0rc0", "1.0-rc-0"}, {"2.0alpha--0", "2.0a0.post0"}},
	Maven:  {{"1", "1.0", "1.0.0", "1-ga", "1.0-final", "1-release"}, {"1-rc1", "1-cr1", "1-RC-1"}, {"1-a1", "1-alpha-1", "1-alpha1"}},
	Debian: {{"1.0", "0:1.0", "1.0-0", "1.00"}},
	RPM:    {{"1.0", "0:1.0", "1_0", "1.00"}},
	Gem: {
		{"1", "1.0", "1.0.0", " 1.0 ", "0001"}, {"1.0.0.rc2", "1.rc2", "1.0.rc.2", "1.rc.2.0"},
		{"1.0-rc1", "1.0.pre.rc1"}, {"", "0", "0.0"},
	},
	Composer: {
		{"1.0", "1.0.0", "v1.0.0.0", "1.0.0+build5", "1.0.0@stable", "1.0.0-stable", "1.0 as 2.0"},
		{"1.0.0-rc1", "1.0.0RC1", "1.0.0.RC.1", "1.0.0-RC1"}, {"1.0.0-a1", "1.0.0-alpha1", "1.0.0alpha.1"},
	},
	NuGet:   {{"1.0", "1.0.0", "1.0.0.0", "1.0.0+beta", "1.0.0+build.7", "v1.0"}, {"1.0.0-RC1", "1.0.0-rc1"}},
	Pub:     {{"1.0.0", "01.0.0", "1.00.0"}, {"1.0.0-1", "1.0.0-01"}},
	Alpine:  {{"1.0", " 1.0 "}, {"1.0-r", "1.0-r0"}},
	CRAN:    {{"1.0-2", "1.0.2", "1.00.02"}},
	Hackage: {{"1.0", "1.00"}},
}

func TestCompareOrdered(t *testing.T) {
	t.Parallel()
	for scheme, vs := range ordered {
		for i := range vs {
			for j := range vs {
				got, err := Compare(scheme, vs[i], vs[j])
				if err != nil {
					t.Fatal(err)
				}
				if want := sign(i - j); got != want {
					t.Errorf("%s: Compare(%q, %q) = %d, want %d", scheme, vs[i], vs[j], got, want)
				}
			}
		}
	}
}

func TestCompareEqual(t *testing.T) {
	t.Parallel()
	for scheme, groups := range equal {
		for _, g := range groups {
			for _, a := range g {
				for _, b := range g {
					if got, _ := Compare(scheme, a, b); got != 0 {
						t.Errorf("%s: Compare(%q, %q) = %d, want 0", scheme, a, b, got)
					}
				}
			}
		}
	}
}

// NPM uses semver; real pairs from GitHub advisories.
func TestCompareRealPairs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scheme, a, b string
		want         int
	}{
		{NPM, "4.17.20", "4.17.21", -1},
		{NPM, "v4.17.21", "4.17.21", 0},
		{Semver, "2.0.0-beta.10", "2.0.0-beta.9", 1},
		{Maven, "2.0-beta9", "2.15.0", -1},
		{Maven, "2.12.2", "2.12.10", -1},
		{PyPI, "2.0.0rc1", "2.0.0", -1},
		{PyPI, "0.9", "0.10", -1},
		{Debian, "2.4.41-4ubuntu3.14", "2.4.41-4ubuntu3.9", 1},
		{Debian, "1:2.30-0ubuntu1", "2.31", 1},
		{RPM, "3.0.7-24.el9", "3.0.7-25.el9", -1},
		{RPM, "1.1.1k-7.el8_6", "1.1.1k-6.el8_6", 1},
		{Generic, "9.0R3.3", "9.0R3.4", -1},
		{Generic, "8.2R9.0", "8.2R12.1", -1},
		{Generic, "9.0", "9.0R1", -1},
		{Generic, "02.07.07(10)", "02.07.07(9)", 1},
		{Generic, "4.1.3", "V4.1.4", -1},
		{Generic, "2.1 build 5", "2.1 build 10", -1},
		{Generic, "2.1", "2.1 build 5", -1},
		{Generic, "7.0.3", "7.0.12", -1},
		{Generic, "1.0.1", "1.0.1a", -1},
		{Generic, "R2019a", "R2019b", -1},
		{Generic, "R2019b", "R2020a", -1},
		{Generic, "R2019a", "r2019A", 0},
		// Strict schemes fall back to generic for what they cannot parse.
		{Semver, "V4.1.3", "4.1.10", -1},
		{Semver, "9.0R3.3", "9.0R10", -1},
		{Go, "v1.2.3.4", "v1.2.3.10", -1},
		{Debian, "V1.0", "V2.0", -1},
		{Gem, "3.0.0.rc2", "3.0.0", -1},
		{Composer, "v5.0.0-RC", "v5.0.0", -1},
		{Composer, "1.0-dev", "1.0a1", -1},
		{NuGet, "1.0.0", "1.0.0+beta", 0},
		{Pub, "1.0.0-pre+build", "1.0.0", -1},
		{Alpine, "1.0.0-r0", "1.0.0a-r0", -1},
		{Alpine, "1.2.3_p1-r0", "1.2.3-r5", 1},
		{Alpine, "1.00", "1.0", -1},
		{CRAN, "1.8", "1.8.0", -1},
		{Hackage, "1.8", "1.8.0", -1},
		{Cargo, "1.0.0-alpha.1", "1.0.0", -1},
		{Swift, "5.0.0-beta.2", "5.0.0-beta.10", -1},
		{Hex, "1.7.0-rc.0", "1.7.0", -1},
		// PyPI orders legacy versions below every PEP 440 one.
		{PyPI, "1.0-foo", "1.0-goo", -1},
		{PyPI, "1.0-foo", "0.0.1", -1},
		{PyPI, "2004d", "0.1", -1},
	}
	for _, tt := range tests {
		got, err := Compare(tt.scheme, tt.a, tt.b)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s: Compare(%q, %q) = %d, want %d", tt.scheme, tt.a, tt.b, got, tt.want)
		}
		if back, _ := Compare(tt.scheme, tt.b, tt.a); back != -tt.want {
			t.Errorf("%s: Compare(%q, %q) = %d, want %d", tt.scheme, tt.b, tt.a, back, -tt.want)
		}
	}
}

func TestCompareUnknownScheme(t *testing.T) {
	t.Parallel()
	c, err := Compare("conan", "1.0", "2.0")
	if err == nil || !strings.Contains(err.Error(), "conan") {
		t.Errorf("err = %v, want one naming the scheme", err)
	}
	if c != -1 {
		t.Errorf("got %d, want the generic ordering -1", c)
	}
	if c, err := Compare("", "1.0", "2.0"); err != nil || c != -1 {
		t.Errorf("empty scheme: %d, %v", c, err)
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scheme, v string
		ok        bool
	}{
		{Generic, "9.0R3.3", true},
		{Generic, " ", false},
		{Semver, "1.2.3-rc.1+b5", true},
		{Semver, "1.2.3.4", false},
		{Semver, "1.2.3-", false},
		{Go, "v0.0.0-20191109021931-daa7c04131f5", true},
		{PyPI, "1!2.0.post3.dev4+local.7", true},
		{PyPI, "1.0-foo", false},
		{Maven, "anything-goes", true},
		{Debian, "1:2.30-0ubuntu1", true},
		{Debian, "a1.0", false},
		{Debian, "x:1.0", false},
		{RPM, "1:2.4.6-97.el7", true},
		{RPM, "1 2", false},
		{"conan", "1.0", false},
		{Gem, "3.0.0.rc2", true},
		{Gem, "1.0-", false},
		{Gem, "a1", false},
		{Composer, "v5.0.0-RC", true},
		{Composer, "dev-main", false},
		{NuGet, "1.0.0.0.0", false},
		{Pub, "1.0", false},
		{Alpine, "1.0a1", true},
		{Alpine, "1.0A", false},
		{Alpine, "1.0-1", false},
		{Alpine, "1.0_foo", false},
		{Alpine, "1.2.3_p1_rc2-r0", true},
		{CRAN, "1.0-2", true},
		{Hackage, "1.0-2", false},
	}
	for _, tt := range tests {
		if err := Valid(tt.scheme, tt.v); (err == nil) != tt.ok {
			t.Errorf("Valid(%s, %q) = %v, want ok=%v", tt.scheme, tt.v, err, tt.ok)
		}
	}
}

// RPM's own rules, as rpmvercmp states them: separators only separate (and
// a trailing one changes nothing), "~" sorts below everything, the end
// included, "^" above the end but below anything else, a number above
// letters, and an empty version is ordered rather than compared
// generically.
func TestCompareRPMSeparators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"2.0", "2_0", 0}, {"+a", "_a", 0}, {"a+", "a_", 0}, {"+", "_", 0},
		{"1.0.", "1.0", 0}, {"1.0-1.", "1.0-1", 0}, {"1.0-", "1.0", 0},
		{"10.0001", "10.1", 0}, {"5.5p10", "5.5p1", 1}, {"xyz.4", "8", -1}, {"6.0.rc1", "6.0", 1},
		{"1.0~rc1", "1.0", -1}, {"1.0~rc1~git123", "1.0~rc1", -1}, {"1.0~", "1.0", -1}, {"~", "", -1},
		{"1.0^", "1.0", 1}, {"1.0^git1", "1.01", -1}, {"1.0^20160101", "1.0.1", -1},
		{"1.0~rc1^git1", "1.0~rc1", 1}, {"1.0^git1~pre", "1.0^git1", -1}, {"1.0^", "1.0~", 1},
	}
	for _, tt := range tests {
		for _, p := range [][2]string{{tt.a, tt.b}, {tt.b, tt.a}} {
			want := tt.want
			if p[0] != tt.a {
				want = -want
			}
			e, err := Explain(RPM, p[0], p[1])
			if err != nil || e.Order != want || e.Scheme != RPM {
				t.Errorf("Explain(rpm, %q, %q) = %+v, %v; want %d under rpm", p[0], p[1], e, err, want)
			}
		}
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scheme, a, b string
		want         Explanation
	}{
		{Gem, "3.0.0.rc2", "3.0.0", Explanation{Order: -1, Scheme: Gem}},
		{Gem, "9.0 R3", "9.0 R10", Explanation{Order: -1, Scheme: Generic, Note: `"9.0 R3" and "9.0 R10" are not valid gem versions: compared generically`}},
		{Pub, "1.0", "1.0.0", Explanation{Order: 0, Scheme: Generic, Note: `"1.0" is not a valid pub version: compared generically`}},
		{PyPI, "1.0-foo", "0.1", Explanation{Order: -1, Scheme: PyPI, Note: `"1.0-foo" is not a valid pypi version: ordered as legacy, below every valid version`}},
		{"", "1", "2", Explanation{Order: -1, Scheme: Generic}},
	}
	for _, tt := range tests {
		got, err := Explain(tt.scheme, tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("Explain(%q, %q, %q) = %+v, %v; want %+v", tt.scheme, tt.a, tt.b, got, err, tt.want)
		}
	}
}

func TestForEcosystemAndType(t *testing.T) {
	t.Parallel()
	eco := map[string]string{
		"RubyGems": Gem, "Packagist": Composer, "crates.io": Cargo, "Hex": Hex, "Pub": Pub,
		"Alpine:v3.18": Alpine, "CRAN": CRAN, "Hackage": Hackage, "NuGet": NuGet, "SwiftURL": Swift,
		"PyPI": PyPI, "Go": Go, "npm": NPM, "Maven": Maven, "Debian:12": Debian, "Ubuntu:22.04:LTS": Debian,
		"Red Hat": RPM, "Rocky Linux:9": RPM, "Wolfi": Alpine, "ConanCenter": Generic, "": Generic,
	}
	for e, want := range eco {
		if got := ForEcosystem(e); got != want {
			t.Errorf("ForEcosystem(%q) = %q, want %q", e, got, want)
		}
	}
	for _, s := range Schemes {
		if got := ForType(s); got != s {
			t.Errorf("ForType(%q) = %q: a scheme name is its own purl type", s, got)
		}
	}
	for typ, want := range map[string]string{"GEM": Gem, "go": Go, "debian": Debian, "conan": Generic, "github": Generic} {
		if got := ForType(typ); got != want {
			t.Errorf("ForType(%q) = %q, want %q", typ, got, want)
		}
	}
}
