package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/relay"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// The agency simulation: k Heed instances, each real (its own SQLite with
// its partition of the country, its own durable consumer of the advisory
// stream, its events stage publishing into the one HEED_EVENTS stream of
// the cluster), and the agency view gathered from that stream while they
// work. Two advisories go out (one due long ago, so its silent cases turn
// overdue at once); organizations answer a share of their mails through
// the links in them; some leave (deactivated). The view must then show,
// for every instance, what that instance's database says.

// eventsStream and eventsPrefix are heed serve's defaults.
const (
	eventsStream = "HEED_EVENTS"
	eventsPrefix = "heed.events"
)

// agencyResult is what one agency run measured.
type agencyResult struct {
	Orgs, K, Hits int
	Mails         int
	Answers       int // answers given through the mails' links
	Deactivated   int // organizations that left
	Events        uint64
	Partitions    []partitionCheck
	Settled       time.Duration // from the last answer to the view matching every database
	// Live: while the instances worked, from JetStream storing an event to
	// the view folding it (Stored), and from the case's change (the event's
	// time) to the view folding it (Change).
	Stored, Change lagStats
	// One: once all is quiet, answers given one at a time, from each
	// answer's return to the view holding its event.
	One    lagStats
	Replay replayStats
}

// partitionCheck is one instance's counts: by its database and by the view.
type partitionCheck struct {
	Source      string
	Orgs        int
	Truth, View map[string]notifier.AgencyCounts
}

func (p partitionCheck) matches() bool { return fmt.Sprint(p.Truth) == fmt.Sprint(p.View) }

type lagStats struct {
	N             int
	P50, P99, Max time.Duration
}

func newLagStats(d []time.Duration) lagStats {
	if len(d) == 0 {
		return lagStats{}
	}
	slices.Sort(d)
	at := func(p float64) time.Duration { return d[min(int(p*float64(len(d))), len(d)-1)] }
	return lagStats{N: len(d), P50: at(0.50), P99: at(0.99), Max: d[len(d)-1]}
}

// replayStats: a view started after the fact reading the whole stream.
type replayStats struct {
	Events    int
	Took      time.Duration // first fold to last
	CPU       time.Duration // of the whole process meanwhile (the cluster's servers included)
	Cases     int           // cases the view holds
	HeapBytes int64         // the view's heap once read
}

// instance is one Heed instance of the simulation.
type instance struct {
	p       int
	source  string
	members []int
	db      *store.DB
	e       *notifier.Engine
	rl      *relay.Relay
	nc      []*nats.Conn
}

func (in *instance) close() {
	for _, nc := range in.nc {
		nc.Close()
	}
	if in.rl != nil {
		in.rl.Close()
	}
	if in.db != nil {
		in.db.Close()
	}
}

// runAgency runs the agency simulation on a country of n over k instances.
func runAgency(ctx context.Context, c *cluster, n nation, k int, dir string) (agencyResult, error) {
	res := agencyResult{Orgs: n.orgs, K: k}
	for i := range n.orgs {
		if n.hit(i) {
			res.Hits++
		}
	}
	nc, js, err := c.connect("heed-sim")
	if err != nil {
		return res, err
	}
	defer nc.Close()
	const stream, subject = "AGENCY_ADVISORIES", "agency.advisories.>"
	// Both streams exist, replicated, before the first Heed starts, as
	// docs/SCALING.md has the operator make them.
	if err := c.createStream(ctx, js, stream, subject); err != nil {
		return res, err
	}
	if err := c.createStream(ctx, js, eventsStream, eventsPrefix+".>"); err != nil {
		return res, err
	}
	mta, err := startSink(true)
	if err != nil {
		return res, err
	}
	defer mta.close()

	instances := make([]*instance, k)
	defer func() {
		for _, in := range instances {
			if in != nil {
				in.close()
			}
		}
	}()
	matcher := subscribers.NewMatcher(subscribers.DefaultAliases())
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for p := range k {
		in, err := startInstance(ctx, c, n, k, p, dir, matcher, mta.addr, logger, stream)
		instances[p] = in
		if err != nil {
			return res, err
		}
	}
	if err := waitConsumers(ctx, js, stream, k); err != nil {
		return res, err
	}

	// The view, and each instance's loops: intake, reminders and delivery,
	// events out.
	view := notifier.NewAgencyView()
	var mu sync.Mutex
	var stored, change []time.Duration
	gnc, gjs, err := c.connect("agency-view")
	if err != nil {
		return res, err
	}
	defer gnc.Close()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan error, 3*k+1)
	goRun := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && runCtx.Err() == nil {
				errs <- err
			}
		}()
	}
	defer func() { stop(); wg.Wait() }()
	goRun(func() error {
		return view.Gather(runCtx, gjs, eventsStream, func(g notifier.Gathered) {
			mu.Lock()
			defer mu.Unlock()
			stored = append(stored, g.Folded.Sub(g.Stored))
			change = append(change, g.Folded.Sub(g.At))
		})
	})
	for _, in := range instances {
		ijs, err := jetstream.New(in.nc[0])
		if err != nil {
			return res, err
		}
		ejs, err := jetstream.New(in.nc[1])
		if err != nil {
			return res, err
		}
		durable := fmt.Sprintf("heed-p%03d", in.p)
		goRun(func() error { return in.e.Run(runCtx) })
		goRun(func() error {
			return in.e.Intake.Run(runCtx, ijs, notifier.IntakeConfig{Stream: stream, Subjects: []string{subject}, Durable: durable})
		})
		goRun(func() error { return in.e.Events.Run(runCtx, ejs) })
	}

	for _, a := range []struct{ id, due string }{{"AGENCY-1", ""}, {"AGENCY-2", "2026-01-05T00:00:00Z"}} {
		if _, err := publish(ctx, js, strings.Replace(subject, ">", "pulse", 1), a.id, []byte(agencyAdvisory(a.id, a.due)), logger); err != nil {
			return res, err
		}
	}
	links, err := mta.waitLinks(2*res.Hits, 10*time.Minute, errs)
	if err != nil {
		return res, err
	}
	res.Mails = len(links)

	// A quarter of the mails are answered "patched", a quarter "will patch
	// by" a date (in the order of their links, which start with the case
	// id: within the second it was opened, random, so no organization or
	// advisory is favoured); every twentieth organization hit leaves.
	slices.SortFunc(links, func(a, b mailLink) int { return strings.Compare(a.token, b.token) })
	for j, l := range links {
		var in notifier.AnswerInput
		switch j % 4 {
		case 0:
			in = notifier.AnswerInput{Status: notifier.AnswerPatched, Version: "9.0R3.4"}
		case 1:
			in = notifier.AnswerInput{Status: notifier.AnswerScheduled, Until: time.Now().Add(72 * time.Hour)}
		default:
			continue
		}
		org, err := orgOfRecipient(l.rcpt)
		if err != nil {
			return res, err
		}
		if _, err := instances[partition(orgID(org), k)].e.Answers.RecordAnswer(ctx, l.token, in); err != nil {
			return res, fmt.Errorf("answer of %s: %w", l.rcpt, err)
		}
		res.Answers++
	}
	hit := 0
	for i := range n.orgs {
		if !n.hit(i) {
			continue
		}
		if hit++; hit%20 == 0 {
			if _, err := instances[partition(orgID(i), k)].e.Orgs.Deactivate(ctx, orgID(i)); err != nil {
				return res, fmt.Errorf("deactivate %s: %w", orgID(i), err)
			}
			res.Deactivated++
		}
	}
	answered := time.Now()
	if err := settle(ctx, js, instances, view, &res, errs); err != nil {
		return res, err
	}
	res.Settled = time.Since(answered)
	mu.Lock()
	res.Stored, res.Change = newLagStats(stored), newLagStats(change)
	mu.Unlock()
	if res.One, err = oneAtATime(ctx, instances, view, links, k); err != nil {
		return res, err
	}
	stop()
	wg.Wait()
	res.Replay, err = replay(ctx, c)
	return res, err
}

// oneAtATime answers, one after the other, up to 50 mails not yet answered
// (of organizations still followed) and times each from the answer's
// return to the view having read its event: what an agency waits, on a
// quiet system, to see an answer.
func oneAtATime(ctx context.Context, instances []*instance, view *notifier.AgencyView, links []mailLink, k int) (lagStats, error) {
	var took []time.Duration
	for j, l := range links {
		if j%4 < 2 || len(took) == 50 {
			continue // answered already
		}
		org, err := orgOfRecipient(l.rcpt)
		if err != nil {
			return lagStats{}, err
		}
		before := view.Progress().LastSeq
		_, err = instances[partition(orgID(org), k)].e.Answers.RecordAnswer(ctx, l.token, notifier.AnswerInput{Status: notifier.AnswerMitigated})
		if errors.Is(err, notifier.ErrCaseClosed) {
			continue // its organization left
		}
		if err != nil {
			return lagStats{}, fmt.Errorf("answer of %s: %w", l.rcpt, err)
		}
		start, deadline := time.Now(), time.Now().Add(time.Minute)
		for view.Progress().LastSeq == before {
			if time.Now().After(deadline) {
				return lagStats{}, fmt.Errorf("the answer of %s not in the view after a minute", l.rcpt)
			}
			time.Sleep(time.Millisecond)
		}
		took = append(took, time.Since(start))
	}
	return newLagStats(took), nil
}

// startInstance registers partition p's organizations in a database of its
// own and makes its engine, with events on, relaying to the sink.
func startInstance(ctx context.Context, c *cluster, n nation, k, p int, dir string, m *subscribers.Matcher, relayAddr string,
	logger *slog.Logger, stream string) (*instance, error) {
	in := &instance{p: p, source: fmt.Sprintf("https://p%03d.heed.example", p), members: n.members(p, k)}
	var err error
	if in.db, err = store.Open(ctx, filepath.Join(dir, fmt.Sprintf("agency-p%03d.db", p))); err != nil {
		return in, err
	}
	if err := n.register(ctx, in.db, m, in.members); err != nil {
		return in, err
	}
	if in.rl, err = relay.New(relay.Config{Addr: relayAddr, TLS: relay.TLSNone, MaxConns: 4}); err != nil {
		return in, err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	in.e, err = notifier.New(notifier.Config{DB: in.db, Matcher: m, Relay: in.rl, Senders: 4, AckSecret: secret, Logger: logger,
		PublicURL: in.source, From: "Heed <heed@heed.example>",
		Events: &notifier.EventsConfig{Stream: eventsStream, SubjectPrefix: eventsPrefix, Source: in.source}})
	if err != nil {
		return in, err
	}
	// Two connections, as heed serve's intake and events stage would share
	// one: here each has its own so that one's backlog never waits on the
	// other's.
	for _, name := range []string{"intake", "events"} {
		nc, _, err := c.connect(fmt.Sprintf("heed-p%03d-%s", p, name))
		if err != nil {
			return in, err
		}
		in.nc = append(in.nc, nc)
	}
	durable := fmt.Sprintf("heed-p%03d", p)
	js, err := jetstream.New(in.nc[0])
	if err != nil {
		return in, err
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{Durable: durable, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: 5 * time.Minute}); err != nil {
		return in, fmt.Errorf("consumer %s: %w", durable, err)
	}
	return in, nil
}

// settle waits until every instance has published all its events, the
// overdue advisory's silent cases are all marked overdue, and the view has
// read the whole stream; then it checks the view against each database.
func settle(ctx context.Context, js jetstream.JetStream, instances []*instance, view *notifier.AgencyView, res *agencyResult, errs chan error) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		select {
		case err := <-errs:
			return err
		default:
		}
		checks, waiting, err := check(ctx, instances, view)
		if err != nil {
			return err
		}
		s, err := js.Stream(ctx, eventsStream)
		if err != nil {
			return err
		}
		info, err := s.Info(ctx)
		if err != nil {
			return err
		}
		res.Events, res.Partitions = info.State.LastSeq, checks
		if waiting == "" && view.Progress().LastSeq < info.State.LastSeq {
			waiting = fmt.Sprintf("the view has read %d of %d events", view.Progress().LastSeq, info.State.LastSeq)
		}
		mismatch := ""
		for _, p := range checks {
			if !p.matches() {
				mismatch = fmt.Sprintf("%s: view %v, database %v", p.Source, p.View, p.Truth)
			}
		}
		if waiting == "" && mismatch == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the view does not match after 5 minutes: %s%s", waiting, mismatch)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// check reads each instance's counts and the view's; waiting says what is
// not yet done ("" when everything is published and marked).
func check(ctx context.Context, instances []*instance, view *notifier.AgencyView) ([]partitionCheck, string, error) {
	var out []partitionCheck
	waiting := ""
	for _, in := range instances {
		pc := partitionCheck{Source: in.source, Orgs: len(in.members)}
		err := in.db.View(ctx, func(tx *store.Tx) error {
			left, err := tx.UnpublishedEventCount()
			if err != nil {
				return err
			}
			if left > 0 {
				waiting = fmt.Sprintf("%s has %d events to publish; ", in.source, left)
			}
			pc.Truth, err = notifier.AgencyCountsOf(tx)
			return err
		})
		if err != nil {
			return nil, "", err
		}
		if c := pc.Truth["AGENCY-2"]; c.Overdue != c.Silent {
			waiting = fmt.Sprintf("%s: %d of %d silent cases of AGENCY-2 seen overdue; ", in.source, c.Overdue, c.Silent)
		}
		pc.View = view.Advisories(in.source)
		out = append(out, pc)
	}
	return out, waiting, nil
}

// replay gathers the whole stream afresh, as a view started after the fact
// (or restarted) does, and measures its rate.
func replay(ctx context.Context, c *cluster) (replayStats, error) {
	var r replayStats
	nc, js, err := c.connect("agency-replay")
	if err != nil {
		return r, err
	}
	defer nc.Close()
	s, err := js.Stream(ctx, eventsStream)
	if err != nil {
		return r, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return r, err
	}
	events := info.State.LastSeq
	view := notifier.NewAgencyView()
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	var first, last time.Time
	var n int
	reached := make(chan struct{})
	cpu0 := proctime.CPU()
	done := make(chan error, 1)
	go func() {
		done <- view.Gather(gctx, js, eventsStream, func(g notifier.Gathered) {
			if first.IsZero() {
				first = g.Folded
			}
			last = g.Folded
			n++
			if g.Seq == events {
				close(reached)
			}
		})
	}()
	select {
	case <-reached:
	case err := <-done:
		return r, fmt.Errorf("replay: %v", err)
	case <-time.After(10 * time.Minute):
		return r, fmt.Errorf("replay: not at event %d after 10 minutes", events)
	}
	r.CPU = proctime.CPU() - cpu0
	stop()
	if err := <-done; err != nil {
		return r, err
	}
	r.Events, r.Took, r.Cases = n, last.Sub(first), view.Progress().Cases
	// The view's size: the heap with it, then without it.
	var with, without runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&with)
	runtime.KeepAlive(view)
	view = nil
	runtime.GC()
	runtime.ReadMemStats(&without)
	r.HeapBytes = int64(with.HeapAlloc) - int64(without.HeapAlloc)
	return r, nil
}

// orgOfRecipient is the organization a primary contact belongs to.
func orgOfRecipient(rcpt string) (int, error) {
	var i int
	if _, err := fmt.Sscanf(rcpt, "security@org%d.example", &i); err != nil {
		return 0, fmt.Errorf("recipient %q is none of the country's", rcpt)
	}
	return i, nil
}

// agencyAdvisory is the simulation's advisory (the same product and range
// as advisoryDoc) under another id, due at due when not "".
func agencyAdvisory(id, due string) string {
	doc := strings.Replace(advisoryDoc, `"SIM-1"`, fmt.Sprintf("%q", id), 1)
	if due != "" {
		doc = strings.Replace(doc, `"severity"`, fmt.Sprintf(`"due": %q, "severity"`, due), 1)
	}
	return doc
}

// agencyMain is "heed-sim agency": the agency view over k real instances.
func agencyMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("heed-sim agency", flag.ContinueOnError)
	fs.SetOutput(stderr)
	orgs := fs.Int("orgs", 20000, "organizations in the country")
	k := fs.Int("k", 4, "Heed instances (partitions), each run for real")
	items := fs.Int("items", 10, "inventory items per organization")
	everyone := fs.Bool("everyone", false, "the advisories hit every organization (default: 6%)")
	nodes := fs.Int("nodes", 3, "NATS servers in the cluster (the streams have as many replicas)")
	dir := fs.String("dir", "", "work directory (default: a temporary one, removed)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *orgs < 1 || *k < 1 || *k > *orgs || *items < 1 || *nodes < 1 {
		fmt.Fprintln(stderr, "heed-sim agency: -orgs, -k, -items and -nodes must be at least 1, and -k at most -orgs")
		return 2
	}
	c, work, cleanup, err := setUp(*dir, *nodes)
	if err != nil {
		fmt.Fprintf(stderr, "heed-sim agency: %v\n", err)
		return 1
	}
	defer cleanup()
	fmt.Fprintf(stderr, "heed-sim agency: %d organizations over %d instances, %d NATS servers...\n", *orgs, *k, *nodes)
	res, err := runAgency(ctx, c, nation{orgs: *orgs, itemsPerOrg: *items, everyone: *everyone}, *k, work)
	if err != nil {
		fmt.Fprintf(stderr, "heed-sim agency: %v\n", err)
		return 1
	}
	res.print(stdout)
	return 0
}

func (r agencyResult) print(w io.Writer) {
	fmt.Fprintf(w, "agency view: %d organizations over %d instances; %d hit by each of AGENCY-1 and AGENCY-2 (due long ago)\n", r.Orgs, r.K, r.Hits)
	fmt.Fprintf(w, "  %d mails, %d answered through their links; organizations deactivated: %d; %d events in %s\n",
		r.Mails, r.Answers, r.Deactivated, r.Events, eventsStream)
	for _, p := range r.Partitions {
		verdict := "matches its database"
		if !p.matches() {
			verdict = "DOES NOT match its database"
		}
		fmt.Fprintf(w, "  %s (%d organizations): view %s\n", p.Source, p.Orgs, verdict)
		for _, adv := range slices.Sorted(maps.Keys(p.Truth)) {
			t := p.Truth[adv]
			fmt.Fprintf(w, "    %s: opened %d, answered %d, silent %d, overdue %d, closed %d\n", adv, t.Opened, t.Answered, t.Silent, t.Overdue, t.Closed)
		}
	}
	fmt.Fprintf(w, "  the view matched every database %.0f ms after the last answer\n", ms(r.Settled))
	fmt.Fprintf(w, "  live lag over %d events: stored by JetStream to folded p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		r.Stored.N, ms(r.Stored.P50), ms(r.Stored.P99), ms(r.Stored.Max))
	fmt.Fprintf(w, "                           case changed to folded p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		ms(r.Change.P50), ms(r.Change.P99), ms(r.Change.Max))
	fmt.Fprintf(w, "  %d answers one at a time, once quiet: answer given to the view holding it p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		r.One.N, ms(r.One.P50), ms(r.One.P99), ms(r.One.Max))
	rp := r.Replay
	fmt.Fprintf(w, "  replay: %d events read afresh in %.3f s: %.0f events/s, %.0f µs of CPU an event (the process: view and NATS servers); view heap %.1f MB for %d cases (%.0f bytes a case)\n",
		rp.Events, rp.Took.Seconds(), float64(rp.Events)/max(rp.Took.Seconds(), 1e-9), float64(rp.CPU.Microseconds())/float64(max(rp.Events, 1)),
		float64(rp.HeapBytes)/1e6, rp.Cases, float64(rp.HeapBytes)/float64(max(rp.Cases, 1)))
}
