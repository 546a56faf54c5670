package notifier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// BenchmarkPreview1M matches one advisory against 1,000,000 inventory items
// of 100,000 organizations the way intake does: candidate items through the
// item_keys index in SQLite, then the matcher on each candidate, then the
// names of the organizations hit. SA44101: 1% of the items (10,000, one at
// each tenth organization) are its product, so its candidates; 6,000 are in
// its range. Apache HTTP Server, a product that a ninth of all items are
// (about 110,000 candidates), shows what a broad advisory costs; two, one
// that names SA44101's product and NetScaler ADC (120,000 candidates under
// two keys), one that names several products. Building the
// database takes a minute; see docs/PERFORMANCE.md. cpu-ms/op is the
// process's CPU time per operation, which other work on a shared machine
// inflates less than the wall time. plan/ is what an apply does before its
// first batch (planApply: the candidates, the matcher, the work list, the
// advisory written), rolled back each time: for SA44101, and for an
// advisory that hits every organization (Apache HTTP Server, every
// version: 110,000 candidates), as heed-load's does.
func BenchmarkPreview1M(b *testing.B) {
	e, _ := newTestEngine(b)
	buildNation(b, e, 100_000, 10)
	narrow := sa44101("1")
	narrow.Affected[0].Versions = nil
	narrow.Affected[0].Ranges = []advisory.Range{{Introduced: "9.0R1", Fixed: "9.0R3.4"}}
	broad := &advisory.Advisory{ID: "HTTPD-1", Revision: "1", Format: "heed", Title: "HTTP Server", Severity: "high",
		Affected: []advisory.Affected{{Vendor: "Apache", Product: "HTTP Server", Scheme: "semver",
			Ranges: []advisory.Range{{Introduced: "2.0.0", Fixed: "5.0.0"}}}}}
	// Two products: SA44101's and NetScaler ADC (110,000 candidates under
	// another key, so the candidates come in two runs of item order).
	two := sa44101("1")
	two.Affected = append(slices.Clone(narrow.Affected), advisory.Affected{Vendor: "Citrix", Product: "NetScaler ADC",
		Scheme: "semver", Status: advisory.StatusAffected, Ranges: []advisory.Range{{Introduced: "0.0.0", Fixed: "1.0.0"}}})
	for _, c := range []struct {
		name string
		adv  *advisory.Advisory
	}{{"SA44101", narrow}, {"broad", broad}, {"two", two}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			var candidates []store.Item
			err := e.db.View(ctx, func(tx *store.Tx) (err error) {
				keys, _ := e.matcher.Prepare(c.adv.Affected).Keys()
				candidates, err = tx.ItemsByKeys(keys, false)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var hit int
			cpu := proctime.CPU()
			for b.Loop() {
				hits, err := e.Cases.Preview(ctx, c.adv)
				if err != nil {
					b.Fatal(err)
				}
				hit = len(hits)
			}
			b.ReportMetric(float64((proctime.CPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(len(candidates)), "candidates")
			b.ReportMetric(float64(hit), "orgs-hit")
		})
	}
	// What a fan-out does before its first batch: planApply, rolled back.
	everyone := &advisory.Advisory{ID: "HTTPD-ALL", Revision: "1", Format: "heed", Title: "HTTP Server", Severity: "critical",
		Affected: []advisory.Affected{{Vendor: "Apache", Product: "HTTP Server", Scheme: "semver"}}}
	for _, c := range []struct {
		name string
		adv  *advisory.Advisory
	}{{"plan/SA44101", narrow}, {"plan/everyone", everyone}} {
		b.Run(c.name, func(b *testing.B) {
			src := Source{Publisher: e.publishers.All()[0]}
			var work int
			cpu := proctime.CPU()
			for b.Loop() {
				err := e.db.Update(context.Background(), func(tx *store.Tx) error {
					var out Outcome
					w, fresh, err := e.Cases.planApply(tx, c.adv, src, &out)
					if err != nil {
						return err
					}
					if !fresh {
						b.Fatal("the advisory is not new")
					}
					work = len(w)
					return errRollBack
				})
				if !errors.Is(err, errRollBack) {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((proctime.CPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(work), "orgs-hit")
		})
	}
}

var errRollBack = errors.New("roll back")

// buildNation registers orgs organizations of perOrg items each: the
// products of nine vendors in varied versions, and at every tenth
// organization its first item is Pulse Connect Secure in one of 20
// versions.
func buildNation(b *testing.B, e *Engine, orgs, perOrg int) {
	b.Helper()
	ctx := context.Background()
	products := []struct{ vendor, product string }{
		{"Fortinet", "FortiOS"}, {"Citrix", "NetScaler ADC"}, {"Microsoft", "Exchange Server"},
		{"Apache", "HTTP Server"}, {"OpenSSL", "OpenSSL"}, {"Cisco", "IOS XE"}, {"VMware", "vCenter Server"},
		{"Atlassian", "Confluence Server"}, {"F5", "BIG-IP"},
	}
	const batch = 5000
	for start := 0; start < orgs; start += batch {
		err := e.db.Update(ctx, func(tx *store.Tx) error {
			for i := start; i < min(start+batch, orgs); i++ {
				org := &store.Org{ID: fmt.Sprintf("org_%06d", i), Name: fmt.Sprintf("Org %d", i), Language: "en",
					Timezone: "UTC", Contacts: []store.Contact{{Email: fmt.Sprintf("sec@%d.test", i), Role: "primary"}}}
				if err := tx.CreateOrg(org); err != nil {
					return err
				}
				items := make([]store.Item, perOrg)
				for j := range items {
					it := store.Item{Vendor: products[(i+j)%len(products)].vendor,
						Product: products[(i+j)%len(products)].product, Version: fmt.Sprintf("%d.%d.%d", j, i%10, i%7)}
					if j == 0 && i%10 == 0 {
						it = store.Item{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: fmt.Sprintf("9.0R%d.%d", (i/10)%5, (i/50)%4)}
					}
					it.Keys = e.matcher.ItemKeys(it)
					items[j] = it
				}
				if err := tx.ReplaceInventory(org.ID, items); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
