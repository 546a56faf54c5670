//go:build !drill

package main

import (
	"testing"
	"time"
)

// The short drills, run by go test ./... so that CI keeps them true: a
// fan-out of 1,000 organizations and short failures.
var drillSize = drillScale{Orgs: 1000, Kills: 3, Refuse: time.Second, Outage: 3 * time.Second,
	Policy: 3 * time.Second, Lock: 12 * time.Second, DiskFull: 8 * time.Second, Deadline: 3 * time.Minute}

// drillParallel runs the short drills side by side, to keep CI short.
func drillParallel(t *testing.T) { t.Parallel() }
