package formats

import (
	"slices"
	"testing"
	"time"

	"github.com/heed-dev/heed/subscribers/advisory"
)

func TestCVE5(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		check    func(t *testing.T, a *advisory.Advisory)
		affected []af
	}{
		{
			// changes[] cut a range into affected and unaffected segments;
			// "2.*" is the 2.x series; defaultStatus affected covers every
			// version with the unaffected ones listed as not_affected; one
			// entry per CPE; a "patch" bound is a build of the release; git
			// ranges and unknown statuses are left out.
			file: "cve5_changes.json",
			check: func(t *testing.T, a *advisory.Advisory) {
				if a.Revision != "2024-02-01T08:30:00.000Z" || !a.Published.Equal(time.Date(2024, 1, 10, 10, 0, 0, 0, time.UTC)) {
					t.Errorf("revision %q published %v", a.Revision, a.Published)
				}
				// The CNA's score decides; the ADP's higher one is not used.
				if a.Severity != advisory.High || !a.KnownExploited {
					t.Errorf("severity %q exploited %v", a.Severity, a.KnownExploited)
				}
				if a.Title != "Example library: deserialization of untrusted data" || a.Summary != "The example library deserializes untrusted data." {
					t.Errorf("title %q summary %q", a.Title, a.Summary)
				}
				if a.URL != "https://example.com/security/2024-0001" || len(a.Remediations) != 1 {
					t.Errorf("url %q remediations %+v", a.URL, a.Remediations)
				}
				wantNote(t, a, "git commit ranges are not used for matching")
				wantNote(t, a, `patch bound "49.15" of release "13.1" read as 13.1-49.15`)
			},
			affected: func() []af {
				lib := af{Vendor: "Example", Product: "examplelib", PURL: "pkg:maven/com.example/examplelib", Scheme: "maven"}
				libAffected, libUnaffected := lib, lib
				libAffected.Status = affected
				libAffected.Ranges = []rg{{Introduced: "2.0", Fixed: "2.5.2"}, {Introduced: "2.6.0", Fixed: "2.6.3"}, {Introduced: "1.0", LastAffected: "1.9"}}
				libUnaffected.Status = notAffected
				libUnaffected.Ranges = []rg{{Introduced: "2.5.2", Fixed: "2.6.0"}, {Introduced: "2.6.3", Fixed: "3"}}
				var out []af
				out = append(out, libAffected, libUnaffected)
				for _, cpe := range []string{"cpe:2.3:o:example:appliance:*:*:*:*:*:*:*:*", "cpe:2.3:o:example:appliance_os:*:*:*:*:*:*:*:*"} {
					out = append(out,
						af{Vendor: "Example", Product: "Example Appliance", CPE: cpe, Scheme: "generic", Status: affected},
						af{Vendor: "Example", Product: "Example Appliance", CPE: cpe, Scheme: "generic", Status: notAffected,
							Versions: []string{"5.0"}, Ranges: []rg{{Introduced: "4.1", Fixed: "4.1.7"}}})
				}
				return append(out, af{Vendor: "Example", Product: "Example Gateway", Scheme: "generic", Status: affected,
					Ranges: []rg{{Introduced: "13.1", Fixed: "13.1-49.15"}}})
			}(),
		},
		{
			// Vendor, product and version all "n/a": accepted, no products.
			file: "cve5_na.json",
			check: func(t *testing.T, a *advisory.Advisory) {
				if !slices.Equal(a.Notes, []string{noProductData}) || a.Severity != advisory.High {
					t.Errorf("notes %q severity %q", a.Notes, a.Severity)
				}
				if a.Title == "" || len([]rune(a.Title)) > maxTitleLen+1 {
					t.Errorf("title %q", a.Title)
				}
			},
			affected: []af{},
		},
		{
			file: "cve5_rejected.json",
			check: func(t *testing.T, a *advisory.Advisory) {
				if !a.Withdrawn || a.Title != "CVE-2023-9999 (rejected)" {
					t.Errorf("withdrawn %v title %q", a.Withdrawn, a.Title)
				}
				wantNote(t, a, "rejected: This candidate is a duplicate of CVE-2023-1234.")
			},
			affected: []af{},
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

func TestCVE5Versions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		versions string
		want     []af
	}{
		{"lessThanOrEqual", `"versions": [{"version": "7.0.0", "versionType": "semver", "lessThanOrEqual": "7.0.13", "status": "affected"}]`,
			[]af{{Scheme: "semver", Status: affected, Ranges: []rg{{Introduced: "7.0.0", LastAffected: "7.0.13"}}}}},
		{"from zero, no upper bound", `"versions": [{"version": "0", "versionType": "python", "lessThan": "*", "status": "affected"}]`,
			[]af{{Scheme: "pypi", Status: affected}}},
		{"single versions", `"versions": [{"version": "2.4", "status": "affected"}, {"version": "2.6", "status": "unaffected"}]`,
			[]af{{Scheme: "generic", Status: affected, Versions: []string{"2.4"}}, {Scheme: "generic", Status: notAffected, Versions: []string{"2.6"}}}},
		{"free text version", `"versions": [{"version": "6.0.0 to 6.0.4", "status": "affected"}]`,
			[]af{{Scheme: "generic", Status: affected, Ranges: []rg{{Introduced: "6.0.0", LastAffected: "6.0.4"}}}}},
		{"defaultStatus affected only", `"defaultStatus": "affected"`,
			[]af{{Scheme: "generic", Status: affected}}},
		{"unknown only", `"versions": [{"version": "1.0", "status": "unknown"}], "defaultStatus": "unknown"`, []af{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"dataType": "CVE_RECORD", "dataVersion": "5.0", "cveMetadata": {"cveId": "CVE-2024-0002", "state": "PUBLISHED", "datePublished": "2024-01-01T00:00:00Z"},
				"containers": {"cna": {"affected": [{"vendor": "V", "product": "P", ` + tt.versions + `}]}}}`
			a, err := Parse([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].Vendor, tt.want[i].Product = "V", "P"
			}
			wantAffected(t, a.Affected, tt.want)
		})
	}
}

// TestCVE5RegistryScheme: without a versionType of its own, a package's
// versions are ordered by its registry's scheme, so a pre-release in a
// lessThan range is below the release that fixes it.
func TestCVE5RegistryScheme(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ versionType, want string }{{"", "gem"}, {"custom", "gem"}, {"rubygems", "gem"}, {"semver", "semver"}} {
		doc := `{"dataType": "CVE_RECORD", "dataVersion": "5.1", "cveMetadata": {"cveId": "CVE-2024-0003", "state": "PUBLISHED", "datePublished": "2024-01-01T00:00:00Z"},
			"containers": {"cna": {"affected": [{"collectionURL": "https://rubygems.org", "packageName": "rails",
			"versions": [{"version": "0", "versionType": "` + tt.versionType + `", "lessThan": "3.0.0", "status": "affected"}]}]}}}`
		a, err := Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Affected) != 1 || a.Affected[0].Scheme != tt.want || a.Affected[0].PURL != "pkg:gem/rails" {
			t.Errorf("versionType %q: affected %+v; want scheme %s on pkg:gem/rails", tt.versionType, a.Affected, tt.want)
		}
	}
}
