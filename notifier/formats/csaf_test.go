package formats

import (
	"slices"
	"testing"

	"github.com/heed-dev/heed/subscribers/advisory"
)

type (
	af = advisory.Affected
	rg = advisory.Range
)

const (
	affected    = advisory.StatusAffected
	fixed       = advisory.StatusFixed
	notAffected = advisory.StatusNotAffected
)

func TestCSAF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		check    func(t *testing.T, a *advisory.Advisory)
		affected []af
	}{
		{
			// Versions live in service_pack branches below a release train;
			// a service pack that does not repeat the train is joined to it.
			file: "csaf_service_pack.json",
			check: func(t *testing.T, a *advisory.Advisory) {
				if a.Revision != "1.2.0" || a.Severity != advisory.Critical || !a.KnownExploited || a.URL != "https://psirt.example.net/advisories/exn-2018-0001" {
					t.Errorf("header: %+v", a)
				}
				if a.Summary != "A flaw in the setup service allows remote code execution." || len(a.Remediations) != 1 {
					t.Errorf("summary %q remediations %+v", a.Summary, a.Remediations)
				}
			},
			affected: []af{{Vendor: "Example Networks", Product: "SwitchOS", Scheme: "generic", Status: affected,
				Versions: []string{"12.2(55)SE", "12.2(55)SE3", "2.0 SP1"}}},
		},
		{
			// Status lists name only relationship products; each resolves to
			// its component package, split into name and epoch:version-release.
			file: "csaf_relationships.json",
			check: func(t *testing.T, a *advisory.Advisory) {
				if a.Severity != advisory.High {
					t.Errorf("severity %q from aggregate_severity Important", a.Severity)
				}
				wantNote(t, a, "components are listed per platform (Example Linux Server 7.6)")
			},
			affected: []af{
				{Vendor: "Example Linux", Product: "telnet-server", Scheme: "rpm", Versions: []string{"1:0.17-65.el7_6"}, Status: fixed},
				{Vendor: "Example Linux", Product: "telnet", Scheme: "rpm", Versions: []string{"1:0.17-65.el7_6"}, Status: fixed},
			},
		},
		{
			// Only fixed products: only fixed entries. A purl's version is the
			// exact version; a versionless CPE product is fixed in every version.
			file: "csaf_fixed_only.json",
			check: func(t *testing.T, a *advisory.Advisory) {
				if a.Severity != advisory.High || a.Format != FormatCSAF {
					t.Errorf("severity %q format %q", a.Severity, a.Format)
				}
			},
			affected: []af{
				{Product: "Example App 3.1.0", PURL: "pkg:maven/com.example/app@3.1.0", Scheme: "maven", Versions: []string{"3.1.0"}, Status: fixed},
				{Product: "Example App Library", CPE: "cpe:2.3:a:example:app_library:*:*:*:*:*:*:*:*", Scheme: "generic", Status: fixed},
			},
		},
		{
			// A group ID in a status list expands to its products; vers and
			// free-text ranges are read; first_fixed of an affected product
			// adds "affected before"; a product affected by one CVE and not
			// by another is affected; an unreadable range keeps the product
			// as every version; an undefined product ID is noted.
			file: "csaf_groups_vers.json",
			check: func(t *testing.T, a *advisory.Advisory) {
				if a.Revision != "1.0.1" || a.Severity != advisory.High || a.URL != "https://psirt.example.com/advisories/ex-2023-0042" {
					t.Errorf("header: %+v", a)
				}
				if a.Summary != "Two flaws in the gateway's web interface." {
					t.Errorf("summary %q", a.Summary)
				}
				wantNote(t, a, `version text "the first five digits of the serial number" of "Gateway by serial" not understood; kept as every version`)
				wantNote(t, a, `names product "GW-UNKNOWN", which the product_tree does not define`)
			},
			affected: []af{
				{Vendor: "Example Company", Product: "Gateway", Scheme: "generic", Status: affected,
					Versions: []string{"3.0.0"}, Ranges: []rg{{Fixed: "1.9"}, {Fixed: "2.4.1"}}},
				{Vendor: "Example Company", Product: "Gateway", Scheme: "semver", Status: affected,
					Ranges: []rg{{Introduced: "2.0.0", Fixed: "2.4.1"}}},
				{Vendor: "Example Company", Product: "Gateway", Scheme: "generic", Status: affected},
				{Vendor: "Example Company", Product: "Gateway", Scheme: "generic", Status: fixed, Versions: []string{"2.4.1"}},
			},
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

// TestCSAFInformation reads documents of the categories Heed does not act
// on as information: recorded with their notes and references, naming no
// affected product, so that they can never open a case.
func TestCSAFInformation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, category, severity string
		texts                    []string // the titles of the notes kept
		refs                     []string
		cves                     []string
	}{
		{"csaf_informational.json", "csaf_informational_advisory", advisory.Low, nil, nil, nil},
		{"csaf_base_vendor.json", "Acme Networks Security Notice", advisory.Medium,
			[]string{"Summary", "Products in scope", "Workarounds", "Terms of use"},
			[]string{"https://psirt.acme.example/notices/acme-sn-2024-0007", "https://docs.acme.example/routemaster/hardening", "https://bugs.acme.example/RM-5521"},
			[]string{"CVE-2024-99001"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := mustParse(t, tt.file)
			if !a.Informational || a.Category != tt.category || len(a.Affected) != 0 || a.Severity != tt.severity {
				t.Errorf("informational %v, category %q, %d affected, severity %q; want information %q with none affected, severity %q",
					a.Informational, a.Category, len(a.Affected), a.Severity, tt.category, tt.severity)
			}
			var titles []string
			for _, x := range a.Texts {
				titles = append(titles, x.Title)
			}
			if !slices.Equal(titles, tt.texts) || !slices.Equal(a.References, tt.refs) || !slices.Equal(a.CVEs, tt.cves) {
				t.Errorf("texts %q, references %q, CVEs %q; want %q, %q, %q", titles, a.References, a.CVEs, tt.texts, tt.refs, tt.cves)
			}
		})
	}
	t.Run("no category", func(t *testing.T) {
		_, err := Parse([]byte(`{"document": {"csaf_version": "2.0", "title": "t", "tracking": {"id": "T-1", "version": "1"}}}`))
		if err == nil || err.Error() != "csaf: document.category is missing" {
			t.Errorf("Parse: %v; want the missing category named", err)
		}
	})
}

func TestCSAFProductStatuses(t *testing.T) {
	t.Parallel()
	doc := func(status string) []byte {
		return []byte(`{"document": {"category": "csaf_vex", "csaf_version": "2.0", "title": "t",
			"tracking": {"id": "T-1", "version": "1"}},
			"product_tree": {"branches": [{"category": "vendor", "name": "V", "branches": [{"category": "product_name", "name": "P",
				"branches": [{"category": "product_version", "name": "4.2", "product": {"product_id": "P1", "name": "V P 4.2"}}]}]}]},
			"vulnerabilities": [{"cve": "CVE-2022-0001", "product_status": {"` + status + `": ["P1"]}}]}`)
	}
	tests := []struct {
		status string
		want   af
	}{
		{"known_affected", af{Versions: []string{"4.2"}, Status: affected}},
		{"first_affected", af{Ranges: []rg{{Introduced: "4.2"}}, Status: affected}},
		{"last_affected", af{Ranges: []rg{{LastAffected: "4.2"}}, Status: affected}},
		{"fixed", af{Versions: []string{"4.2"}, Status: fixed}},
		{"first_fixed", af{Versions: []string{"4.2"}, Status: fixed}},
		{"known_not_affected", af{Versions: []string{"4.2"}, Status: notAffected}},
		{"under_investigation", af{Versions: []string{"4.2"}, Status: advisory.StatusUnderInvestigation}},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			a, err := Parse(doc(tt.status))
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Vendor, want.Product, want.Scheme = "V", "P", "generic"
			wantAffected(t, a.Affected, []af{want})
		})
	}
	a, err := Parse(doc("recommended"))
	if err != nil || len(a.Affected) != 0 {
		t.Errorf("recommended: %v %+v", err, a)
	}
}

func TestCSAFTreeDepthBounded(t *testing.T) {
	t.Parallel()
	deep := `{"category": "product_version", "name": "1", "product": {"product_id": "P1", "name": "x"}}`
	for range maxBranchDepth + 10 {
		deep = `{"category": "product_family", "name": "F", "branches": [` + deep + `]}`
	}
	a, err := Parse([]byte(`{"document": {"category": "csaf_vex", "csaf_version": "2.0", "tracking": {"id": "T", "version": "1"}},
		"product_tree": {"branches": [` + deep + `]},
		"vulnerabilities": [{"product_status": {"known_affected": ["P1"]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	wantNote(t, a, `names product "P1", which the product_tree does not define`)
}

// A version branch straight under the vendor keeps its version; the product
// is named by the full product name.
func TestCSAFVersionWithoutProductName(t *testing.T) {
	t.Parallel()
	a, err := Parse([]byte(`{"document": {"category": "csaf_vex", "csaf_version": "2.0", "tracking": {"id": "T", "version": "1"}},
		"product_tree": {"branches": [{"category": "vendor", "name": "Acme", "branches": [
			{"category": "product_version", "name": "4.2", "product": {"product_id": "P1", "name": "Acme Widget 4.2"}}]}]},
		"vulnerabilities": [{"product_status": {"known_affected": ["P1"]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	wantAffected(t, a.Affected, []af{{Vendor: "Acme", Product: "Acme Widget 4.2", Scheme: "generic", Versions: []string{"4.2"}, Status: affected}})
}

func TestJoinVersion(t *testing.T) {
	t.Parallel()
	for _, tt := range [][3]string{
		{"12.2SE", "12.2(55)SE", "12.2(55)SE"},
		{"2.0", "SP1", "2.0 SP1"},
		{"", "SP2", "SP2"},
	} {
		if got := joinVersion(tt[0], tt[1]); got != tt[2] {
			t.Errorf("joinVersion(%q, %q) = %q, want %q", tt[0], tt[1], got, tt[2])
		}
	}
}
