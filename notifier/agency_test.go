package notifier

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
)

// TestAgencyViewMatchesEachInstance: two Heed instances (two partitions of
// a country) publish their case events into one stream; the view gathered
// from it counts, per instance and in all, what each instance's database
// says: answered (patched; "will patch by", also once reminders resume),
// silent, overdue and closed.
func TestAgencyViewMatchesEachInstance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	policy := Policy{Severity: "critical", Reminders: []time.Duration{day, 2 * day}, Repeat: day, EscalateAfter: 1, Due: 3 * day}
	instance := func(n int) (*Engine, func(time.Time)) {
		e, clk := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), func(c *Config) {
			ev := testEvents
			ev.Source = fmt.Sprintf("https://p%d.heed.example", n)
			c.Events = &ev
			c.Policies = map[string]Policy{"critical": policy}
		})
		runEvents(t, e, js)
		return e, clk.Set
	}
	answer := func(e *Engine, org string, in AnswerInput) {
		t.Helper()
		var o store.Org
		if err := e.db.View(ctx, func(tx *store.Tx) (err error) { o, err = tx.Org(org); return err }); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Answers.RecordAnswer(ctx, e.Links.ackToken(caseOf(t, e, org).ID, o.Contacts[0].ID, t0.Add(90*day)), in); err != nil {
			t.Fatal(err)
		}
	}

	p0, setClock := instance(0)
	patched, scheduled, overdue, leaving := addOrg(t, p0, "Alpha", "9.0R3.3"), addOrg(t, p0, "Bravo", "9.0R3.3"),
		addOrg(t, p0, "Charlie", "9.0R3.3"), addOrg(t, p0, "Delta", "9.0R3.3")
	if _, err := p0.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	answer(p0, patched, AnswerInput{Status: AnswerPatched, Version: "9.0R3.4"})
	answer(p0, scheduled, AnswerInput{Status: AnswerScheduled, Until: t0.Add(day)})
	if _, err := p0.Orgs.Deactivate(ctx, leaving); err != nil {
		t.Fatal(err)
	}
	setClock(t0.Add(3*day + time.Hour)) // past the due date: Charlie overdue; Bravo's date has come, reminded
	if _, err := p0.Reminders.remindDue(ctx); err != nil {
		t.Fatal(err)
	}
	if c := caseOf(t, p0, scheduled); c.State != store.CaseOpen || c.Answer == nil {
		t.Fatalf("Bravo's case is %s (answer %v); the test wants it open again with its answer", c.State, c.Answer)
	}
	if c := caseOf(t, p0, overdue); c.OverdueAt.IsZero() {
		t.Fatal("Charlie's case is not marked overdue; the test wants it")
	}
	p1, _ := instance(1)
	mitigated, silent := addOrg(t, p1, "Echo", "9.0R3.3"), addOrg(t, p1, "Foxtrot", "9.0R3.3")
	if _, err := p1.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	answer(p1, mitigated, AnswerInput{Status: AnswerMitigated})
	if c := caseOf(t, p1, silent); c.State != store.CaseOpen || c.Answer != nil {
		t.Fatalf("Foxtrot's case is %s (answer %v); the test wants it silent", c.State, c.Answer)
	}
	settle(t, p0)
	settle(t, p1)

	view := NewAgencyView()
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	var mu sync.Mutex
	var lags []time.Duration
	done := make(chan error, 1)
	go func() {
		done <- view.Gather(gctx, js, testEvents.Stream, func(g Gathered) {
			mu.Lock()
			lags = append(lags, g.Folded.Sub(g.Stored))
			mu.Unlock()
		})
	}()
	last := lastSeq(t, js)
	eventually.Check(t, 10*time.Second, func() error {
		if p := view.Progress(); p.LastSeq < last {
			return fmt.Errorf("the view read %d of %d events", p.LastSeq, last)
		}
		return nil
	})
	stop()
	if err := <-done; err != nil {
		t.Fatalf("gather: %v", err)
	}

	want := map[string]AgencyCounts{
		"https://p0.heed.example": {Opened: 3, Answered: 2, Silent: 1, Overdue: 1, Closed: 1},
		"https://p1.heed.example": {Opened: 2, Answered: 1, Silent: 1},
		"":                        {Opened: 5, Answered: 3, Silent: 2, Overdue: 1, Closed: 1},
	}
	for src, w := range want {
		if got := view.Advisories(src)["SA44101"]; got != w {
			t.Errorf("view of %q: %+v, want %+v", src, got, w)
		}
	}
	for src, e := range map[string]*Engine{"https://p0.heed.example": p0, "https://p1.heed.example": p1} {
		var truth map[string]AgencyCounts
		if err := e.db.View(ctx, func(tx *store.Tx) (err error) { truth, err = AgencyCountsOf(tx); return err }); err != nil {
			t.Fatal(err)
		}
		if got := view.Advisories(src); fmt.Sprint(got) != fmt.Sprint(truth) {
			t.Errorf("%s: view %v, its database %v", src, got, truth)
		}
	}
	if got := strings.Join(view.Sources(), " "); got != "https://p0.heed.example https://p1.heed.example" {
		t.Errorf("sources %q", got)
	}
	if p := view.Progress(); p.Rejected != 0 || len(lags) != int(last) {
		t.Errorf("progress %+v, %d messages observed; want all %d folded, none rejected", p, len(lags), last)
	}
}

// lastSeq is the stream position of the events stream's last message.
func lastSeq(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), testEvents.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.LastSeq
}

// TestAgencyViewIgnoresOrder: the events of a case's whole life (notice,
// reminders, escalation, overdue, answer), folded in reverse, or twice,
// leave the view as folded in order; what is not a case event is refused,
// naming what is wrong, and changes nothing.
func TestAgencyViewIgnoresOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	e, clk := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), withEvents)
	runEvents(t, e, js)
	late := addOrg(t, e, "Alpha", "9.0R3.3")
	addOrg(t, e, "Bravo", "9.0R3.3") // silent, then overdue
	adv := sa44101("1", "9.0R3.3")
	adv.Due = t0.Add(2 * day)
	if _, err := e.Cases.ApplyAdvisory(ctx, adv); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(3 * day))
	if _, err := e.Reminders.remindDue(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(4 * day))
	if _, err := e.Answers.RecordAnswer(ctx, e.Links.ackToken(caseOf(t, e, late).ID, 1, t0.Add(90*day)),
		AnswerInput{Status: AnswerPatched}); err != nil {
		t.Fatal(err)
	}
	settle(t, e)
	s, err := js.Stream(ctx, testEvents.Stream)
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]byte
	for seq := uint64(1); seq <= lastSeq(t, js); seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, m.Data)
	}
	if len(bodies) < 6 {
		t.Fatalf("%d events; the test wants notices, reminders, overdue and an answer", len(bodies))
	}
	inOrder, reversed := NewAgencyView(), NewAgencyView()
	for i, b := range bodies {
		for _, v := range []*AgencyView{inOrder, inOrder} { // each twice: a duplicate is harmless
			if err := v.Fold(b, uint64(i+1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := len(bodies) - 1; i >= 0; i-- {
		if err := reversed.Fold(bodies[i], uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	want := AgencyCounts{Opened: 2, Answered: 1, Silent: 1, Overdue: 1}
	for name, v := range map[string]*AgencyView{"in order": inOrder, "reversed": reversed} {
		if got := v.Advisories("")["SA44101"]; got != want {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
	if p := reversed.Progress(); p.Stale != len(bodies)-2 {
		t.Errorf("reversed: %d events ignored as older than their case's latest, want %d", p.Stale, len(bodies)-2)
	}

	for _, c := range []struct{ body, want string }{
		{`{"type": "heed.case.opened"`, "not a CloudEvent in JSON"},
		{`{"type": "com.example.other", "source": "s", "time": "2026-03-02T00:00:00Z"}`, `type "com.example.other"`},
		{`{"type": "heed.case.opened", "source": "s", "time": "yesterday"}`, `time "yesterday"`},
		{`{"type": "heed.case.opened", "source": "s", "time": "2026-03-02T00:00:00Z", "data": {"case": "c"}}`, "data.advisory is missing"},
		{`{"type": "heed.case.opened", "source": "s", "time": "2026-03-02T00:00:00Z", "data": {"case": "c", "advisory": "A", "state": "gone"}}`, `data.state "gone"`},
	} {
		err := inOrder.Fold([]byte(c.body), 99)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "event 99") {
			t.Errorf("%s: error %v, want it to name %q and the event", c.body, err, c.want)
		}
	}
	if got := inOrder.Advisories(""); len(got) != 1 || got["SA44101"] != want || inOrder.Progress().Rejected != 5 {
		t.Errorf("after bad events: %v, %+v", got, inOrder.Progress())
	}
}

// BenchmarkAgencyGather reads a stream of 50,000 case events, encoded as
// the events stage encodes them (eventData, message), with a fresh view
// each time (a view started or restarted after the fact), from a JetStream
// server in the process: events a second, and the process's CPU an event
// (the server's sending included).
func BenchmarkAgencyGather(b *testing.B) {
	ctx := context.Background()
	js := startJetStream(b)
	if err := ensureEventStream(ctx, js, &testEvents); err != nil {
		b.Fatal(err)
	}
	ev := &Events{deps: &deps{events: &testEvents}}
	const n = 50000
	kinds := []string{EventOpened, EventReminded, EventAnswered, EventOverdue}
	for i := range n {
		c := &store.Case{ID: fmt.Sprintf("case_%012d", i%20000), AdvisoryID: fmt.Sprintf("ADV-%d", i%7),
			OrgID: fmt.Sprintf("org_%012d", i%20000), State: store.CaseOpen, DueAt: t0}
		kind := kinds[(i/20000)%len(kinds)]
		if kind == EventAnswered {
			c.State, c.Answer = store.CaseAnswered, &store.Answer{Status: AnswerPatched}
		}
		data, err := eventData(c, nil)
		if err != nil {
			b.Fatal(err)
		}
		msg, err := ev.message(store.Event{ID: fmt.Sprintf("evt_%d", i), Kind: kind, CaseID: c.ID, At: t0.Add(time.Duration(i) * time.Millisecond), Data: data})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := js.PublishMsgAsync(msg); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("the events were not all stored within a minute")
	}
	var took, cpu time.Duration
	for b.Loop() {
		view := NewAgencyView()
		gctx, stop := context.WithCancel(ctx)
		reached := make(chan struct{})
		start, cpu0 := time.Now(), proctime.CPU()
		go view.Gather(gctx, js, testEvents.Stream, func(g Gathered) {
			if g.Seq == n {
				close(reached)
			}
		})
		<-reached
		took, cpu = took+time.Since(start), cpu+proctime.CPU()-cpu0
		stop()
		if p := view.Progress(); p.Cases != 20000 || p.Rejected != 0 {
			b.Fatalf("%+v", p)
		}
	}
	b.ReportMetric(float64(n*b.N)/took.Seconds(), "events/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/event")
}
