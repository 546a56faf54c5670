package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// subject is where a local run publishes, within heed serve's default
// nats.subjects (advisories.>), owned by the default agency.
const subject = "advisories.load"

// idPrefix starts the ids of a local run's advisories.
const idPrefix = "HEED-LOAD"

// fanoutAdvisory is the advisory every organization of the run is hit by
// (its VPN appliance's version is in the affected range), critical so that
// no business hours hold it. Written for this command, in Heed's own format.
func fanoutAdvisory(id string) []byte {
	return fmt.Appendf(nil, `{
  "heed_advisory": 1,
  "id": %q,
  "revision": 1,
  "publisher": "Heed load run",
  "title": "Pulse Connect Secure: file read before authentication (load run)",
  "severity": "critical",
  "cves": ["CVE-2019-11510"],
  "summary": "A remote attacker without credentials can read files from the appliance, cached credentials included. Upgrade to a fixed release and reset every credential the appliance held.",
  "url": "https://load.test/advisories/%s",
  "published": "2026-01-05T00:00:00Z",
  "remediations": [{"category": "vendor_fix", "details": "Upgrade to 9.0R3.4 or later.", "url": "https://load.test/fix"}],
  "affected": [{"vendor": "Pulse Secure", "product": "Pulse Connect Secure", "scheme": "generic",
    "ranges": [{"introduced": "9.0R1", "fixed": "9.0R3.4"}]}]
}`, id, id)
}

// applianceAdvisory hits organization i alone: the appliance only it runs.
func applianceAdvisory(id string, i int) []byte {
	return fmt.Appendf(nil, `{
  "heed_advisory": 1,
  "id": %q,
  "revision": 1,
  "title": "%s: command injection in the admin page (load run)",
  "severity": "critical",
  "summary": "An authenticated administrator can run commands on the appliance. Upgrade to 2.0.",
  "affected": [{"vendor": "Heed Load", "product": %q, "scheme": "generic", "ranges": [{"introduced": "0", "fixed": "2.0"}]}]
}`, id, applianceProduct(i), applianceProduct(i))
}

// publisher publishes advisories to Heed's stream as "heed publish" or the
// nats CLI would: on subject, with ids starting with prefix.
type publisher struct {
	nc              *nats.Conn
	js              jetstream.JetStream
	subject, prefix string
}

func connectPublisher(url string, opts ...nats.Option) (*publisher, error) {
	nc, err := nats.Connect(url, append(opts, nats.Name("heed-load"))...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &publisher{nc: nc, js: js, subject: subject, prefix: idPrefix}, nil
}

// publish sends one document; until Heed has created its stream (just
// after it became active), it tries again.
func (p *publisher) publish(ctx context.Context, id string, doc []byte) error {
	msg := &nats.Msg{Subject: p.subject, Data: doc, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, id+"@1")
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := p.js.PublishMsg(ctx, msg)
		if err == nil || !errors.Is(err, jetstream.ErrNoStreamResponse) || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("publish %s on %s: %w", id, p.subject, err)
			}
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fanout is what one advisory hitting every organization measured.
type fanout struct {
	Mails     int
	Bytes     int64
	FirstMail time.Duration // from the publish to the first mail accepted
	Took      time.Duration // from the publish to the last
	Rate      float64       // mails a second over Took
	// Problems: recipients that got no mail, more than one, or should not
	// have got one; empty when every primary contact got exactly one.
	Problems []string
	PeakRSS  int64 // Heed's VmHWM, counted from just before the publish
	StartRSS int64 // Heed's VmRSS just before the publish
	// CPU is the processor time Heed, the sink, heed-load and the machine
	// used from the publish to the last mail.
	CPU cpuUse
}

// measureFanout publishes one advisory (id) that hits all n organizations
// and waits until every primary contact has its mail.
func measureFanout(ctx context.Context, h *heedServer, s *sink, p *publisher, id string, n int, timeout time.Duration, progress io.Writer) (fanout, error) {
	var f fanout
	if err := s.reset(ctx); err != nil {
		return f, err
	}
	if err := h.resetPeak(); err != nil {
		return f, err
	}
	startRSS, err := h.memory("VmRSS")
	if err != nil {
		return f, err
	}
	cpu0, err := takeSample(ctx, h, s)
	if err != nil {
		return f, err
	}
	start := time.Now()
	if err := p.publish(ctx, id, fanoutAdvisory(id)); err != nil {
		return f, err
	}
	lastNote := start
	var st sinkStatus
	for {
		var err error
		if st, err = s.status(ctx, false); err != nil {
			return f, err
		}
		if st.Distinct >= n {
			break
		}
		if time.Since(start) > timeout {
			return f, fmt.Errorf("fan-out: %d of %d organizations had their mail after %v", st.Distinct, n, timeout)
		}
		if time.Since(lastNote) >= 5*time.Second {
			lastNote = time.Now()
			fmt.Fprintf(progress, "  fan-out: %d of %d mails accepted after %.1f s\n", st.Total, n, time.Since(start).Seconds())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cpu1, err := takeSample(ctx, h, s)
	if err != nil {
		return f, err
	}
	// A mail sent twice would arrive about now; give it a moment.
	time.Sleep(time.Second)
	if st, err = s.status(ctx, true); err != nil {
		return f, err
	}
	peak, err := h.memory("VmHWM")
	if err != nil {
		return f, err
	}
	f = fanout{Mails: st.Total, Bytes: st.Bytes, FirstMail: time.Duration(st.FirstNS - start.UnixNano()),
		Took: time.Duration(st.LastNS - start.UnixNano()), PeakRSS: peak, StartRSS: startRSS, CPU: cpu1.since(cpu0, h.remote == nil)}
	f.Rate = float64(n) / f.Took.Seconds()
	f.Problems = checkRecipients(st.Recipients, n)
	return f, nil
}

// checkRecipients names what differs from exactly one mail to each primary
// contact of organizations 0..n-1 (at most 10 lines).
func checkRecipients(got map[string]int, n int) []string {
	var problems []string
	note := func(format string, args ...any) {
		if len(problems) < 10 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	want := map[string]bool{}
	for i := range n {
		want[contact(i)] = true
		if c := got[contact(i)]; c != 1 {
			note("%s got %d mails", contact(i), c)
		}
	}
	for _, r := range slices.Sorted(maps.Keys(got)) {
		if !want[r] {
			note("%s got %d mails and should have got none", r, got[r])
		}
	}
	return problems
}

// latencies is the time to the first mail of a round of single-organization
// advisories.
type latencies struct {
	Runs          int
	P50, P99, Max time.Duration
	// Slowest names the slowest advisories of the round, slowest first,
	// with their times: whether they come first (work left from before) or
	// anywhere says what delayed them.
	Slowest  []string
	Problems []string
}

// measureFirstMail publishes runs advisories one after the other, each
// hitting one organization (spread over the n), and times each from its
// publish to its mail's acceptance. Round r's advisories have ids of their
// own.
func measureFirstMail(ctx context.Context, s *sink, p *publisher, n, runs, round int, progress io.Writer) (latencies, error) {
	l := latencies{Runs: runs}
	type timed struct {
		id   string
		took time.Duration
	}
	var took []timed
	for r := range runs {
		i := r * n / runs
		if err := s.reset(ctx); err != nil {
			return l, err
		}
		id := fmt.Sprintf("%s-ONE-%04d", p.prefix, round*runs+r)
		start := time.Now()
		if err := p.publish(ctx, id, applianceAdvisory(id, i)); err != nil {
			return l, err
		}
		var st sinkStatus
		for st.Total == 0 {
			if time.Since(start) > time.Minute {
				return l, fmt.Errorf("%s: no mail within a minute", id)
			}
			time.Sleep(2 * time.Millisecond)
			var err error
			if st, err = s.status(ctx, true); err != nil {
				return l, err
			}
		}
		took = append(took, timed{id, time.Duration(st.FirstNS - start.UnixNano())})
		if st.Recipients[contact(i)] != 1 || st.Total != 1 {
			l.Problems = append(l.Problems, fmt.Sprintf("%s: want one mail to %s, got %v", id, contact(i), st.Recipients))
		}
		if (r+1)%25 == 0 {
			fmt.Fprintf(progress, "  first mail: %d of %d advisories\n", r+1, runs)
		}
	}
	slices.SortFunc(took, func(a, b timed) int { return cmp.Compare(b.took, a.took) })
	for _, t := range took[:min(3, len(took))] {
		l.Slowest = append(l.Slowest, fmt.Sprintf("%s %.0f ms", t.id, ms(t.took)))
	}
	sorted := make([]time.Duration, len(took))
	for i, t := range took {
		sorted[len(took)-1-i] = t.took
	}
	l.P50, l.P99, l.Max = percentile(sorted, 0.50), percentile(sorted, 0.99), sorted[len(sorted)-1]
	return l, nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}
