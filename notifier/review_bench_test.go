package notifier

import (
	"context"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// BenchmarkNearMisses1M is what looking for near misses adds to applying
// an advisory (advisoryNearMisses, then recorded as scanNearMisses does), on the inventory of BenchmarkPreview1M
// (1,000,000 items of 100,000 organizations): SA44101 (10,000 items of its
// vendor, none close), Apache "HTTP Server" (about 110,000 items of its
// vendor, all the product itself, none close), and the worst case, Apache
// "HTTP Server Core", to which every one of those items is close. See
// docs/MATCHING.md.
func BenchmarkNearMisses1M(b *testing.B) {
	e, _ := newTestEngine(b)
	buildNation(b, e, 100_000, 10)
	apache := func(id, product string) *advisory.Advisory {
		return &advisory.Advisory{ID: id, Revision: "1", Format: "heed", Title: product, Severity: "high",
			Affected: []advisory.Affected{{Vendor: "Apache", Product: product, Scheme: "semver",
				Ranges: []advisory.Range{{Introduced: "0.0.0", Fixed: "50.0.0"}}}}}
	}
	narrow := sa44101("1")
	narrow.Affected[0].Versions = nil
	narrow.Affected[0].Ranges = []advisory.Range{{Introduced: "9.0R1", Fixed: "9.0R3.4"}}
	for _, c := range []struct {
		name string
		adv  *advisory.Advisory
	}{{"SA44101", narrow}, {"broad", apache("HTTPD-1", "HTTP Server")}, {"all-close", apache("HTTPD-2", "HTTP Server Core")}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			// The advisory must be stored: near misses refer to it.
			if err := e.db.Update(ctx, func(tx *store.Tx) error {
				return tx.PutAdvisory(&store.Advisory{ID: c.adv.ID, Revision: "1", Format: "heed", Title: c.adv.Title, Severity: "high", Doc: []byte("{}")})
			}); err != nil {
				b.Fatal(err)
			}
			var found []store.NearMiss
			for b.Loop() {
				found, err := e.Cases.advisoryNearMisses(ctx, c.adv)
				if err != nil {
					b.Fatal(err)
				}
				if err := e.db.Update(ctx, func(tx *store.Tx) error {
					_, err := tx.RecordNearMisses(c.adv.ID, "", found, e.now())
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			found, _ = e.Review.NearMisses(ctx, store.ReviewPending, 1_000_000)
			n := 0
			for _, f := range found {
				if f.AdvisoryID == c.adv.ID {
					n++
				}
			}
			b.ReportMetric(float64(n), "near-misses")
		})
	}
}
