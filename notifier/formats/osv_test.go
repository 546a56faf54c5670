package formats

import (
	"slices"
	"testing"

	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/version"
)

func TestOSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		check    func(t *testing.T, a *advisory.Advisory)
		affected []af
	}{
		{
			// introduced "0", several introduced/fixed pairs, last_affected,
			// an open-ended introduced, limit, SEMVER vs ECOSYSTEM schemes,
			// purls built from ecosystem and name, and a GIT range left out.
			file: "osv_ranges.json",
			check: func(t *testing.T, a *advisory.Advisory) {
				if a.Revision != "2023-09-20T19:19:30Z" || a.Severity != advisory.Medium || a.Publisher != "GitHub Advisory Database" {
					t.Errorf("header: %+v", a)
				}
				if !slices.Equal(a.CVEs, []string{"CVE-2023-0002"}) || !slices.Equal(a.Aliases, []string{"CVE-2023-0002", "PYSEC-2023-74"}) {
					t.Errorf("cves %q aliases %q", a.CVEs, a.Aliases)
				}
				if a.URL != "https://github.com/advisories/GHSA-aaaa-bbbb-cccc" || a.Title != "Example client leaks proxy credentials" {
					t.Errorf("url %q title %q", a.URL, a.Title)
				}
				wantNote(t, a, "osv: affected[0].ranges[1]: GIT ranges are not used for matching")
			},
			affected: []af{
				{Product: "Example_Client", PURL: "pkg:pypi/example-client", Scheme: "pypi", Status: affected, Versions: []string{"1.0.0", "1.1.0"}},
				{Product: "Example_Client", PURL: "pkg:pypi/example-client", Scheme: "pypi", Status: affected,
					Ranges: []rg{{Introduced: "0", Fixed: "1.2.0"}, {Introduced: "2.0.0", LastAffected: "2.3.1"}, {Introduced: "3.0.0"}}},
				{Product: "@example/client", PURL: "pkg:npm/@example/client", Scheme: "semver", Status: affected,
					Ranges: []rg{{Introduced: "1.0.0", Fixed: "1.4.2", Limit: "2.0.0"}}},
				{Product: "example-client", PURL: "pkg:deb/debian/example-client", Scheme: "deb", Status: affected,
					Ranges: []rg{{Introduced: "0"}}},
			},
		},
		{
			file: "osv_withdrawn.json",
			check: func(t *testing.T, a *advisory.Advisory) {
				if !a.Withdrawn || a.Severity != advisory.Medium || len(a.CVEs) != 0 {
					t.Errorf("withdrawn %v severity %q cves %q", a.Withdrawn, a.Severity, a.CVEs)
				}
			},
			affected: []af{{Product: "github.com/example/client", PURL: "pkg:golang/github.com/example/client", Scheme: "semver", Status: affected,
				Ranges: []rg{{Introduced: "0", Fixed: "1.2.0"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := mustParse(t, tt.file)
			tt.check(t, a)
			wantAffected(t, a.Affected, tt.affected)
		})
	}
}

func TestOSVRanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		events string
		want   []rg
	}{
		{"fixed without introduced", `[{"fixed": "1.0"}]`, []rg{{Fixed: "1.0"}}},
		{"two pairs", `[{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}, {"fixed": "2.2"}]`,
			[]rg{{Introduced: "1.0", Fixed: "1.5"}, {Introduced: "2.0", Fixed: "2.2"}}},
		{"introduced twice", `[{"introduced": "1.0"}, {"introduced": "2.0"}, {"fixed": "2.2"}]`,
			[]rg{{Introduced: "1.0"}, {Introduced: "2.0", Fixed: "2.2"}}},
		{"open ended", `[{"introduced": "0"}, {"fixed": "1.0"}, {"introduced": "3.0"}]`,
			[]rg{{Introduced: "0", Fixed: "1.0"}, {Introduced: "3.0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"id": "OSV-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "example.com/m"},
				"ranges": [{"type": "SEMVER", "events": ` + tt.events + `}]}]}`
			a, err := Parse([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Affected) != 1 || !slices.Equal(a.Affected[0].Ranges, tt.want) {
				t.Errorf("got %+v, want ranges %+v", a.Affected, tt.want)
			}
		})
	}
}

func TestOSVSeverityFromVector(t *testing.T) {
	t.Parallel()
	a, err := Parse([]byte(`{"id": "OSV-2", "modified": "2024-01-01T00:00:00Z", "aliases": [],
		"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}`))
	if err != nil || a.Severity != advisory.Critical {
		t.Errorf("severity %v %v", a, err)
	}
}

func TestPurlFor(t *testing.T) {
	t.Parallel()
	tests := map[[2]string]string{
		{"npm", "lodash"}:                                      "pkg:npm/lodash",
		{"npm", "@babel/core"}:                                 "pkg:npm/@babel/core",
		{"PyPI", "Django_Rest"}:                                "pkg:pypi/django-rest",
		{"Maven", "org.apache.logging.log4j:log4j-core"}:       "pkg:maven/org.apache.logging.log4j/log4j-core",
		{"Go", "golang.org/x/net"}:                             "pkg:golang/golang.org/x/net",
		{"crates.io", "hyper"}:                                 "pkg:cargo/hyper",
		{"RubyGems", "rails"}:                                  "pkg:gem/rails",
		{"NuGet", "Newtonsoft.Json"}:                           "pkg:nuget/Newtonsoft.Json",
		{"Packagist", "Symfony/Console"}:                       "pkg:composer/symfony/console",
		{"Hex", "plug"}:                                        "pkg:hex/plug",
		{"Pub", "http"}:                                        "pkg:pub/http",
		{"Alpine", "openssl"}:                                  "pkg:apk/alpine/openssl",
		{"CRAN", "commonmark"}:                                 "pkg:cran/commonmark",
		{"Hackage", "aeson"}:                                   "pkg:hackage/aeson",
		{"SwiftURL", "https://github.com/apple/swift-nio.git"}: "pkg:swift/github.com/apple/swift-nio",
		{"ConanCenter", "zlib"}:                                "",
		{"Maven", "no-colon"}:                                  "",
	}
	for in, want := range tests {
		if got := purlFor(in[0], in[1]); got != want {
			t.Errorf("purlFor(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
	if got := purlForCollection("https://registry.npmjs.org", "left-pad"); got != "pkg:npm/left-pad" {
		t.Errorf("purlForCollection = %q", got)
	}
	if got := purlForCollection("https://example.com/repo", "left-pad"); got != "" {
		t.Errorf("unknown registry gave %q", got)
	}
}

// TestOSVEcosystemSchemes: an OSV ecosystem chooses the ordering of its
// ECOSYSTEM ranges and versions.
func TestOSVEcosystemSchemes(t *testing.T) {
	t.Parallel()
	for eco, want := range map[string]string{
		"RubyGems": version.Gem, "Packagist": version.Composer, "crates.io": version.Cargo, "Hex": version.Hex,
		"Pub": version.Pub, "Alpine:v3.18": version.Alpine, "CRAN": version.CRAN, "Hackage": version.Hackage,
		"NuGet": version.NuGet, "SwiftURL": version.Swift, "Debian:12": version.Debian, "ConanCenter": version.Generic,
	} {
		doc := `{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "` + eco +
			`", "name": "p"}, "versions": ["1.0.0"], "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.0"}]}]}]}`
		a, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", eco, err)
		}
		for _, e := range a.Affected {
			if e.Scheme != want {
				t.Errorf("%s: scheme %q, want %q", eco, e.Scheme, want)
			}
		}
	}
}
