package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Two "heed serve" on the same stream must never both act: only the holder
// of a lease, a key in a JetStream key-value bucket whose entries expire
// after the lease's TTL, reads advisories, sends mail and runs the timers.
// The other is a standby: it serves HTTP and waits.
//
// Timing, with TTL the bucket's TTL (ha.lease_ttl, 10s by default):
//   - the holder renews every TTL/5, so it has four chances to reach NATS
//     before it must give up;
//   - the holder's own deadline is the moment it sent its last successful
//     renewal plus TTL minus a margin of TTL/5: the server stored that
//     renewal after it was sent, so it expires it later still, and nobody
//     can Create the key before then. At its deadline the holder stops its
//     loops (the fence), leaving the margin for them to stop. This holds
//     as long as the two machines' clocks run at the same rate (not that
//     they show the same time: both measure elapsed time);
//   - a standby tries Create every second, so after a kill -9 it takes over
//     within TTL + 1s (+ the server's expiry timer), 11 to 12 s by default:
//     inside the 15 s promised.
const (
	leaseBucket = "heed_lease"
	leaseRetry  = time.Second
)

// lease is one process's hold, or wait, on the lease of a stream and
// consumer (NATSConfig.leaseKey).
type lease struct {
	kv     jetstream.KeyValue
	key    string // one active Heed per stream and consumer
	ttl    time.Duration
	me     leaseHolder
	active atomic.Bool
	log    *slog.Logger
	// lockPath is a file beside the database that the holder keeps locked
	// (flock) while it acts: a process on the same host that can lock it
	// knows that the holder named there has died, and takes over at once
	// instead of waiting for the TTL.
	lockPath string
	lock     *os.File
}

// leaseHolder is what the lease's value says of its holder.
type leaseHolder struct {
	Host  string `json:"host"`
	PID   int    `json:"pid"`
	Store string `json:"store"` // the database's absolute path
}

// leaseReplicas is the number of replicas of the lease bucket as it exists
// (an operator creates it with 3 on a cluster: docs/SCALING.md), or 1 for a
// new one. Updating the bucket to the TTL must not bring its replicas down
// to the one a configuration without them asks for.
func leaseReplicas(ctx context.Context, js jetstream.JetStream) int {
	kv, err := js.KeyValue(ctx, leaseBucket)
	if err != nil {
		return 1
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return 1
	}
	if b, ok := st.(*jetstream.KeyValueBucketStatus); ok && b.StreamInfo() != nil {
		return max(b.StreamInfo().Config.Replicas, 1)
	}
	return 1
}

// openLease creates (or updates to ttl) the lease bucket on js.
func openLease(ctx context.Context, js jetstream.JetStream, key, storePath string, ttl time.Duration, log *slog.Logger) (*lease, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: leaseBucket, TTL: ttl, History: 1,
		Description: "which heed serve acts on each stream; the others are standbys", Replicas: leaseReplicas(ctx, js)})
	if err != nil {
		return nil, fmt.Errorf("lease bucket %s: %w", leaseBucket, err)
	}
	abs, err := filepath.Abs(storePath)
	if err != nil {
		return nil, fmt.Errorf("lease: %w", err)
	}
	host, _ := os.Hostname()
	return &lease{kv: kv, key: key, ttl: ttl, log: log, lockPath: abs + ".active",
		me: leaseHolder{Host: host, PID: os.Getpid(), Store: abs}}, nil
}

// Role is "active" while this process holds the lease and acts, else "standby".
func (l *lease) Role() string {
	if l.active.Load() {
		return "active"
	}
	return "standby"
}

// run waits for the lease, then runs act with it until ctx ends or the lease
// is lost (act's context is cancelled at the fence), then waits again. On
// the way out it lets the lease go, so that a standby takes over at once.
func (l *lease) run(ctx context.Context, act func(context.Context) error) error {
	for {
		rev, sent, err := l.acquire(ctx)
		if err != nil {
			return nil // ctx ended
		}
		l.log.Info("lease taken: this heed serve is the active one", "lease", l.key)
		actCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		l.active.Store(true)
		go func() { done <- act(actCtx) }()
		rev, lost := l.keep(actCtx, rev, sent, done)
		stop()
		actErr := <-done
		l.active.Store(false)
		l.release(rev, lost)
		if ctx.Err() != nil || actErr != nil {
			return actErr
		}
		l.log.Warn("lease lost: stopped acting; standby again", "lease", l.key)
	}
}

// acquire waits until this process holds the lease; it returns the revision
// held and when the request that took it was sent.
func (l *lease) acquire(ctx context.Context) (uint64, time.Time, error) {
	value, _ := json.Marshal(l.me)
	told := ""
	for {
		sent := time.Now()
		rev, err := l.kv.Create(ctx, l.key, value)
		if err == nil {
			if l.lockActive() {
				return rev, sent, nil
			}
			// Another process on this host still acts on this database
			// (it lost the lease but has not stopped yet): wait for it.
			l.kv.Delete(ctx, l.key, jetstream.LastRevision(rev))
		} else if errors.Is(err, jetstream.ErrKeyExists) {
			if e, gerr := l.kv.Get(ctx, l.key); gerr == nil {
				var h leaseHolder
				json.Unmarshal(e.Value(), &h)
				if h.Host == l.me.Host && h.Store == l.me.Store && l.lockActive() {
					// The holder ran here, on this database, and the kernel
					// has released its lock: it is gone.
					if rev, err := l.kv.Update(ctx, l.key, value, e.Revision()); err == nil {
						l.log.Info("lease: its holder on this host has stopped; taking over at once", "holder_pid", h.PID)
						return rev, sent, nil
					}
					l.unlockActive()
				}
				if s := fmt.Sprintf("%s pid %d", h.Host, h.PID); s != told {
					told = s
					l.log.Info("standby: another heed serve holds the lease; waiting", "lease", l.key, "holder", s, "ttl", l.ttl)
				}
			}
		} else if ctx.Err() == nil {
			l.log.Warn("lease: cannot reach the bucket; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return 0, time.Time{}, ctx.Err()
		case <-time.After(leaseRetry):
		}
	}
}

// keep renews the lease until ctx ends, act returns (its error is left in
// done), or the fence: the moment the lease may have expired for everyone
// else. lost reports the fence, or a lease taken by another.
func (l *lease) keep(ctx context.Context, rev uint64, sent time.Time, done chan error) (_ uint64, lost bool) {
	value, _ := json.Marshal(l.me)
	margin := l.ttl / 5
	tick := time.NewTicker(l.ttl / 5)
	defer tick.Stop()
	for {
		fence := sent.Add(l.ttl - margin)
		select {
		case <-ctx.Done():
			return rev, false
		case err := <-done:
			done <- err
			return rev, false
		case <-time.After(time.Until(fence)):
			l.log.Error("lease not renewed in time: stopping before another heed serve may take over", "lease", l.key, "ttl", l.ttl)
			return rev, true
		case <-tick.C:
		}
		try := time.Now()
		rctx, cancel := context.WithDeadline(ctx, fence)
		next, err := l.kv.Update(rctx, l.key, value, rev)
		cancel()
		switch {
		case err == nil:
			rev, sent = next, try
		case errors.Is(err, jetstream.ErrKeyRevisionMismatch):
			l.log.Error("lease taken by another heed serve: stopping", "lease", l.key)
			return rev, true
		case ctx.Err() == nil:
			l.log.Warn("lease: renewal failed; retrying until the fence", "err", err, "fence_in", time.Until(fence).Round(time.Millisecond))
		}
	}
}

// release lets the lease go after act has stopped: a standby takes over at
// once rather than after the TTL. A lost lease is not this process's to delete.
func (l *lease) release(rev uint64, lost bool) {
	if !lost {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := l.kv.Delete(ctx, l.key, jetstream.LastRevision(rev)); err != nil {
			l.log.Warn("lease: could not let it go; a standby takes over after the TTL", "err", err)
		}
	}
	l.unlockActive()
}

// lockActive takes the holder's lock file without waiting; false when
// another process holds it.
func (l *lease) lockActive() bool {
	if l.lock != nil {
		return true
	}
	f, err := os.OpenFile(l.lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		l.log.Warn("lease: lock file", "err", err)
		return false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return false
	}
	l.lock = f
	return true
}

func (l *lease) unlockActive() {
	if l.lock != nil {
		l.lock.Close() // closing releases the flock
		l.lock = nil
	}
}

// lockDatabase locks a file beside the database for the life of the
// process. With the embedded NATS server, a second heed serve would have a
// NATS of its own, where the lease cannot see the first: it locks
// exclusively, so it refuses to run beside any other heed serve on this
// database. On an external NATS server the lease decides who acts: it locks
// shared, so that it still refuses to run beside an embedded one.
func lockDatabase(storePath string, exclusive bool) (*os.File, error) {
	path := storePath + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock the database: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the database: %w", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another heed serve is running on the database %s (it holds %s): stop it, or give this one its own store.path; "+
				"to run a standby, point both at the same external NATS server (nats.url), see \"Running a standby\" in the README", storePath, path)
		}
		return nil, fmt.Errorf("lock the database %s: %w", path, err)
	}
	return f, nil
}
