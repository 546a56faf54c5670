package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/formats"
	"github.com/heed-dev/heed/notifier/relay"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/nats-io/nats.go/jetstream"
)

// result is what one run measured: one advisory published to the
// cluster, consumed by k Heed instances, each owning one partition of the
// organizations; the instance with the most organizations to mail (the
// one that finishes last) runs for real.
type result struct {
	Orgs, Items, K      int     // the country, and the instances it is split over
	PartOrgs, PartItems int     // the real instance's organizations and items
	PartHits, MaxHits   int     // organizations it mails; the most of any instance (the same)
	TotalHits           int     // organizations the advisory hits in the country
	Candidates          int     // items the real instance read as candidates
	RegisterS           float64 // writing its organizations into SQLite, s
	MatchMS             float64 // matching the advisory through SQLite (best of 10 previews), ms
	FanoutMS            float64 // publish to the last of the k consumers holding the advisory, ms
	FirstMailMS         float64 // publish to the first mail accepted by the relay, ms
	LastMailS           float64 // publish to the last of its organizations mailed, s
	MailsPerS           float64 // its mails over the time from publish to the last
	CPUS                float64 // CPU time the process spent from publish to the last mail, s
	DBMB                float64 // its SQLite database (with WAL), MB
	Repeated, Foreign   int     // mails beyond one per organization; mails to others than its own organizations hit (both must be 0)
}

// header and row write results as CSV, the columns in result's order.
const header = "orgs,items_per_org,k,part_orgs,part_items,part_hits,max_hits,total_hits,candidates,register_s,match_ms,fanout_ms,first_mail_ms,last_mail_s,mails_per_s,cpu_s,db_mb,repeated,foreign"

func (r result) row() string {
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d,%d,%d,%d,%.1f,%.1f,%.1f,%.1f,%.2f,%.0f,%.2f,%.1f,%d,%d",
		r.Orgs, r.Items, r.K, r.PartOrgs, r.PartItems, r.PartHits, r.MaxHits, r.TotalHits, r.Candidates,
		r.RegisterS, r.MatchMS, r.FanoutMS, r.FirstMailMS, r.LastMailS, r.MailsPerS, r.CPUS, r.DBMB, r.Repeated, r.Foreign)
}

// run simulates one advisory reaching a country of orgs organizations split
// over k Heed instances. The instance that mails the most organizations is
// a real Heed engine (its SQLite in dir, JetStream intake with its own
// durable consumer, delivery to a local go-smtp relay with 4 connections
// and 4 senders, heed serve's defaults); the k-1 others are durable
// consumers that record when the advisory reached them. Instances are
// meant to run on machines of their own, so the run's time to reach every
// organization is the real instance's.
func run(ctx context.Context, c *cluster, n nation, k int, dir string, seq int) (result, error) {
	r := result{Orgs: n.orgs, Items: n.itemsPerOrg, K: k}
	// Warnings and errors of the engine and of the run go to stderr: a run
	// that waited on a retry says so.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hits := n.hits(k)
	p := 0
	for i, h := range hits {
		r.TotalHits += h
		if h > hits[p] {
			p = i
		}
	}
	r.PartHits, r.MaxHits = hits[p], hits[p]
	members := n.members(p, k)
	r.PartOrgs, r.PartItems = len(members), len(members)*n.itemsPerOrg

	dbPath := filepath.Join(dir, fmt.Sprintf("heed-%d.db", seq))
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return r, err
	}
	defer db.Close()
	matcher := subscribers.NewMatcher(subscribers.DefaultAliases())
	start := time.Now()
	if err := n.register(ctx, db, matcher, members); err != nil {
		return r, err
	}
	// An agency registers its organizations long before an advisory: the
	// advisory must not pay for copying the import's log.
	if err := db.Checkpoint(ctx); err != nil {
		return r, err
	}
	r.RegisterS = time.Since(start).Seconds()

	mta, err := startSink(false)
	if err != nil {
		return r, err
	}
	defer mta.close()
	rl, err := relay.New(relay.Config{Addr: mta.addr, TLS: relay.TLSNone, MaxConns: 4})
	if err != nil {
		return r, err
	}
	defer rl.Close()
	secret := make([]byte, 32)
	rand.Read(secret)
	e, err := notifier.New(notifier.Config{DB: db, Matcher: matcher, Relay: rl, Senders: 4, AckSecret: secret, Logger: logger,
		PublicURL: "https://heed.example", From: "Heed <heed@heed.example>"})
	if err != nil {
		return r, err
	}
	adv, err := formats.Parse([]byte(advisoryDoc))
	if err != nil {
		return r, err
	}
	if r.MatchMS, r.Candidates, err = matchCost(ctx, e, db, matcher, adv); err != nil {
		return r, err
	}

	stream, subject := fmt.Sprintf("ADVISORIES_%d", seq), fmt.Sprintf("sim%d.advisories.>", seq)
	nc, js, err := c.connect("heed-sim")
	if err != nil {
		return r, err
	}
	defer nc.Close()
	if err := c.createStream(ctx, js, stream, subject); err != nil {
		return r, err
	}
	var peers []*peer
	defer func() {
		for _, pr := range peers {
			pr.nc.Close()
		}
	}()
	for i := range k {
		if i == p {
			continue
		}
		pr, err := c.addPeer(ctx, stream, fmt.Sprintf("heed-p%03d", i))
		if err != nil {
			return r, err
		}
		peers = append(peers, pr)
	}
	// The real instance's durable consumer exists, with a leader, before
	// its intake starts: a durable outlives restarts, so a running Heed
	// always finds its own. (A pull sent to a consumer whose leader the
	// cluster has not yet elected is answered only when it expires, 30 s
	// later: a first start on a new stream can miss its first advisory by
	// that long.)
	own := fmt.Sprintf("heed-p%03d", p)
	if _, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{Durable: own, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: 5 * time.Minute}); err != nil {
		return r, fmt.Errorf("consumer %s: %w", own, err)
	}
	if err := waitConsumers(ctx, js, stream, k); err != nil {
		return r, err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	inc, ijs, err := c.connect(own)
	if err != nil {
		return r, err
	}
	defer inc.Close()
	// A loop that ends before the run does ends the run with its error,
	// rather than leaving it to wait for mails that cannot come.
	done, errs := make(chan struct{}, 2), make(chan error, 2)
	goRun := func(name string, f func() error) {
		go func() {
			defer func() { done <- struct{}{} }()
			if err := f(); runCtx.Err() == nil {
				if err == nil {
					err = errors.New("returned")
				}
				errs <- fmt.Errorf("%s stopped before the run ended: %w", name, err)
			}
		}()
	}
	goRun("engine", func() error { return e.Run(runCtx) })
	goRun("intake", func() error {
		return e.Intake.Run(runCtx, ijs, notifier.IntakeConfig{Stream: stream, Subjects: []string{subject}, Durable: own})
	})
	defer func() { stop(); <-done; <-done }()
	for _, pr := range peers {
		if err := pr.start(); err != nil {
			return r, err
		}
	}

	// The CPU time is the whole process's: the real instance's work, the
	// NATS servers' and the relay's.
	cpu0 := proctime.CPU()
	published, err := publish(ctx, js, strings.Replace(subject, ">", "pulse", 1), "SIM-1", []byte(advisoryDoc), logger)
	if err != nil {
		return r, err
	}
	var lastPeer time.Time
	for _, pr := range peers {
		select {
		case at := <-pr.received:
			if at.After(lastPeer) {
				lastPeer = at
			}
		case <-time.After(2 * time.Minute):
			return r, fmt.Errorf("a consumer did not get the advisory within 2 minutes")
		}
	}
	first, last, repeated, err := mta.waitFor(r.PartHits, 30*time.Minute, errs)
	if err != nil {
		return r, err
	}
	if len(peers) > 0 {
		r.FanoutMS = ms(lastPeer.Sub(published))
	}
	r.CPUS = (proctime.CPU() - cpu0).Seconds()
	r.FirstMailMS = ms(first.Sub(published))
	r.LastMailS = last.Sub(published).Seconds()
	r.MailsPerS = float64(r.PartHits) / r.LastMailS
	r.Repeated = repeated
	hit := map[string]bool{}
	for _, i := range members {
		if n.hit(i) {
			hit[fmt.Sprintf("security@org%d.example", i)] = true
		}
	}
	for rcpt := range mta.recipients() {
		if !hit[rcpt] {
			r.Foreign++
		}
	}
	r.DBMB = fileMB(dbPath, dbPath+"-wal")
	return r, nil
}

// matchCost previews the advisory ten times, as heed advisory match does,
// and returns the best time (the one least disturbed by other work on a
// shared machine) and the number of candidate items.
func matchCost(ctx context.Context, e *notifier.Engine, db *store.DB, m *subscribers.Matcher, adv *advisory.Advisory) (float64, int, error) {
	var times []float64
	for range 10 {
		start := time.Now()
		if _, err := e.Cases.Preview(ctx, adv); err != nil {
			return 0, 0, err
		}
		times = append(times, ms(time.Since(start)))
	}
	slices.Sort(times)
	var candidates int
	err := db.View(ctx, func(tx *store.Tx) error {
		keys, all := m.Prepare(adv.Affected).Keys()
		items, err := tx.ItemsByKeys(keys, all)
		candidates = len(items)
		return err
	})
	return times[0], candidates, err
}

// waitConsumers waits until the stream has k consumers, each with a
// leader elected in the cluster: the real instance's intake creates its
// own as it starts, and a consumer without a leader delivers nothing yet.
// A request that fails (late on a loaded machine, or asked of a stream
// between two leaders) is asked again.
func waitConsumers(ctx context.Context, js jetstream.JetStream, stream string, k int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ready, err := readyConsumers(ctx, js, stream)
		if err == nil && ready >= k {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("%d of %d consumers ready", ready, k)
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("stream %s after 2 minutes: %w", stream, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readyConsumers counts the stream's consumers that have a leader.
func readyConsumers(ctx context.Context, js jetstream.JetStream, stream string) (int, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	ready := 0
	consumers := s.ListConsumers(ctx)
	for info := range consumers.Info() {
		if info.Cluster == nil || info.Cluster.Leader != "" {
			ready++
		}
	}
	return ready, consumers.Err()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fileMB(paths ...string) float64 {
	var n int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return float64(n) / 1e6
}
