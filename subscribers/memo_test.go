package subscribers

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/version"
)

// plain prepares affected without the memo: every item worked out afresh,
// as Match did before it remembered anything.
func plain(m *Matcher, affected []advisory.Affected) *Prepared {
	p := m.Prepare(affected)
	p.memo = nil
	return p
}

// sameMatches fails at the first item on which the remembering Prepared and
// the plain one disagree, and returns how many items were hit.
func sameMatches(t *testing.T, m *Matcher, affected []advisory.Affected, items []store.Item) int {
	t.Helper()
	memo, fresh := m.Prepare(affected), plain(m, affected)
	hits := 0
	for _, it := range items {
		hm, okm := memo.Match(it)
		hf, okf := fresh.Match(it)
		if okm != okf || !reflect.DeepEqual(hm, hf) {
			t.Fatalf("item %+v:\nremembered %+v, %v\nafresh     %+v, %v", it, hm, okm, hf, okf)
		}
		if okm {
			hits++
		}
	}
	return hits
}

// TestMemoSameOnBenchmarkData matches the benchmark's national inventory
// (a twentieth of it) against advisories of every kind, remembering and afresh:
// every item, not only the candidates, gets the same answer.
func TestMemoSameOnBenchmarkData(t *testing.T) {
	t.Parallel()
	m := NewMatcher(DefaultAliases())
	items, _ := benchInventory(m, 50_000, 5_000)
	advisories := map[string][]advisory.Affected{
		"SA44101": sa44101,
		"fixed beats range, CPE, investigating": {
			{CPE: "cpe:2.3:a:pulsesecure:pulse_connect_secure:*:*:*:*:*:*:*:*", Ranges: []advisory.Range{{Introduced: "8.0", Fixed: "9.1"}}},
			{Vendor: "Ivanti", Product: "Connect Secure", Status: advisory.StatusFixed, Versions: []string{"9.0R3.3", "8.3R7"}},
			{Vendor: "Vendor 7", Product: "Product 7-1", Status: advisory.StatusUnderInvestigation},
			{CPE: "cpe:2.3:a:vendor_12:product_12-3:3.0:*:*:*:*:*:*:*"},
		},
		"npm semver":                             npmAdvisory(),
		"every version, wildcard CPE (scan all)": {{CPE: "cpe:2.3:a:*:product_9-2:*:*:*:*:*:*:*:*"}, {Vendor: "Vendor 3", Product: "Product 3-0"}},
	}
	for name, affected := range advisories {
		hits := sameMatches(t, m, affected, items)
		t.Logf("%s: %d hits", name, hits)
		if hits == 0 {
			t.Errorf("%s: no hit: the comparison proves little", name)
		}
	}
}

// npmAdvisory names a hundred of the benchmark's npm packages, each with a
// range and a fixed version.
func npmAdvisory() []advisory.Affected {
	var affected []advisory.Affected
	for i := range 100 {
		name := fmt.Sprintf("pkg:npm/package-%d", i)
		affected = append(affected,
			advisory.Affected{PURL: name, Scheme: version.Semver, Ranges: []advisory.Range{{Introduced: "1.3.0", Fixed: "1.12.0"}}},
			advisory.Affected{PURL: name, Scheme: version.Semver, Status: advisory.StatusFixed, Versions: []string{"1.5.0"}})
	}
	return affected
}

// TestMemoSameOnRandomAdvisories does the same with the random pools of
// TestKeysCoverMatches: each advisory against many items, so that answers
// are remembered and reused across names, CPEs, purls, schemes and statuses.
func TestMemoSameOnRandomAdvisories(t *testing.T) {
	t.Parallel()
	m := NewMatcher(DefaultAliases())
	r := rand.New(rand.NewPCG(3, 4))
	b := func() uint8 { return uint8(r.IntN(256)) }
	items := make([]store.Item, 1000)
	for i := range items {
		items[i] = store.Item{Vendor: pick(poolVendors, b()), Product: pick(poolProducts, b()), CPE: pick(poolCPEs, b()),
			PURL: pick(poolPURLs, b()), Version: pick(poolVersions, b())}
	}
	hits := 0
	for i := 0; i < 150; i++ {
		var affected []advisory.Affected
		for n := 1 + r.IntN(3); n > 0; n-- {
			a := advisory.Affected{Vendor: pick(poolVendors, b()), Product: pick(poolProducts, b()), CPE: pick(poolCPEs, b()),
				PURL: pick(poolPURLs, b()), Scheme: pick(poolSchemes, b()), Status: pick(poolStatuses, b())}
			switch r.IntN(3) {
			case 0:
				a.Versions = []string{pick(poolVersions, b()), pick(poolVersions, b())}
			case 1:
				a.Ranges = []advisory.Range{{Introduced: pick(poolVersions, b()), Fixed: pick(poolVersions, b())}}
			}
			affected = append(affected, a)
		}
		hits += sameMatches(t, m, affected, items)
	}
	t.Logf("%d hits", hits)
	if hits < 2000 {
		t.Errorf("only %d hits: the comparison is hardly exercised", hits)
	}
}
