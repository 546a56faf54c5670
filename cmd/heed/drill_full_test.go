//go:build drill

package main

import (
	"testing"
	"time"
)

// The full drills of docs/RELIABILITY.md:
//
//	go test -tags drill -run Drill -timeout 2h -v ./cmd/heed
var drillSize = drillScale{Orgs: 10000, Kills: 20, Refuse: 10 * time.Second, Outage: 60 * time.Second,
	Policy: 30 * time.Second, Lock: 30 * time.Second, DiskFull: 60 * time.Second, Deadline: 15 * time.Minute}

// drillParallel runs the full drills one after another: side by side, they
// would measure the machine rather than Heed.
func drillParallel(*testing.T) {}
