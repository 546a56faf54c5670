package web

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/store/storetest"
)

// BenchmarkBoardExport downloads /board.csv of 100,000 cases through HTTP,
// as an operator's browser does, whole and filtered to the broad advisory
// (50,000 cases). The export is written page by page as it is read, so the
// first bytes arrive long before the end and the heap stays small whatever
// the size of the file: first-byte-ms against ms, and peak-heap-MB (the
// largest heap seen during a download, sampled every 2 ms, client and
// server together) against body-MB. The run fails if a row is missing, or
// if the heap grew by as much as the file: held in memory, the file and
// its 100,000 cases would be several times that; streamed, a page's worth
// (1,000 cases) is the bound, the same for half the file.
func BenchmarkBoardExport(b *testing.B) {
	v := newEnv(b)
	storetest.FillBoard(b, v.db, 100000, v.server.now())
	for _, tc := range []struct {
		name, query string
		rows        int
	}{
		{"all", "", 100000},
		{"advisory=big", "?advisory=" + storetest.BigAdvisory, 50000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var first, whole time.Duration
			var rows, size int
			var peak, alloc uint64
			cpu := proctime.CPU()
			for b.Loop() {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				stop := watchHeap()
				start := time.Now()
				first, rows, size = download(b, v.srv.URL+"/board.csv"+tc.query)
				whole = time.Since(start)
				peak = 0
				if p := stop(); p > before.HeapAlloc {
					peak = p - before.HeapAlloc
				}
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				alloc = after.TotalAlloc - before.TotalAlloc
			}
			b.ReportMetric(float64((proctime.CPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(first.Microseconds())/1000, "first-byte-ms")
			b.ReportMetric(float64(whole.Microseconds())/1000, "ms")
			b.ReportMetric(float64(size)/1e6, "body-MB")
			b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
			b.ReportMetric(float64(alloc)/1e6, "alloc-MB")
			if rows != tc.rows+1 {
				b.Errorf("%d lines, want %d cases and the header", rows, tc.rows)
			}
			if peak >= uint64(size) {
				b.Errorf("the heap grew by %d bytes during a download of %d: the export is not streamed", peak, size)
			}
		})
	}
}

// download GETs url with the admin token and reads it to the end: when its
// first bytes came, how many lines, how many bytes.
func download(b *testing.B, url string) (first time.Duration, lines, size int) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %s", url, resp.Status)
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 && size == 0 {
			first = time.Since(start)
		}
		size += n
		lines += bytes.Count(buf[:n], []byte("\n"))
		if err == io.EOF {
			return first, lines, size
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// watchHeap samples the heap's size (live and not yet swept objects) every
// 2 ms until the function it returns is called, which gives the largest.
func watchHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done, wg := make(chan struct{}), sync.WaitGroup{}
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}
