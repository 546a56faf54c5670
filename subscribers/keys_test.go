package subscribers

import (
	"math/rand/v2"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/version"
)

var (
	poolVendors  = []string{"", "Pulse Secure", "Ivanti", "ivanti inc.", "Fortinet", "Apache Software Foundation", "apache", "Citrix"}
	poolProducts = []string{"", "Pulse Connect Secure", "Connect Secure", "Ivanti Connect Secure", "FortiOS", "Fortinet FortiOS",
		"Log4j2", "Apache Log4j", "log4j-core", "Citrix ADC", "NetScaler ADC"}
	poolCPEs = []string{"", "cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*", "cpe:/a:pulsesecure:pulse_connect_secure:9.0",
		"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", "cpe:2.3:a:ivanti:*:*:*:*:*:*:*:*:*", "cpe:2.3:a:*:connect_secure:*:*:*:*:*:*:*:*",
		"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", "cpe:2.3:*:fortinet:fortios:7.0:*:*:*:*:*:*:*", "cpe:2.3:a:citrix:netscaler_adc:13.1:*:*:*:*:*:*:*",
		"cpe:2.3:a:fortinet:fortios*:*:*:*:*:*:*:*:*", "not a cpe"}
	poolPURLs = []string{"", "pkg:npm/lodash@4.17.20", "pkg:npm/Lodash", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
		"pkg:pypi/Django_x", "pkg:golang/github.com/Gorilla/mux@v1.8.0", "pkg:"}
	poolVersions = []string{"", "9.0R3.3", "9.0R1", "7.0.1", "2.14.1", "4.17.20", "13.1", "1.0"}
	poolStatuses = []advisory.Status{"", advisory.StatusAffected, advisory.StatusFixed, advisory.StatusNotAffected, advisory.StatusUnderInvestigation}
	poolSchemes  = []string{"", version.Generic, version.Semver, version.Maven}
)

func pick[T any](pool []T, n uint8) T { return pool[int(n)%len(pool)] }

// checkKeys fails when Match hits an item that shares no key with the
// advisory while the advisory does not ask for a full scan.
func checkKeys(t *testing.T, m *Matcher, affected []advisory.Affected, it store.Item) {
	t.Helper()
	h, ok := m.Prepare(affected).Match(it)
	if !ok {
		return
	}
	adv, scanAll := m.Prepare(affected).Keys()
	if !scanAll && !shareKey(adv, m.ItemKeys(it)) {
		t.Fatalf("hit %+v without a shared key:\nentries %+v\nitem %+v\nadvisory keys %q\nitem keys %q", h, affected, it, adv, m.ItemKeys(it))
	}
}

// TestKeysCoverMatches checks the candidate-lookup property on random
// combinations of names, aliases, CPEs, purls, versions and statuses.
func TestKeysCoverMatches(t *testing.T) {
	t.Parallel()
	m := NewMatcher(DefaultAliases())
	r := rand.New(rand.NewPCG(1, 2))
	b := func() uint8 { return uint8(r.IntN(256)) }
	hits := 0
	for i := 0; i < 20000; i++ {
		var affected []advisory.Affected
		for n := 1 + r.IntN(3); n > 0; n-- {
			a := advisory.Affected{Vendor: pick(poolVendors, b()), Product: pick(poolProducts, b()), CPE: pick(poolCPEs, b()),
				PURL: pick(poolPURLs, b()), Scheme: pick(poolSchemes, b()), Status: pick(poolStatuses, b())}
			switch r.IntN(3) {
			case 0:
				a.Versions = []string{pick(poolVersions, b())}
			case 1:
				a.Ranges = []advisory.Range{{Introduced: pick(poolVersions, b()), Fixed: pick(poolVersions, b())}}
			}
			affected = append(affected, a)
		}
		it := store.Item{Vendor: pick(poolVendors, b()), Product: pick(poolProducts, b()), CPE: pick(poolCPEs, b()),
			PURL: pick(poolPURLs, b()), Version: pick(poolVersions, b())}
		if _, ok := m.Prepare(affected).Match(it); ok {
			hits++
		}
		checkKeys(t, m, affected, it)
	}
	if hits < 1000 {
		t.Errorf("only %d hits: the property is hardly exercised", hits)
	}
}

// FuzzMatchKeys checks the same property with arbitrary names and versions.
func FuzzMatchKeys(f *testing.F) {
	f.Add("Pulse Secure", "Pulse Connect Secure", uint8(0), uint8(0), "Ivanti", "Connect Secure", "9.0R3.3", uint8(0), uint8(0), uint8(1))
	f.Add("", "lodash", uint8(0), uint8(1), "x", "lodash", "", uint8(0), uint8(2), uint8(0))
	f.Add("Ivanti", "", uint8(4), uint8(0), "", "", "", uint8(1), uint8(0), uint8(4))
	f.Fuzz(func(t *testing.T, ev, ep string, ec, eu uint8, iv, ip, ver string, ic, iu, st uint8) {
		m := NewMatcher(DefaultAliases())
		affected := []advisory.Affected{{Vendor: ev, Product: ep, CPE: pick(poolCPEs, ec), PURL: pick(poolPURLs, eu), Status: pick(poolStatuses, st),
			Ranges: []advisory.Range{{Introduced: ver, Fixed: ep}}}}
		it := store.Item{Vendor: iv, Product: ip, Version: ver, CPE: pick(poolCPEs, ic), PURL: pick(poolPURLs, iu)}
		checkKeys(t, m, affected, it)
		affected[0].Ranges = nil
		checkKeys(t, m, affected, it)
	})
}
