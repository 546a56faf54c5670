package subscribers

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// benchInventory builds n items over orgs organizations: one in a hundred is
// the advisory's product under one of its names (fields, alias, CPE, no
// version), the rest spread over other vendors' products, some by CPE or
// purl. It buckets them by ItemKeys as the store's index table would.
func benchInventory(m *Matcher, n, orgs int) ([]store.Item, map[string][]int32) {
	r := rand.New(rand.NewPCG(7, 11))
	versions := []string{"9.0R1", "9.0R3.3", "9.0R3.4", "9.0R4", "8.3R7", "8.3R7.1", "8.2R12", "8.2R12.1", "9.1R1", ""}
	affected := []func(v string) store.Item{
		func(v string) store.Item {
			return store.Item{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: v}
		},
		func(v string) store.Item { return store.Item{Vendor: "Ivanti", Product: "Connect Secure", Version: v} },
		func(v string) store.Item { return store.Item{Product: "Ivanti Connect Secure", Version: v} },
		func(v string) store.Item {
			return store.Item{CPE: "cpe:2.3:a:pulsesecure:pulse_connect_secure:*:*:*:*:*:*:*:*", Version: v}
		},
	}
	type vp struct{ vendor, product string }
	var others []vp
	for v := 0; v < 500; v++ {
		for p := 0; p < 4; p++ {
			others = append(others, vp{fmt.Sprintf("Vendor %d", v), fmt.Sprintf("Product %d-%d", v, p)})
		}
	}
	items := make([]store.Item, n)
	index := map[string][]int32{}
	for i := range items {
		var it store.Item
		switch x := r.IntN(100); {
		case x == 0:
			it = affected[r.IntN(len(affected))](versions[r.IntN(len(versions))])
		case x < 10:
			it = store.Item{PURL: fmt.Sprintf("pkg:npm/package-%d@1.%d.0", r.IntN(5000), r.IntN(20))}
		case x < 20:
			o := others[r.IntN(len(others))]
			it = store.Item{CPE: fmt.Sprintf("cpe:2.3:a:vendor_%s:product_%s:%d.0:*:*:*:*:*:*:*", o.vendor[7:], o.product[8:], r.IntN(10))}
		default:
			o := others[r.IntN(len(others))]
			it = store.Item{Vendor: o.vendor, Product: o.product, Version: fmt.Sprintf("%d.%d.%d", r.IntN(10), r.IntN(10), r.IntN(30))}
		}
		it.ID = int64(i)
		it.OrgID = fmt.Sprintf("org-%d", i%orgs)
		items[i] = it
		for _, k := range m.ItemKeys(it) {
			index[k] = append(index[k], int32(i))
		}
	}
	return items, index
}

// nation is the benchmark's inventory, built once for every run of -count.
var nation struct {
	once  sync.Once
	m     *Matcher
	items []store.Item
	index map[string][]int32
}

// BenchmarkMatch1M measures one advisory against a national inventory:
// 1,000,000 items over 100,000 organizations, of which 1% (9,957) are the
// advisory's product under one of its names and so its candidates. Per
// operation: Prepare, Keys, loading the candidates from the key index, and
// Match on each. "afresh" is the matcher without its memo (as before
// 2026-12-01), run beside it so that the ratio is measured on one machine
// at one moment; "remembered-distinct-versions" gives every candidate a
// version of its own (the memo's worst case but for names).
func BenchmarkMatch1M(b *testing.B) {
	nation.once.Do(func() {
		nation.m = NewMatcher(DefaultAliases())
		nation.items, nation.index = benchInventory(nation.m, 1_000_000, 100_000)
	})
	// A fleet with every installation on a version of its own: the memo
	// still knows the names, but each version is compared afresh.
	distinct := map[int32]string{}
	for _, k := range must(nation.m.Prepare(sa44101).Keys()) {
		for _, id := range nation.index[k] {
			if v := nation.items[id].Version; v != "" {
				distinct[id] = fmt.Sprintf("%s.%d", v, id)
			}
		}
	}
	for _, mode := range []struct {
		name     string
		prepare  func(*Matcher, []advisory.Affected) *Prepared
		versions map[int32]string
	}{{"remembered", (*Matcher).Prepare, nil}, {"afresh", plain, nil}, {"remembered-distinct-versions", (*Matcher).Prepare, distinct}} {
		b.Run(mode.name, func(b *testing.B) {
			matchNation(b, func() *Prepared { return mode.prepare(nation.m, sa44101) }, mode.versions)
		})
	}
}

// must returns the keys of an advisory that needs no full scan.
func must(keys []string, scanAll bool) []string {
	if scanAll {
		panic("SA44101 must be keyed")
	}
	return keys
}

// matchNation matches the candidates of an advisory; versions, when set,
// replaces the version of the items it names.
func matchNation(b *testing.B, prepare func() *Prepared, versions map[int32]string) {
	items, index := nation.items, nation.index
	seen := make([]uint32, len(items))
	stamp := uint32(0)
	b.ReportAllocs()
	var candidates, hits int
	cpu := proctime.CPU()
	for b.Loop() {
		stamp++
		candidates, hits = 0, 0
		p := prepare()
		keys, scanAll := p.Keys()
		if scanAll {
			b.Fatal("SA44101 must be keyed")
		}
		for _, k := range keys {
			for _, id := range index[k] {
				if seen[id] == stamp {
					continue
				}
				seen[id] = stamp
				candidates++
				it := items[id]
				if v, ok := versions[id]; ok {
					it.Version = v
				}
				if _, ok := p.Match(it); ok {
					hits++
				}
			}
		}
	}
	b.ReportMetric(float64((proctime.CPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(candidates), "candidates/op")
	b.ReportMetric(float64(hits), "hits/op")
}

// BenchmarkCloseNames100k is the name filter of a near-miss scan over one
// vendor's 100,000 distinct product names, none close (an appliance per
// organization, as heed-load's inventories have): CloseName for each, as
// the scan called it, and one NameFilter for all.
func BenchmarkCloseNames100k(b *testing.B) {
	p := NewMatcher(DefaultAliases()).Prepare([]advisory.Affected{{Vendor: "Heed Load", Product: "Load Appliance 000123",
		Ranges: []advisory.Range{{Introduced: "0", Fixed: "2.0"}}}})
	names := make([]string, 100_000)
	for i := range names {
		names[i] = fmt.Sprintf("Load Appliance %06d", i)
	}
	for _, c := range []struct {
		name   string
		filter func() func(vendor, product string) bool
	}{{"CloseName", func() func(string, string) bool { return p.CloseName }}, {"NameFilter", p.NameFilter}} {
		b.Run(c.name, func(b *testing.B) {
			cpu := proctime.CPU()
			for b.Loop() {
				keep := c.filter()
				for _, n := range names {
					if keep("Heed Load", n) {
						b.Fatalf("%q is close to %q", n, "Load Appliance 000123")
					}
				}
			}
			b.ReportMetric(float64((proctime.CPU()-cpu).Milliseconds())/float64(b.N), "cpu-ms/scan")
		})
	}
}
