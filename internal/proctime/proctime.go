// Package proctime reads the CPU time this process has used, for the
// benchmarks and simulations that run on a machine shared with other work:
// there the wall clock measures the wait for the neighbours as much as the
// cost of the code, and the CPU time measures the cost.
package proctime

import (
	"syscall"
	"time"
)

// CPU is the CPU time the process has used so far, user and system; zero
// if the system does not say.
func CPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
