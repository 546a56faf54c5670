package notifier

import (
	"context"
	"fmt"
	runtimemetrics "runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/store"
)

// BenchmarkKEVImport100k imports a catalog that names the CVE of an
// advisory with 100,000 open cases (one at each of 100,000 organizations,
// its notices in the outbox): every case becomes known exploited and its
// contact gets an "exploited" mail. Beside it, another writer records a
// setting every 10 ms, as an answer or delivery's mark of a sent mail
// would: max-write-wait-ms is the longest that writer waited for the
// write lock, writes-meanwhile how many it made, writes-refused how many
// gave up waiting (SQLite's busy timeout: an answer posted then would
// fail). peak-heap-MB is the largest live heap seen meanwhile (sampled
// every 10 ms). Building the database takes minutes; see
// docs/PERFORMANCE.md.
func BenchmarkKEVImport100k(b *testing.B) {
	const orgs = 100_000
	e, clk := newTestEngine(b)
	ctx := context.Background()
	buildExposed(b, e, orgs)
	if out, err := e.Cases.ApplyAdvisory(ctx, cveAdvisory("SA44101", "CVE-2019-11510")); err != nil || out.Opened != orgs {
		b.Fatalf("apply: %+v, %v", out, err)
	}
	clk.Advance(time.Hour)
	for b.Loop() {
		stop, waits := probeWrites(e)
		start, cpu := time.Now(), proctime.CPU()
		res, err := e.Cases.ImportKEV(ctx, catalog("2026-04-01", "CVE-2019-11510"))
		elapsed, used := time.Since(start), proctime.CPU()-cpu
		longest, n, refused, heap := stop()
		if err != nil || res.CasesChanged != orgs {
			b.Fatalf("import: %+v, %v; want %d cases changed", res, err, orgs)
		}
		b.ReportMetric(elapsed.Seconds(), "s")
		b.ReportMetric(used.Seconds(), "cpu-s")
		b.ReportMetric(float64(longest.Milliseconds()), "max-write-wait-ms")
		b.ReportMetric(float64(n), "writes-meanwhile")
		b.ReportMetric(float64(refused), "writes-refused")
		b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
		b.Logf("writes meanwhile: %d, waits over 100 ms: %d", n, waits())
	}
}

// buildExposed registers orgs organizations, each with one contact and one
// item, Pulse Connect Secure 9.0R3.3, written directly to the store.
func buildExposed(b *testing.B, e *Engine, orgs int) {
	b.Helper()
	const batch = 5000
	for start := 0; start < orgs; start += batch {
		err := e.db.Update(context.Background(), func(tx *store.Tx) error {
			for i := start; i < min(start+batch, orgs); i++ {
				org := &store.Org{ID: fmt.Sprintf("org_%06d", i), Name: fmt.Sprintf("Org %d", i), Language: "en",
					Timezone: "UTC", Contacts: []store.Contact{{Email: fmt.Sprintf("sec@%d.test", i), Role: "primary"}}}
				if err := tx.CreateOrg(org); err != nil {
					return err
				}
				it := store.Item{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3", Asset: "vpn"}
				it.Keys = e.matcher.ItemKeys(it)
				if err := tx.ReplaceInventory(org.ID, []store.Item{it}); err != nil {
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

// probeWrites writes a setting every 10 ms until stop, which returns the
// longest a write took, how many were made and how many failed, and the
// largest live heap seen; waits counts the writes over 100 ms.
func probeWrites(e *Engine) (stop func() (longest time.Duration, n, refused int, heap uint64), waits func() int) {
	type write struct {
		took time.Duration
		err  error
	}
	done, result := make(chan struct{}), make(chan []write, 1)
	var peak uint64
	go func() {
		var writes []write
		sample := []runtimemetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for i := 0; ; i++ {
			select {
			case <-done:
				result <- writes
				return
			case <-time.After(10 * time.Millisecond):
			}
			runtimemetrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			start := time.Now()
			err := e.db.Update(context.Background(), func(tx *store.Tx) error { return tx.SetSetting("probe", strconv.Itoa(i)) })
			writes = append(writes, write{time.Since(start), err})
		}
	}()
	var writes []write
	stop = func() (longest time.Duration, n, refused int, heap uint64) {
		close(done)
		writes = <-result
		for _, w := range writes {
			longest = max(longest, w.took)
			if w.err != nil {
				refused++
			}
		}
		return longest, len(writes), refused, peak
	}
	waits = func() int {
		n := 0
		for _, w := range writes {
			if w.took > 100*time.Millisecond {
				n++
			}
		}
		return n
	}
	return stop, waits
}
