package notifier

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/notifier/corpus"
	"github.com/heed-dev/heed/notifier/formats"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// BenchmarkRekey1M is the first start of a Heed whose lookup keys differ
// from the stored ones (Cases.Rekey) on the 1,000,000 items of 100,000
// organizations of BenchmarkPreview1M, in three cases, one after the other
// on the same database:
//
//   - unchanged: the fingerprint differs, every key comes out the same (a
//     new Heed whose new rules concern names nobody has);
//   - alias: an alias added in the configuration renames FortiOS, one
//     product in nine: its items' keys change;
//   - every: every stored key differs (the worst case: every key dropped
//     and written again).
//
// Each reports the wall time, the process's CPU time, the items whose keys
// changed, and how long intake waited (Rekey: the advisories; the items
// follow beside intake, RekeyItems). See docs/MATCHING.md and docs/PERFORMANCE.md.
func BenchmarkRekey1M(b *testing.B) {
	path := filepath.Join(b.TempDir(), "heed.db")
	e, _ := newTestEngineAt(b, path)
	buildNation(b, e, 100_000, 10)
	renamed, _ := newTestEngineAt(b, path, func(c *Config) {
		a := subscribers.DefaultAliases()
		if err := a.Add(subscribers.AliasProduct, "Fortinet Operating System", "FortiOS"); err != nil {
			b.Fatal(err)
		}
		c.Matcher = subscribers.NewMatcher(a)
	})
	ctx := context.Background()
	narrow := sa44101("1")
	narrow.Affected[0].Versions = nil
	narrow.Affected[0].Ranges = []advisory.Range{{Introduced: "9.0R1", Fixed: "9.0R3.4"}}
	older := func(b *testing.B, e *Engine) {
		if err := e.db.Update(ctx, func(tx *store.Tx) error { return tx.SetSetting(keysSetting, "older") }); err != nil {
			b.Fatal(err)
		}
	}
	run := func(b *testing.B, e *Engine, stale func(*testing.B), want func(int) bool) {
		for b.Loop() {
			b.StopTimer()
			stale(b)
			b.StartTimer()
			start, cpu := time.Now(), proctime.CPU()
			if _, err := e.Cases.Rekey(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "ms-before-intake")
			// An advisory matched before any item is re-keyed: against
			// every item.
			b.StopTimer()
			previewStart, previewCPU := time.Now(), proctime.CPU()
			meanwhile, err := e.Cases.Preview(ctx, narrow)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(time.Since(previewStart).Milliseconds()), "ms-match-meanwhile")
			b.ReportMetric(float64((proctime.CPU() - previewCPU).Milliseconds()), "cpu-ms-match-meanwhile")
			cpu += proctime.CPU() - previewCPU
			b.StartTimer()
			items, err := e.Cases.RekeyItems(ctx)
			b.ReportMetric((proctime.CPU() - cpu).Seconds(), "cpu-s")
			b.ReportMetric(float64(items), "items-changed")
			if err != nil || !want(items) {
				b.Fatalf("RekeyItems = %d items changed, %v", items, err)
			}
			b.StopTimer()
			if hits, err := e.Cases.Preview(ctx, narrow); err != nil || len(hits) != len(meanwhile) {
				b.Fatalf("re-keyed, SA44101 hits %d organizations (%v); while re-keying %d", len(hits), err, len(meanwhile))
			}
			b.StartTimer()
		}
	}
	b.Run("unchanged", func(b *testing.B) {
		run(b, e, func(b *testing.B) { older(b, e) }, func(n int) bool { return n == 0 })
	})
	b.Run("alias", func(b *testing.B) {
		run(b, renamed, func(b *testing.B) {
			older(b, renamed)
			// From the keys without the alias, each time.
			if _, _, err := rekey(e); err != nil {
				b.Fatal(err)
			}
			older(b, renamed)
		}, func(n int) bool { return n > 100_000 && n < 150_000 })
	})
	b.Run("every", func(b *testing.B) {
		run(b, e, func(b *testing.B) {
			older(b, e)
			staleEveryKey(b, path)
		}, func(n int) bool { return n == 1_000_000 })
	})
}

// staleEveryKey changes every stored item key, as a Heed whose key rules
// all differ would have stored them.
func staleEveryKey(b *testing.B, path string) {
	b.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if _, err := db.Exec(`UPDATE item_keys SET key = key || '~'`); err != nil {
		b.Fatal(err)
	}
	b.Logf("every key made stale in %v", time.Since(start).Round(time.Millisecond))
}

// BenchmarkRekeyCorpusAdvisories is what intake waits for at the first
// start after the way names are matched changed (Rekey): the keys of every
// stored advisory recomputed in one transaction, here the real advisories
// of the shared corpus (CSAF, CVE JSON 5, OSV, Heed's own), each decoded
// from its stored document. ms-per-1000 scales it to 1,000 advisories.
func BenchmarkRekeyCorpusAdvisories(b *testing.B) {
	e, _ := newTestEngine(b)
	ctx := context.Background()
	stored := 0
	filepath.WalkDir(corpus.Dir(b), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		adv, err := formats.Parse(data)
		if err != nil {
			return nil
		}
		if _, err := e.Cases.ApplyAdvisory(ctx, adv); err == nil {
			stored++
		}
		return nil
	})
	for b.Loop() {
		b.StopTimer()
		if err := e.db.Update(ctx, func(tx *store.Tx) error { return tx.SetSetting(keysSetting, "older") }); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		n, err := e.Cases.Rekey(ctx)
		took := time.Since(start)
		if err != nil || n != stored {
			b.Fatalf("Rekey = %d advisories, %v; want the %d stored", n, err, stored)
		}
		b.ReportMetric(float64(n), "advisories")
		b.ReportMetric(float64(took.Microseconds())/1000/float64(n)*1000, "ms-per-1000")
	}
}
