package subscribers

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseVers(t *testing.T) {
	tests := []struct {
		in       string
		scheme   string
		versions []string
		ranges   []Range
	}{
		{"vers:all/*", SchemeGeneric, nil, []Range{{Introduced: "0"}}},
		{"vers:all/<V4.1.4", SchemeGeneric, nil, []Range{{Introduced: "0", Fixed: "V4.1.4"}}},
		{"vers:all/<=V6.0.1", SchemeGeneric, nil, []Range{{Introduced: "0", LastAffected: "V6.0.1"}}},
		{"vers:generic/>=2.9|<=4.1", SchemeGeneric, nil, []Range{{Introduced: "2.9", LastAffected: "4.1"}}},
		{"vers:npm/1.2.3", SchemeNPM, []string{"1.2.3"}, nil},
		{"vers:npm/=1.2.3|=1.2.5", SchemeNPM, []string{"1.2.3", "1.2.5"}, nil},
		{"vers:semver/>1.0.0|<2.0.0", SchemeSemver, nil, []Range{{Introduced: "1.0.0", IntroducedExclusive: true, Fixed: "2.0.0"}}},
		{"vers:golang/>=v1.2.0", SchemeGo, nil, []Range{{Introduced: "v1.2.0"}}},
		{"vers:go/<v0.0.0-20220315000000-abcdef", SchemeGo, nil, []Range{{Introduced: "0", Fixed: "v0.0.0-20220315000000-abcdef"}}},
		{"vers:pypi/>=1.0|<1.5|>=2.0|<2.3", SchemePyPI, nil, []Range{{Introduced: "1.0", Fixed: "1.5"}, {Introduced: "2.0", Fixed: "2.3"}}},
		// Unsorted input is sorted by version (numerically, not as text).
		{"vers:pypi/<2.3|>=2.0|<1.10|>=1.9", SchemePyPI, nil, []Range{{Introduced: "1.9", Fixed: "1.10"}, {Introduced: "2.0", Fixed: "2.3"}}},
		{"vers:maven/>=2.0.0-beta9|<2.15.0", SchemeMaven, nil, []Range{{Introduced: "2.0.0-beta9", Fixed: "2.15.0"}}},
		{"vers:debian/>=1:1.2-1|<1:1.3", SchemeDebian, nil, []Range{{Introduced: "1:1.2-1", Fixed: "1:1.3"}}},
		{"vers:deb/1.0", SchemeDebian, []string{"1.0"}, nil},
		{"vers:rpm/<=2.4.6-97.el7", SchemeRPM, nil, []Range{{Introduced: "0", LastAffected: "2.4.6-97.el7"}}},
		{"vers:gem/>=1.0", SchemeGeneric, nil, []Range{{Introduced: "1.0"}}},
		{" VERS:NPM / >= 1.0 | < 2.0 ", SchemeNPM, nil, []Range{{Introduced: "1.0", Fixed: "2.0"}}},
		{"vers:generic/1.0%2Bbuild", SchemeGeneric, []string{"1.0+build"}, nil},
		// "!=" splits the range around the version.
		{"vers:semver/>=1.0.0|!=1.3.0|<2.0.0", SchemeSemver, nil, []Range{
			{Introduced: "1.0.0", Fixed: "1.3.0"},
			{Introduced: "1.3.0", IntroducedExclusive: true, Fixed: "2.0.0"},
		}},
		{"vers:npm/!=1.0.0", SchemeNPM, nil, []Range{
			{Introduced: "0", Fixed: "1.0.0"},
			{Introduced: "1.0.0", IntroducedExclusive: true},
		}},
		// A "!=" on the inclusive lower bound only makes it exclusive.
		{"vers:npm/>=1.0.0|!=1.0.0|<=2.0.0", SchemeNPM, nil, []Range{{Introduced: "1.0.0", IntroducedExclusive: true, LastAffected: "2.0.0"}}},
		{"vers:npm/!=1.0.0|<=1.0.0", SchemeNPM, nil, []Range{{Introduced: "0", Fixed: "1.0.0"}}},
		{"vers:npm/1.0.0|1.1.0|!=1.1.0", SchemeNPM, []string{"1.0.0"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			scheme, versions, ranges, err := ParseVers(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if scheme != tt.scheme || !reflect.DeepEqual(versions, tt.versions) || !reflect.DeepEqual(ranges, tt.ranges) {
				t.Errorf("got %q %q %+v, want %q %q %+v", scheme, versions, ranges, tt.scheme, tt.versions, tt.ranges)
			}
		})
	}
}

func TestParseVersErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `does not start with "vers:"`},
		{"npm/1.0", `does not start with "vers:"`},
		{"vers:npm", `no "/" after the versioning scheme`},
		{"vers:/1.0", "empty versioning scheme"},
		{"vers:n_pm/1.0", "invalid character"},
		{"vers:npm/", "no constraints"},
		{"vers:npm/1.0||2.0", "constraint 2 of 3 is empty"},
		{"vers:npm/*|1.0", `"*" must be the only constraint`},
		{"vers:npm/>=", "has no version"},
		{"vers:npm/>==1.0", "contains a comparator character"},
		{"vers:npm/%zz", "bad percent-encoding"},
		{"vers:npm/>=1.0|>=2.0", `">=2.0" follows ">=1.0" without an upper bound`},
		{"vers:npm/<1.0|<2.0", `"<2.0" follows "<1.0" without a lower bound`},
		{"vers:npm/>=1.0|<1.0.0", "appears in both"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, _, _, err := ParseVers(tt.in)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "vers ") {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestParseVLS(t *testing.T) {
	tests := []struct {
		in       string
		scheme   string
		versions []string
		ranges   []Range
	}{
		{"<4.2", SchemeGeneric, nil, []Range{{Introduced: "0", Fixed: "4.2"}}},
		{"< V4.1.3", SchemeGeneric, nil, []Range{{Introduced: "0", Fixed: "V4.1.3"}}},
		{">= 1.0 | <= 1.32", SchemeGeneric, nil, []Range{{Introduced: "1.0", LastAffected: "1.32"}}},
		{">=1.0|<2.0", SchemeGeneric, nil, []Range{{Introduced: "1.0", Fixed: "2.0"}}},
		{"< 02.07.07(10)", SchemeGeneric, nil, []Range{{Introduced: "0", Fixed: "02.07.07(10)"}}},
		{"<= 2.1 build 5", SchemeGeneric, nil, []Range{{Introduced: "0", LastAffected: "2.1 build 5"}}},
		{"4.2", SchemeGeneric, []string{"4.2"}, nil},
		{"all", SchemeGeneric, nil, []Range{{Introduced: "0"}}},
		{"All versions >= V2.0 and < V2.1.6", SchemeGeneric, nil, []Range{{Introduced: "V2.0", Fixed: "V2.1.6"}}},
		{"All versions", SchemeGeneric, nil, []Range{{Introduced: "0"}}},
		{"All versions < V1.5 SP3 Update 2", SchemeGeneric, nil, []Range{{Introduced: "0", Fixed: "V1.5 SP3 Update 2"}}},
		{"vers:pypi/<1.0", SchemePyPI, nil, []Range{{Introduced: "0", Fixed: "1.0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			scheme, versions, ranges, err := ParseVLS(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if scheme != tt.scheme || !reflect.DeepEqual(versions, tt.versions) || !reflect.DeepEqual(ranges, tt.ranges) {
				t.Errorf("got %q %q %+v, want %q %q %+v", scheme, versions, ranges, tt.scheme, tt.versions, tt.ranges)
			}
		})
	}
	for _, bad := range []string{"", "  ", "<", ">=1|>=2", "1||2"} {
		if _, _, _, err := ParseVLS(bad); err == nil {
			t.Errorf("ParseVLS(%q): no error", bad)
		}
	}
}

// FuzzParseVers checks that any input either fails with an error or yields
// ranges whose bounds each contain the versions they claim to include.
func FuzzParseVers(f *testing.F) {
	for _, s := range []string{"vers:all/*", "vers:npm/>=1.0.0|<2.0.0", "vers:generic/>=2.9|<=4.1",
		"vers:npm/!=1.0.0", "vers:semver/>1.0|!=1.5|<=2", "vers:pypi/1.0|2.0", "vers:deb/%3E"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scheme, versions, ranges, err := ParseVers(s)
		if err != nil {
			if scheme != "" || versions != nil || ranges != nil {
				t.Fatalf("error %v with a result", err)
			}
			return
		}
		if !KnownScheme(scheme) {
			t.Fatalf("scheme %q is not a Scheme* name", scheme)
		}
		for _, r := range ranges {
			if r.LastAffected != "" && !r.Contains(scheme, r.LastAffected) {
				t.Fatalf("range %v does not contain its last affected version", r)
			}
			if r.Fixed != "" && r.Contains(scheme, r.Fixed) {
				t.Fatalf("range %v contains its fixed version", r)
			}
		}
	})
}
