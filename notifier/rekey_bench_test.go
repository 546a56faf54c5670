package notifier

import (
	"context"
	"testing"

	"github.com/heed-dev/heed/store"
)

// BenchmarkRekey1M is the first start of a Heed whose lookup keys differ
// from the stored ones (Cases.Rekey): every key of the 1,000,000 items of
// 100,000 organizations of BenchmarkPreview1M recomputed. See
// docs/MATCHING.md.
func BenchmarkRekey1M(b *testing.B) {
	e, _ := newTestEngine(b)
	buildNation(b, e, 100_000, 10)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		if err := e.db.Update(ctx, func(tx *store.Tx) error { return tx.SetSetting(keysSetting, "older") }); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		items, _, err := e.Cases.Rekey(ctx)
		if err != nil || items != 1_000_000 {
			b.Fatalf("Rekey = %d items, %v", items, err)
		}
	}
}
