package advisory

import (
	"reflect"
	"strings"
	"testing"

	"github.com/heed-dev/heed/subscribers/version"
)

func TestParseVersStrict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		scheme   string
		versions []string
		ranges   []Range
	}{
		{"vers:all/*", version.Generic, nil, []Range{{Introduced: "0"}}},
		{"vers:all/<V4.1.4", version.Generic, nil, []Range{{Introduced: "0", Fixed: "V4.1.4"}}},
		{"vers:all/<=V6.0.1", version.Generic, nil, []Range{{Introduced: "0", LastAffected: "V6.0.1"}}},
		{"vers:generic/>=2.9|<=4.1", version.Generic, nil, []Range{{Introduced: "2.9", LastAffected: "4.1"}}},
		{"vers:npm/1.2.3", version.NPM, []string{"1.2.3"}, nil},
		{"vers:npm/=1.2.3|=1.2.5", version.NPM, []string{"1.2.3", "1.2.5"}, nil},
		{"vers:semver/>1.0.0|<2.0.0", version.Semver, nil, []Range{{Introduced: "1.0.0", IntroducedExclusive: true, Fixed: "2.0.0"}}},
		{"vers:golang/>=v1.2.0", version.Go, nil, []Range{{Introduced: "v1.2.0"}}},
		{"vers:go/<v0.0.0-20220315000000-abcdef", version.Go, nil, []Range{{Introduced: "0", Fixed: "v0.0.0-20220315000000-abcdef"}}},
		{"vers:pypi/>=1.0|<1.5|>=2.0|<2.3", version.PyPI, nil, []Range{{Introduced: "1.0", Fixed: "1.5"}, {Introduced: "2.0", Fixed: "2.3"}}},
		// Unsorted input is sorted by version (numerically, not as text).
		{"vers:pypi/<2.3|>=2.0|<1.10|>=1.9", version.PyPI, nil, []Range{{Introduced: "1.9", Fixed: "1.10"}, {Introduced: "2.0", Fixed: "2.3"}}},
		{"vers:maven/>=2.0.0-beta9|<2.15.0", version.Maven, nil, []Range{{Introduced: "2.0.0-beta9", Fixed: "2.15.0"}}},
		{"vers:debian/>=1:1.2-1|<1:1.3", version.Debian, nil, []Range{{Introduced: "1:1.2-1", Fixed: "1:1.3"}}},
		{"vers:deb/1.0", version.Debian, []string{"1.0"}, nil},
		{"vers:rpm/<=2.4.6-97.el7", version.RPM, nil, []Range{{Introduced: "0", LastAffected: "2.4.6-97.el7"}}},
		{"vers:acme/>=1.0", version.Generic, nil, []Range{{Introduced: "1.0"}}},
		{" VERS:NPM / >= 1.0 | < 2.0 ", version.NPM, nil, []Range{{Introduced: "1.0", Fixed: "2.0"}}},
		{"vers:generic/1.0%2Bbuild", version.Generic, []string{"1.0+build"}, nil},
		// "!=" splits the range around the version.
		{"vers:semver/>=1.0.0|!=1.3.0|<2.0.0", version.Semver, nil, []Range{
			{Introduced: "1.0.0", Fixed: "1.3.0"},
			{Introduced: "1.3.0", IntroducedExclusive: true, Fixed: "2.0.0"},
		}},
		{"vers:npm/!=1.0.0", version.NPM, nil, []Range{
			{Introduced: "0", Fixed: "1.0.0"},
			{Introduced: "1.0.0", IntroducedExclusive: true},
		}},
		// A "!=" on the inclusive lower bound only makes it exclusive.
		{"vers:npm/>=1.0.0|!=1.0.0|<=2.0.0", version.NPM, nil, []Range{{Introduced: "1.0.0", IntroducedExclusive: true, LastAffected: "2.0.0"}}},
		{"vers:npm/!=1.0.0|<=1.0.0", version.NPM, nil, []Range{{Introduced: "0", Fixed: "1.0.0"}}},
		{"vers:npm/1.0.0|1.1.0|!=1.1.0", version.NPM, []string{"1.0.0"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := parseVers(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			scheme, versions, ranges := v.Scheme, v.Exact, v.Ranges
			if scheme != tt.scheme || !reflect.DeepEqual(versions, tt.versions) || !reflect.DeepEqual(ranges, tt.ranges) {
				t.Errorf("got %q %q %+v, want %q %q %+v", scheme, versions, ranges, tt.scheme, tt.versions, tt.ranges)
			}
		})
	}
}

func TestParseVersErrors(t *testing.T) {
	t.Parallel()
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
			_, err := parseVers(tt.in)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "vers ") {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// TestReadVersions covers the texts CSAF's product_version_range carries:
// vers strings, strict or bent, and the simple phrases of its "vls" form.
func TestReadVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Versions
	}{
		{"<4.2", Versions{Ranges: []Range{{Fixed: "4.2"}}}},
		{"< V4.1.3", Versions{Ranges: []Range{{Fixed: "V4.1.3"}}}},
		{">= 1.0 | <= 1.32", Versions{Ranges: []Range{{Introduced: "1.0", LastAffected: "1.32"}}}},
		{">=1.0|<2.0", Versions{Ranges: []Range{{Introduced: "1.0", Fixed: "2.0"}}}},
		{"< 02.07.07(10)", Versions{Ranges: []Range{{Fixed: "02.07.07(10)"}}}},
		{"<= 2.1 build 5", Versions{Ranges: []Range{{LastAffected: "2.1 build 5"}}}},
		{"4.2", Versions{Exact: []string{"4.2"}}},
		{"all", Versions{Every: true}},
		{"All versions >= V2.0 and < V2.1.6", Versions{Ranges: []Range{{Introduced: "V2.0", Fixed: "V2.1.6"}}}},
		{"All versions", Versions{Every: true}},
		{"All versions < V1.5 SP3 Update 2", Versions{Ranges: []Range{{Fixed: "V1.5 SP3 Update 2"}}}},
		{"vers:pypi/<1.0", Versions{Scheme: version.PyPI, Ranges: []Range{{Introduced: "0", Fixed: "1.0"}}}},
		{"vers:generic/>=2.9|<=4.1", Versions{Scheme: version.Generic, Ranges: []Range{{Introduced: "2.9", LastAffected: "4.1"}}}},
		{"VERS:npm/1.2.3", Versions{Scheme: version.NPM, Exact: []string{"1.2.3"}}},
		// The strict reader refuses the spaces; the phrase reader takes over,
		// with the scheme the string declares.
		{"vers:all/< V4.7 SP6 HF1", Versions{Scheme: version.Generic, Ranges: []Range{{Fixed: "V4.7 SP6 HF1"}}}},
		{"vers:debian/>=1:1.2-1|<1:1.3", Versions{Scheme: version.Debian, Ranges: []Range{{Introduced: "1:1.2-1", Fixed: "1:1.3"}}}},
		{"vers:debian/< 1:1.3 build 2", Versions{Scheme: version.Debian, Ranges: []Range{{Fixed: "1:1.3 build 2"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ReadVersions(tt.in)
			if !ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadVersions = %+v, %v; want %+v", got, ok, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "  ", "<", "vers:npm", "vers:npm/"} {
		if got, ok := ReadVersions(bad); ok {
			t.Errorf("ReadVersions(%q) = %+v; want not understood", bad, got)
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
		v, err := parseVers(s)
		if err != nil {
			if !reflect.DeepEqual(v, Versions{}) {
				t.Fatalf("error %v with a result", err)
			}
			return
		}
		if !version.Known(v.Scheme) {
			t.Fatalf("scheme %q is not one of package version", v.Scheme)
		}
		scheme := v.Scheme
		for _, r := range v.Ranges {
			if r.LastAffected != "" && !r.Contains(scheme, r.LastAffected) {
				t.Fatalf("range %v does not contain its last affected version", r)
			}
			if r.Fixed != "" && r.Contains(scheme, r.Fixed) {
				t.Fatalf("range %v contains its fixed version", r)
			}
		}
	})
}
