package notifier

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/notifier/relay"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// BenchmarkAdvisoryTo10kMails measures one advisory that hits 10,000
// organizations, from ApplyAdvisory (match, open cases, render 10,000 mails
// into the outbox in one transaction) to 10,000 mails accepted by a local
// go-smtp server, with the delivery loop and the relay's pool sized as
// "heed serve" sizes them by default (smtp.max_conns = 4 senders and
// connections). Run with -benchtime=1x; see docs/PERFORMANCE.md.
//
// It runs twice: with [events] off, and on (heed serve's default), where
// each case's opened event is written in its batch's transaction and the
// events stage publishes them to an embedded JetStream meanwhile; s-events
// is when the last of the 10,000 events was acknowledged.
func BenchmarkAdvisoryTo10kMails(b *testing.B) {
	b.Run("events=off", func(b *testing.B) { advisoryTo10kMails(b, false) })
	b.Run("events=on", func(b *testing.B) { advisoryTo10kMails(b, true) })
}

func advisoryTo10kMails(b *testing.B, events bool) {
	// serveMaxConns is smtp.max_conns's default: heed serve gives the relay
	// that many connections and the engine that many senders.
	const serveMaxConns = 4
	const orgs = 10000
	for b.Loop() {
		b.StopTimer()
		mta := listenMTA(b)
		r, err := relay.New(relay.Config{Addr: mta.addr, TLS: relay.TLSNone, MaxConns: serveMaxConns})
		if err != nil {
			b.Fatal(err)
		}
		var opts []func(*Config)
		if events {
			opts = append(opts, withEvents)
		}
		e, _ := newTestEngineAt(b, filepath.Join(b.TempDir(), "heed.db"), opts...)
		e.Delivery.relay, e.Outbox.hold, e.Delivery.senders = r, false, serveMaxConns
		ctx := context.Background()
		addBenchOrgs(b, e, orgs)
		// The delivery loop runs as in "heed serve", so the first batches of
		// mail leave while later ones are still being written.
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 2)
		go func() { done <- e.Run(runCtx) }()
		var js jetstream.JetStream
		if events {
			js = startJetStream(b)
			go func() { done <- e.Events.Run(runCtx, js) }()
		} else {
			done <- nil
		}
		b.StartTimer()

		start, cpu := time.Now(), proctime.CPU()
		out, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3"))
		if err != nil || out.Opened != orgs {
			b.Fatalf("apply: %+v, %v", out, err)
		}
		queued, queuedCPU := time.Since(start), proctime.CPU()-cpu
		eventually.Check(b, 5*time.Minute, func() error {
			if n := mta.total(); n < orgs {
				return fmt.Errorf("%d of %d mails accepted", n, orgs)
			}
			return nil
		})
		total := time.Since(start)
		if events {
			waitPublished(b, js, orgs)
			b.ReportMetric(time.Since(start).Seconds(), "s-events")
		}
		// CPU time (of the whole process: Heed, the test relay and, with
		// events, the embedded NATS server) says what the work costs on a
		// machine shared with other work, where wall time says little.
		b.ReportMetric((proctime.CPU() - cpu).Seconds(), "cpu-s")
		b.ReportMetric(queuedCPU.Seconds(), "cpu-s-to-outbox")
		stop()
		<-done
		<-done
		b.ReportMetric(float64(orgs)/total.Seconds(), "mails/s")
		b.ReportMetric(queued.Seconds(), "s-to-outbox")
		b.ReportMetric(total.Seconds(), "s-total")

		b.StopTimer()
		r.Close() // the test relay stops with the benchmark
		b.StartTimer()
	}
}

// addBenchOrgs creates n organizations, each with one primary contact and
// two items, one of them hit by sa44101("1", "9.0R3.3").
func addBenchOrgs(b *testing.B, e *Engine, n int) {
	b.Helper()
	ctx := context.Background()
	for i := range n {
		org, err := e.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: fmt.Sprintf("Org %05d", i),
			Contacts: []subscribers.ContactSpec{{Email: fmt.Sprintf("sec%05d@org.test", i)}}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{
			{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3", Asset: "vpn"},
			{Vendor: "Fortinet", Product: "FortiOS", Version: "6.4.2"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApply10k measures the apply alone: one advisory opening 10,000
// cases, from ApplyAdvisory to its return (plan, prepare and render each
// batch's notices, write the cases, their items, opened events and mails),
// with nothing else running, case events on as in heed serve. cpu-µs/case
// is the process's CPU time (the apply and the rendering on both cores) per
// case opened. Run with -benchtime=1x; see docs/PERFORMANCE.md.
func BenchmarkApply10k(b *testing.B) {
	const orgs = 10000
	for b.Loop() {
		b.StopTimer()
		e, _ := newTestEngineAt(b, filepath.Join(b.TempDir(), "heed.db"), withEvents)
		addBenchOrgs(b, e, orgs)
		if err := e.db.Checkpoint(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		start, cpu := time.Now(), proctime.CPU()
		out, err := e.Cases.ApplyAdvisory(context.Background(), sa44101("1", "9.0R3.3"))
		if err != nil || out.Opened != orgs {
			b.Fatalf("apply: %+v, %v", out, err)
		}
		b.ReportMetric(float64((proctime.CPU()-cpu).Microseconds())/orgs, "cpu-µs/case")
		b.ReportMetric(float64(time.Since(start).Microseconds())/orgs, "µs/case")
	}
}

// BenchmarkDelivery5k measures the delivery stage alone: 5,000 mails already
// in the outbox, handed to a local go-smtp server by heed serve's 4 senders,
// each claimed before its exchange and recorded after it. Run with
// -benchtime=1x; see docs/PERFORMANCE.md.
func BenchmarkDelivery5k(b *testing.B) {
	const orgs = 5000
	for b.Loop() {
		b.StopTimer()
		mta, r := startMTA(b)
		e, _ := newTestEngine(b)
		e.Outbox.hold, e.Delivery.senders = false, 4
		ctx := context.Background()
		for i := range orgs {
			org, err := e.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: fmt.Sprintf("Org %05d", i),
				Contacts: []subscribers.ContactSpec{{Email: fmt.Sprintf("sec%05d@org.test", i)}}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{
				{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
			b.Fatal(err)
		}
		e.Delivery.relay = r
		b.StartTimer()

		start, cpu := time.Now(), proctime.CPU()
		for mta.total() < orgs {
			if _, err := e.Delivery.deliverDue(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(orgs/time.Since(start).Seconds(), "mails/s")
		// The process's CPU, the SMTP server's included: on the shared
		// machine it moves less than the rate does.
		b.ReportMetric(float64((proctime.CPU()-cpu).Microseconds())/orgs, "cpu-µs/mail")
	}
}

// BenchmarkRecord10kEvents measures what the event rows add to an apply:
// 10,000 opened events (JSON data and the insert) written in one
// transaction, as an advisory hitting 10,000 organizations writes them
// across its batches. Run with -benchtime=1x; see docs/PERFORMANCE.md.
func BenchmarkRecord10kEvents(b *testing.B) {
	const n = 10000
	e, _ := newTestEngineAt(b, filepath.Join(b.TempDir(), "heed.db"), withEvents)
	ctx := context.Background()
	cpu := proctime.CPU()
	for b.Loop() {
		err := e.db.Update(ctx, func(tx *store.Tx) error {
			for i := range n {
				c := &store.Case{ID: fmt.Sprintf("case_%05d", i), AdvisoryID: "SA44101", OrgID: fmt.Sprintf("org_%05d", i),
					State: store.CaseOpen, DueAt: t0.Add(14 * day)}
				if err := e.recordEvent(tx, EventOpened, c, map[string]any{"revision": "1", "severity": "critical"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/event")
	b.ReportMetric(float64((proctime.CPU()-cpu).Microseconds())/float64(b.N*n), "cpu-µs/event")
}
