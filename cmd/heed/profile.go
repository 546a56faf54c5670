package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"sync/atomic"
	"time"
)

// Profiles of heed serve for finding where time and memory go
// (docs/PERFORMANCE.md): -cpuprofile, -memprofile and -trace.

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// startTrace writes an execution trace of the process into path until stop
// is called: where goroutines waited (for a channel, a lock, a system call
// such as SQLite's busy wait), which a CPU profile does not show.
func startTrace(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("trace: %w", err)
	}
	return func() { trace.Stop(); f.Close() }, nil
}

// heapSampleEvery is how often the heap profiler reads the live heap.
const heapSampleEvery = 100 * time.Millisecond

// heapProfiler keeps a heap profile of the run's highest live heap: what
// the process holds at its peak is what its resident memory has to fit,
// and a profile taken at the end would show a heap already given back.
type heapProfiler struct {
	path string
	log  *slog.Logger
	stop chan struct{}
	done chan struct{}
	// written is the live heap of the profile in path (0: none yet),
	// read by a test while the profiler runs.
	written atomic.Uint64
	// peakLive is the highest live heap, peakGo Go's memory beside it.
	peakLive, peakGo uint64
}

// heapMetrics are read from the runtime: the heap that the last garbage
// collection found live, and all the memory Go has mapped less what it
// gave back to the system (about Go's share of the resident set).
var heapMetrics = []string{"/gc/heap/live:bytes", "/memory/classes/total:bytes", "/memory/classes/heap/released:bytes"}

// startHeapProfile writes a heap profile into path whenever the live heap
// has grown a tenth past the one last written, until finish.
func startHeapProfile(path string, log *slog.Logger) (p *heapProfiler, err error) {
	if path, err = filepath.Abs(path); err != nil {
		return nil, fmt.Errorf("heap profile: %w", err)
	}
	// Fail at start, not at the end of a long run, when path cannot be written.
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("heap profile: %w", err)
	}
	f.Close()
	p = &heapProfiler{path: path, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	go p.watch()
	return p, nil
}

func (p *heapProfiler) watch() {
	defer close(p.done)
	samples := make([]metrics.Sample, len(heapMetrics))
	for i, name := range heapMetrics {
		samples[i].Name = name
	}
	tick := time.NewTicker(heapSampleEvery)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		metrics.Read(samples)
		live := samples[0].Value.Uint64()
		if live <= p.peakLive {
			continue
		}
		p.peakLive, p.peakGo = live, samples[1].Value.Uint64()-samples[2].Value.Uint64()
		if w := p.written.Load(); live > w+w/10 {
			if err := p.write(); err != nil {
				p.log.Warn("heap profile", "err", err)
				continue
			}
			p.written.Store(live)
		}
	}
}

// write replaces the profile in path by one of the heap now, through a
// file renamed into place: a run killed meanwhile leaves the last whole one.
// The runtime publishes a heap profile a collection late, so a profile
// written when the live heap was read would miss what grew just before:
// a collection first brings it up to date (on a heap that grew a tenth,
// a few dozen times a run: the figures of a profiled run are its heap's,
// not its CPU's).
func (p *heapProfiler) write() error {
	runtime.GC()
	f, err := os.CreateTemp(filepath.Dir(p.path), ".heap-*.pprof")
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	defer os.Remove(f.Name())
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("heap profile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	if err := os.Rename(f.Name(), p.path); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return nil
}

// finish stops watching, writes a profile if none was (a heap that never
// grew past its first reading) and logs the peak.
func (p *heapProfiler) finish() error {
	close(p.stop)
	<-p.done
	if p.written.Load() == 0 {
		if err := p.write(); err != nil {
			return err
		}
	}
	p.log.Info("heap profile written", "path", p.path, "peak_live_heap_mb", mb(p.peakLive),
		"go_memory_at_peak_mb", mb(p.peakGo), "profiled_live_heap_mb", mb(p.written.Load()))
	return nil
}

// mb is n bytes in megabytes with one decimal, for a log line.
func mb(n uint64) string { return fmt.Sprintf("%.1f", float64(n)/1e6) }
