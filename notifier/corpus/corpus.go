// Package corpus finds, for tests, the shared corpus of real advisories. The
// documents are not the project's to copy, so they live beside the
// repository, in ../shared/corpus, not in it.
package corpus

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Require is the environment variable that makes a missing corpus fail the
// test instead of skipping it; CI sets it, so it cannot go green by skipping.
const Require = "HEED_REQUIRE_CORPUS"

// Dir returns the corpus directory. Without it the test is skipped, or fails
// when Require is set.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv(Require) != "" {
			t.Fatalf("no corpus at %s, and %s is set: %v", dir, Require, err)
		}
		t.Skipf("no corpus at %s (it lives beside the repository; %s=1 makes this a failure): %v", dir, Require, err)
	}
	return dir
}
