package notifier

import (
	"context"
	"fmt"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// BenchmarkPreview1M matches one advisory against 1,000,000 inventory items
// of 100,000 organizations the way intake does: candidate items through the
// item_keys index in SQLite, then the matcher on each candidate. 1% of the
// items are the advisory's product. Building the database takes a minute;
// see docs/PERFORMANCE.md.
func BenchmarkPreview1M(b *testing.B) {
	const orgs, perOrg = 100_000, 10
	e, _ := newTestEngine(b)
	ctx := context.Background()
	products := []struct{ vendor, product string }{
		{"Fortinet", "FortiOS"}, {"Citrix", "NetScaler ADC"}, {"Microsoft", "Exchange Server"},
		{"Apache", "HTTP Server"}, {"OpenSSL", "OpenSSL"}, {"Cisco", "IOS XE"}, {"VMware", "vCenter Server"},
		{"Atlassian", "Confluence Server"}, {"F5", "BIG-IP"},
	}
	const batch = 5000
	for start := 0; start < orgs; start += batch {
		err := e.db.Update(ctx, func(tx *store.Tx) error {
			for i := start; i < start+batch; i++ {
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
	adv := sa44101("1")
	adv.Affected[0].Versions = nil
	adv.Affected[0].Ranges = []advisory.Range{{Introduced: "9.0R1", Fixed: "9.0R3.4"}}
	b.ResetTimer()
	var hit int
	for b.Loop() {
		hits, err := e.Cases.Preview(ctx, adv)
		if err != nil {
			b.Fatal(err)
		}
		hit = len(hits)
	}
	b.ReportMetric(float64(hit), "orgs-hit")
}
