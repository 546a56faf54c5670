package subscribers

import (
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/version"
)

// sa44101 is Pulse Secure's advisory for CVE-2019-11510.
var sa44101 = []advisory.Affected{{
	Vendor:   "Pulse Secure",
	Product:  "Pulse Connect Secure",
	Scheme:   version.Generic,
	Versions: []string{"9.0R1"},
	Ranges: []advisory.Range{
		{Introduced: "9.0R1", Fixed: "9.0R3.4"},
		{Introduced: "8.3R1", Fixed: "8.3R7.1"},
		{Introduced: "8.2R1", LastAffected: "8.2R12"},
	},
	Status: advisory.StatusAffected,
}}

type matchCase struct {
	name      string
	item      store.Item
	hit       bool
	certainty Certainty
	reason    string // a substring of reasonString(Hit.Reason)
}

func runMatch(t *testing.T, affected []advisory.Affected, tests []matchCase) {
	t.Helper()
	m := NewMatcher(DefaultAliases())
	adv, scanAll := m.Prepare(affected).Keys()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := m.Prepare(affected).Match(tt.item)
			if ok != tt.hit {
				t.Fatalf("Match = %+v, %v; want hit %v", h, ok, tt.hit)
			}
			if ok && (h.Certainty != tt.certainty || !strings.Contains(reasonString(h.Reason), tt.reason)) {
				t.Errorf("Match = %+v, want certainty %q and a reason containing %q", h, tt.certainty, tt.reason)
			}
			if ok && !scanAll && !shareKey(adv, m.ItemKeys(tt.item)) {
				t.Errorf("hit but no shared key: advisory %q, item %q", adv, m.ItemKeys(tt.item))
			}
		})
	}
}

// reasonString writes a reason compactly for the tests: code(args) and how
// the product was recognized.
func reasonString(r store.Reason) string {
	s := r.Code + "(" + strings.Join(r.Args, ", ") + ")"
	if r.Via != "" {
		s += " via " + r.Via + " " + r.Key
	}
	return s
}

func shareKey(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func TestMatchSA44101(t *testing.T) {
	t.Parallel()
	pcs := func(v string) store.Item {
		return store.Item{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: v}
	}
	runMatch(t, sa44101, []matchCase{
		{"9.0R3.3", pcs("9.0R3.3"), true, CertainAffected, "in_range(9.0R3.3, [9.0R1, 9.0R3.4))"},
		{"8.3R7", pcs("8.3R7"), true, CertainAffected, "in_range(8.3R7, [8.3R1, 8.3R7.1))"},
		{"8.2R12", pcs("8.2R12"), true, CertainAffected, "in_range(8.2R12, [8.2R1, 8.2R12])"},
		{"9.0R1 listed", pcs("9.0R1"), true, CertainAffected, "listed(9.0R1)"},
		{"9.0R3.4", pcs("9.0R3.4"), false, "", ""},
		{"9.0R4", pcs("9.0R4"), false, "", ""},
		{"8.3R7.1", pcs("8.3R7.1"), false, "", ""},
		{"9.1R1", pcs("9.1R1"), false, "", ""},
		{"8.2R12.1", pcs("8.2R12.1"), false, "", ""},
		{"Ivanti Connect Secure alias", store.Item{Vendor: "Ivanti", Product: "Connect Secure", Version: "9.0R3.3"}, true, CertainAffected, "in_range(9.0R3.3, "},
		{"case and spaces", store.Item{Vendor: "pulse secure, inc.", Product: "PULSE  connect-secure", Version: "9.0r3.3"}, true, CertainAffected, "in_range("},
		{"product only under its alias", store.Item{Product: "Ivanti Connect Secure", Version: "9.0R3.3"}, true, CertainAffected, "in_range("},
		{"no version", store.Item{Vendor: "Ivanti", Product: "Connect Secure"}, true, PossiblyAffected, "no_version(Pulse Connect Secure)"},
		{"different product", store.Item{Vendor: "Pulse Secure", Product: "Pulse Policy Secure", Version: "9.0R3.3"}, false, "", ""},
		{"different vendor", store.Item{Vendor: "Fortinet", Product: "Pulse Connect Secure", Version: "9.0R3.3"}, false, "", ""},
		{"item CPE only", store.Item{CPE: "cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*"}, true, CertainAffected, "in_range(9.0r3.3, "},
		{"item CPE 2.2 fixed", store.Item{CPE: "cpe:/a:pulsesecure:pulse_connect_secure:9.0:r3.4"}, false, "", ""},
	})
}

func TestMatchStatusAndSchemes(t *testing.T) {
	t.Parallel()
	log4j := []advisory.Affected{
		{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core", Scheme: version.Maven,
			Ranges: []advisory.Range{{Introduced: "2.0-beta9", Fixed: "2.15.0"}}, Status: advisory.StatusAffected},
		{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core", Scheme: version.Maven,
			Versions: []string{"2.12.2"}, Status: advisory.StatusNotAffected},
	}
	runMatch(t, log4j, []matchCase{
		{"in_range(", store.Item{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}, true, CertainAffected, "via purl pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{"explicit not affected beats range", store.Item{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.12.2"}, false, "", ""},
		{"fixed", store.Item{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core", Version: "2.15.0"}, false, "", ""},
		{"maven qualifier order", store.Item{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core", Version: "2.15.0-rc1"}, true, CertainAffected, "in_range("},
		{"other purl, same names", store.Item{PURL: "pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1", Product: "log4j-core"}, false, "", ""},
		{"purl without version", store.Item{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core"}, true, PossiblyAffected, "no_version("},
	})

	lodash := []advisory.Affected{{PURL: "pkg:npm/lodash", Scheme: version.NPM, Ranges: []advisory.Range{{Introduced: "0", Fixed: "4.17.21"}}}}
	runMatch(t, lodash, []matchCase{
		{"npm purl", store.Item{PURL: "pkg:npm/lodash@4.17.20"}, true, CertainAffected, "in_range(4.17.20, [0, 4.17.21)) via purl pkg:npm/lodash@4.17.20"},
		{"npm purl v prefix", store.Item{PURL: "pkg:npm/Lodash", Version: "v4.17.21"}, false, "", ""},
	})

	investigating := []advisory.Affected{
		{Vendor: "Fortinet", Product: "FortiOS", Status: advisory.StatusUnderInvestigation},
		{Vendor: "Fortinet", Product: "FortiOS", Scheme: version.Semver, Ranges: []advisory.Range{{Introduced: "7.0.0", Fixed: "7.0.14"}}, Status: advisory.StatusAffected},
		{Vendor: "Fortinet", Product: "FortiProxy", Status: advisory.StatusUnderInvestigation},
	}
	runMatch(t, investigating, []matchCase{
		{"affected beats investigation", store.Item{Vendor: "Fortinet, Inc.", Product: "FortiOS", Version: "7.0.13"}, true, CertainAffected, ", [7.0.0, 7.0.14))"},
		{"only investigation", store.Item{Vendor: "Fortinet", Product: "FortiOS", Version: "7.2.1"}, true, UnderInvestigation, "all_versions_investigating(FortiOS)"},
		{"investigation no version", store.Item{Vendor: "Fortinet", Product: "FortiProxy"}, true, UnderInvestigation, "no_version_investigating(FortiProxy)"},
		{"vendor prefix in product", store.Item{Vendor: "Fortinet", Product: "Fortinet FortiOS", Version: "7.0.1"}, true, CertainAffected, "in_range("},
	})

	cpeOnly := []advisory.Affected{
		{CPE: "cpe:2.3:a:citrix:netscaler_adc:13.1:*:*:*:*:*:*:*"},
		{CPE: "cpe:2.3:a:citrix:netscaler_gateway:*:*:*:*:*:*:*:*", Scheme: version.Generic, Ranges: []advisory.Range{{Introduced: "13.1", Fixed: "13.1-49.15"}}},
		{CPE: "cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*", Status: advisory.StatusFixed},
	}
	runMatch(t, cpeOnly, []matchCase{
		{"concrete CPE version means that version", store.Item{Vendor: "Citrix", Product: "Citrix ADC", Version: "13.1"}, true, CertainAffected, "cpe_version(13.1, 13.1)"},
		{"concrete CPE version, other version", store.Item{Vendor: "Citrix", Product: "NetScaler ADC", Version: "13.0"}, false, "", ""},
		{"CPE ranges", store.Item{CPE: "cpe:2.3:a:citrix:netscaler_gateway:13.1:*:*:*:*:*:*:*", Version: "13.1-49.13"}, true, CertainAffected, "via cpe cpe:2.3:a:citrix:netscaler_gateway"},
		{"CPE part differs", store.Item{CPE: "cpe:2.3:h:citrix:netscaler_gateway:13.1:*:*:*:*:*:*:*", Version: "13.1-49.13"}, false, "", ""},
		{"fixed entry is not a hit", store.Item{Vendor: "Fortinet", Product: "FortiOS", Version: "6.0.4"}, false, "", ""},
	})

	wild := []advisory.Affected{{CPE: "cpe:2.3:a:ivanti:*:*:*:*:*:*:*:*:*"}}
	m := NewMatcher(DefaultAliases())
	if _, scanAll := m.Prepare(wild).Keys(); !scanAll {
		t.Error("a CPE with ANY product must ask for a scan of all items")
	}
	runMatch(t, wild, []matchCase{
		{"ANY product", store.Item{CPE: "cpe:2.3:a:ivanti:endpoint_manager:2022:*:*:*:*:*:*:*"}, true, CertainAffected, "all_versions("},
		{"other vendor", store.Item{CPE: "cpe:2.3:a:fortinet:fortios:7.0:*:*:*:*:*:*:*"}, false, "", ""},
	})
}

// TestMatchEcosystemOrder: a pre-release below its release is inside a
// range that the release fixes, under the scheme the advisory declares or,
// when it declares none, the one the item's purl type implies. Generic
// ordering would put 3.0.0.rc2 above 3.0.0 and miss the organization.
func TestMatchEcosystemOrder(t *testing.T) {
	t.Parallel()
	declared := []advisory.Affected{{PURL: "pkg:gem/rails", Scheme: version.Gem,
		Ranges: []advisory.Range{{Introduced: "0", Fixed: "3.0.0"}}, Status: advisory.StatusAffected}}
	runMatch(t, declared, []matchCase{
		{"gem pre-release", store.Item{PURL: "pkg:gem/rails@3.0.0.rc2"}, true, CertainAffected, ", [0, 3.0.0))"},
		{"gem release fixed", store.Item{PURL: "pkg:gem/rails@3.0.0"}, false, "", ""},
	})
	byName := []advisory.Affected{{Vendor: "Rails", Product: "Rails", Scheme: version.Generic,
		Ranges: []advisory.Range{{Introduced: "0", Fixed: "3.0.0"}}, Status: advisory.StatusAffected}}
	runMatch(t, byName, []matchCase{
		{"item purl type orders a generic range", store.Item{Vendor: "Rails", Product: "Rails", PURL: "pkg:gem/rails@3.0.0.rc2"}, true, CertainAffected, "in_range("},
		{"without a purl the order is generic", store.Item{Vendor: "Rails", Product: "Rails", Version: "3.0.0.rc2"}, false, "", ""},
	})
}
