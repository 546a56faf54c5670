package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/heed-dev/heed/internal/proctime"
)

// BenchmarkEventCycle10k: 10,000 opened events as a fan-out records them
// (500 a transaction, as the apply's batches), marked published as the
// events stage does after JetStream's acks (500 a transaction), then
// pruned (1,000 a transaction): the process's CPU per event of each step.
// Run with -benchtime=1x; see docs/PERFORMANCE.md.
func BenchmarkEventCycle10k(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	data := []byte(`{"advisory":"SA44101","case":"case_x","due_at":"2026-12-15T18:00:00Z","known_exploited":false,` +
		`"organization":"org_222f3kvvpe342csh","revision":"1","severity":"critical","state":"open"}`)
	var insert, mark, prune time.Duration
	for b.Loop() {
		b.StopTimer()
		db, err := Open(ctx, filepath.Join(b.TempDir(), "heed.db"))
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		seqs := make([]int64, 0, n)
		b.StartTimer()
		step := func(took *time.Duration, fn func(tx *Tx, i int) error, size int) {
			cpu := proctime.CPU()
			for i := 0; i < n; i += size {
				if err := db.Update(ctx, func(tx *Tx) error { return fn(tx, i) }); err != nil {
					b.Fatal(err)
				}
			}
			*took += proctime.CPU() - cpu
		}
		step(&insert, func(tx *Tx, from int) error {
			for i := from; i < from+500; i++ {
				e := &Event{ID: fmt.Sprintf("evt_%d", i), Kind: "opened", CaseID: "case_x", At: now, Data: data}
				if err := tx.AddEvent(e); err != nil {
					return err
				}
				seqs = append(seqs, e.Seq)
			}
			return nil
		}, 500)
		step(&mark, func(tx *Tx, from int) error { return tx.MarkPublished(seqs[from+499], now) }, 500)
		step(&prune, func(tx *Tx, _ int) error { _, err := tx.PrunePublishedEvents(now.Add(time.Hour), 1000); return err }, 1000)
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N*n) }
	b.ReportMetric(per(insert), "insert-cpu-µs/event")
	b.ReportMetric(per(mark), "mark-cpu-µs/event")
	b.ReportMetric(per(prune), "prune-cpu-µs/event")
}
