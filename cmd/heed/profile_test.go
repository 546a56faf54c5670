package main

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// held keeps holdHeap's allocation reachable until the test lets it go.
var held []byte

//go:noinline
func holdHeap(n int) { held = make([]byte, n) }

// TestHeapProfileAtPeak: heed serve -memprofile keeps the profile of the
// highest live heap, so what held 64 MB at the peak is named in it even
// after that memory was given back before the end.
func TestHeapProfileAtPeak(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap.pprof")
	var logs bytes.Buffer
	p, err := startHeapProfile(path, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	const size = 64 << 20
	holdHeap(size)
	runtime.GC()
	for deadline := time.Now().Add(10 * time.Second); p.written.Load() < size; {
		if time.Now().After(deadline) {
			t.Fatalf("no profile of the %d MB heap after 10 s (last written at %d bytes live)", size>>20, p.written.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	held = nil
	runtime.GC()
	time.Sleep(3 * heapSampleEvery)
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "heap profile written") {
		t.Errorf("no log line says the profile was written:\n%s", logs.String())
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-sample_index=inuse_space", path).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "holdHeap") {
		t.Errorf("the profile does not name holdHeap, which held the peak:\n%s", out)
	}
}

// TestHeapProfileUnwritable: a path that cannot be written fails at start,
// not after a long run.
func TestHeapProfileUnwritable(t *testing.T) {
	_, err := startHeapProfile(filepath.Join(t.TempDir(), "missing", "heap.pprof"), slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "heap profile") {
		t.Errorf("error %v, want one saying the heap profile cannot be written", err)
	}
}

// TestTraceIsWritten: heed serve -trace leaves a Go execution trace that
// go tool trace reads (it starts with the runtime's trace header), and
// refuses at once a path it cannot write.
func TestTraceIsWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heed.trace")
	stop, err := startTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // something to trace
	stop()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("go 1.")) || !bytes.Contains(b[:16], []byte(" trace")) {
		t.Fatalf("not a Go execution trace: starts %q", b[:min(len(b), 16)])
	}
	if _, err := startTrace(filepath.Join(t.TempDir(), "no", "such", "dir", "t")); err == nil {
		t.Fatal("a trace into a missing folder was not refused")
	}
}
