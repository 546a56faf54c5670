// Package eventually waits, in tests, for what another goroutine or process
// does on its own time: a mail reaching a test relay, a row written by a
// running server. It is the one poll-until-deadline loop of the test suite.
package eventually

import (
	"errors"
	"testing"
	"time"
)

// every is how often a condition is checked.
const every = 10 * time.Millisecond

// Check calls check until it returns nil. If that has not happened within
// the given time, the test fails with check's last error, which should say
// what was expected and what was seen.
func Check(t testing.TB, within time.Duration, check func() error) {
	t.Helper()
	if err := Wait(within, check); err != nil {
		t.Fatalf("after %s: %v", within, err)
	}
}

// True calls cond until it returns true. If that has not happened within
// the given time, the test fails saying that what never came.
func True(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if Wait(within, func() error {
		if !cond() {
			return errNotYet
		}
		return nil
	}) != nil {
		t.Fatalf("no %s within %s", what, within)
	}
}

var errNotYet = errors.New("not yet")

// Wait calls check until it returns nil and returns nil, or returns check's
// last error once the given time has passed. Check is the usual entry; Wait
// is for callers that go on after a timeout, such as benchmarks that report.
func Wait(within time.Duration, check func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(every)
	}
}
