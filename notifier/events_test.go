package notifier

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the test resets a row as a crash would leave it
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
)

// testEvents is the [events] of the tests: the defaults of heed serve.
var testEvents = EventsConfig{Stream: "HEED_EVENTS", SubjectPrefix: "heed.events", Source: "https://heed.example"}

// received is one event as a consumer of the stream gets it.
type received struct {
	Subject string
	MsgID   string
	Event   map[string]any
	Data    map[string]any
}

// key names an event by its case and type, e.g. "case_x heed.case.opened".
func (r received) key() string { return fmt.Sprint(r.Data["case"], " ", r.Event["type"]) }

// consume reads every message of the events stream, through a consumer of
// its own, until none arrives for a moment.
func consume(t *testing.T, js jetstream.JetStream) []received {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, testEvents.Stream)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []received
	for {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(300*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			r := received{Subject: msg.Subject(), MsgID: msg.Headers().Get(jetstream.MsgIDHeader)}
			if err := json.Unmarshal(msg.Data(), &r.Event); err != nil {
				t.Fatalf("event %s is not JSON: %v", msg.Data(), err)
			}
			r.Data, _ = r.Event["data"].(map[string]any)
			out = append(out, r)
		}
		if n == 0 {
			return out
		}
	}
}

// waitPublished waits until the stream holds n messages.
func waitPublished(t testing.TB, js jetstream.JetStream, n uint64) {
	t.Helper()
	eventually.Check(t, time.Minute, func() error {
		s, err := js.Stream(context.Background(), testEvents.Stream)
		if err != nil {
			return err
		}
		info, err := s.Info(context.Background())
		if err != nil {
			return err
		}
		if info.State.Msgs != n {
			return fmt.Errorf("the stream holds %d events, want %d", info.State.Msgs, n)
		}
		return nil
	})
}

// settle waits until every event recorded so far has been published and
// marked: then the stream holds all there is, and a consumer can count.
func settle(t *testing.T, e *Engine) {
	t.Helper()
	e.wake()
	eventually.Check(t, 10*time.Second, func() error {
		var left []store.Event
		err := e.db.View(context.Background(), func(tx *store.Tx) (err error) { left, err = tx.UnpublishedEvents(1); return err })
		if err == nil && len(left) > 0 {
			err = fmt.Errorf("event %s (%s) not yet published", left[0].ID, left[0].Kind)
		}
		return err
	})
}

// runEvents runs the engine's events stage until the test ends.
func runEvents(t *testing.T, e *Engine, js jetstream.JetStream) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Events.Run(ctx, js) }()
	stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("events stage: %v", err)
		}
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			stop()
		}
	})
	return stop
}

func withEvents(cfg *Config) { ev := testEvents; cfg.Events = &ev }

// TestEveryCaseChangeIsOneEvent follows two organizations' cases of
// SA44101 through their notices, reminders, an escalation, an answer, the
// due date passing and the advisory no longer listing them, and checks that
// a JetStream consumer receives each change exactly once, as a CloudEvent
// with the case, advisory, organization, state and what the kind needs.
func TestEveryCaseChangeIsOneEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	policy := Policy{Severity: "critical", Reminders: []time.Duration{day, 2 * day}, Repeat: day, EscalateAfter: 1, Due: 3 * day}
	e, clk := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), withEvents,
		func(c *Config) { c.Policies = map[string]Policy{"critical": policy} })
	runEvents(t, e, js)
	alpha, beta := addOrg(t, e, "Alpha", "9.0R3.3"), addOrg(t, e, "Beta", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	ca, cb := caseOf(t, e, alpha), caseOf(t, e, beta)
	settle(t, e)

	for _, at := range []time.Duration{day, 2 * day} { // reminders 1 and 2; 2 escalates
		clk.Set(t0.Add(at))
		if n, err := e.Reminders.remindDue(ctx); err != nil || n != 2 {
			t.Fatalf("remindDue at +%s = %d, %v; want both cases", at, n, err)
		}
	}
	if _, err := e.Answers.RecordAnswer(ctx, e.Links.ackToken(ca.ID, 1, t0.Add(90*day)),
		AnswerInput{Status: AnswerPatched, Version: "9.0R3.4"}); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(3*day + time.Hour)) // past the due date: Beta is overdue and reminded a third time
	if n, err := e.Reminders.remindDue(ctx); err != nil || n != 1 {
		t.Fatalf("remindDue past the due date = %d, %v; want Beta's case", n, err)
	}
	if n, err := e.Reminders.remindDue(ctx); err != nil || n != 0 {
		t.Fatalf("remindDue again = %d, %v; want nothing", n, err)
	}
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("2", "9.0R3.1")); err != nil { // no longer lists 9.0R3.3
		t.Fatal(err)
	}
	settle(t, e)

	got := consume(t, js)
	counts := map[string]int{}
	for _, r := range got {
		counts[r.key()]++
	}
	wantCounts := map[string]int{}
	for _, k := range []string{"opened", "reminded", "reminded", "escalated", "answered", "closed"} {
		wantCounts[ca.ID+" heed.case."+k]++
	}
	for _, k := range []string{"opened", "reminded", "reminded", "escalated", "overdue", "reminded", "closed"} {
		wantCounts[cb.ID+" heed.case."+k]++
	}
	if fmt.Sprint(counts) != fmt.Sprint(wantCounts) {
		t.Errorf("events by case and type:\n got %v\nwant %v", counts, wantCounts)
	}

	ids := map[string]bool{}
	byKind := map[string]received{}
	for _, r := range got {
		ev := r.Event
		typ, _ := ev["type"].(string)
		kind := strings.TrimPrefix(typ, "heed.case.")
		if r.Subject != "heed.events.case."+kind {
			t.Errorf("%s on subject %q, want heed.events.case.%s", typ, r.Subject, kind)
		}
		id, _ := ev["id"].(string)
		if id == "" || ids[id] || r.MsgID != id {
			t.Errorf("%s: id %q (Nats-Msg-Id %q) must be set, unique and the message id", typ, id, r.MsgID)
		}
		ids[id] = true
		if ev["specversion"] != "1.0" || ev["source"] != "https://heed.example" || ev["datacontenttype"] != "application/json" ||
			ev["subject"] != r.Data["case"] {
			t.Errorf("%s: CloudEvents attributes %v", typ, ev)
		}
		if _, err := time.Parse(time.RFC3339, fmt.Sprint(ev["time"])); err != nil {
			t.Errorf("%s: time %v is not RFC 3339", typ, ev["time"])
		}
		if r.Data["advisory"] != "SA44101" || r.Data["organization"] == "" || r.Data["state"] == "" {
			t.Errorf("%s: data %v lacks advisory, organization or state", typ, r.Data)
		}
		byKind[fmt.Sprint(r.Data["case"], kind)] = r
	}
	for _, c := range []struct {
		key, field string
		want       any
	}{
		{ca.ID + "opened", "state", store.CaseOpen},
		{ca.ID + "opened", "severity", "critical"},
		{ca.ID + "opened", "organization", alpha},
		{ca.ID + "escalated", "reason", "reminders"},
		{ca.ID + "escalated", "reminder", 2.0},
		{ca.ID + "answered", "status", AnswerPatched},
		{ca.ID + "answered", "version", "9.0R3.4"},
		{ca.ID + "answered", "state", store.CaseAnswered},
		{cb.ID + "overdue", "due_at", t0.Add(3 * day).Format(time.RFC3339)},
		{cb.ID + "overdue", "state", store.CaseOpen},
		{cb.ID + "reminded", "reminder", 3.0}, // the last reminded event of Beta's case
		{cb.ID + "reminded", "escalated", true},
		{cb.ID + "closed", "reason", store.ClosedNotListed},
		{cb.ID + "closed", "state", store.CaseClosed},
	} {
		if got := byKind[c.key].Data[c.field]; got != c.want {
			t.Errorf("%s: data.%s = %v, want %v", c.key, c.field, got, c.want)
		}
	}
}

// TestResolvedIsItsOwnKind: a case closed because the organization's new
// inventory shows the fix is a "resolved" event, not a "closed" one.
func TestResolvedIsItsOwnKind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	e, _ := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), withEvents)
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	fixed := []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.4"}}
	if _, err := e.Orgs.ReplaceInventory(ctx, org, fixed); err != nil {
		t.Fatal(err)
	}
	runEvents(t, e, js)
	settle(t, e)
	got := consume(t, js)
	if len(got) != 2 {
		t.Fatalf("%d events, want the case opened and resolved: %v", len(got), got)
	}
	reason, _ := got[1].Data["reason"].(string)
	if got[1].Event["type"] != "heed.case.resolved" || got[1].Subject != "heed.events.case.resolved" ||
		!strings.HasPrefix(reason, store.ClosedResolved) || got[1].Data["state"] != store.CaseClosed {
		t.Errorf("the second event is %v on %s, want heed.case.resolved with its reason", got[1].Event, got[1].Subject)
	}
}

// TestEventsSurviveAStopNoneTwice: events written while nothing published
// them (Heed stopped) are published by the next Heed on the same database;
// an event published whose mark was lost (Heed killed between JetStream's
// ack and the commit) is published again and dropped by JetStream as a
// duplicate, so a consumer gets each once.
func TestEventsSurviveAStopNoneTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	path := filepath.Join(t.TempDir(), "heed.db")
	first, _ := newTestEngineAt(t, path, withEvents)
	stop := runEvents(t, first, js)
	org := addOrg(t, first, "Alpha", "9.0R3.3")
	if _, err := first.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	waitPublished(t, js, 1)
	stop()
	// Stopped: the answer's event is written, not published.
	c := caseOf(t, first, org)
	if _, err := first.Answers.RecordAnswer(ctx, first.Links.ackToken(c.ID, 1, t0.Add(90*day)),
		AnswerInput{Status: AnswerMitigated}); err != nil {
		t.Fatal(err)
	}
	// And as if killed after JetStream's ack of the notice's event, before
	// its mark was committed: it was the only one marked.
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DELETE FROM event_marks`); err != nil {
		t.Fatal(err)
	}

	second, _ := newTestEngineAt(t, path, withEvents)
	runEvents(t, second, js)
	eventually.Check(t, 10*time.Second, func() error {
		var evs []store.Event
		err := second.db.View(ctx, func(tx *store.Tx) (err error) { evs, err = tx.Events(c.ID); return err })
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if ev.PublishedAt.IsZero() {
				return errors.New("event " + ev.Kind + " not yet marked published")
			}
		}
		return nil
	})
	got := consume(t, js)
	var types []string
	for _, r := range got {
		types = append(types, fmt.Sprint(r.Event["type"]))
	}
	if strings.Join(types, ",") != "heed.case.opened,heed.case.answered" {
		t.Errorf("the consumer got %v, want the opened event once and then the answered one", types)
	}
}

// TestEventsOffRecordNothing: with events off, changes record no event and
// the events stage creates no stream.
func TestEventsOffRecordNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	e, _ := newTestEngine(t)
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	if err := e.Events.Run(ctx, js); err != nil {
		t.Fatal(err)
	}
	var evs []store.Event
	err := e.db.View(ctx, func(tx *store.Tx) (err error) { evs, err = tx.Events(caseOf(t, e, org).ID); return err })
	if err != nil || len(evs) != 0 {
		t.Errorf("events recorded with events off: %v, %v", evs, err)
	}
	if _, err := js.Stream(ctx, testEvents.Stream); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("stream %s with events off: %v, want none", testEvents.Stream, err)
	}
}

// TestPublishedEventsArePruned: an event stays in SQLite while unpublished,
// and goes keep_published after JetStream acknowledged it; the stream
// keeps it.
func TestPublishedEventsArePruned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	e, clk := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), withEvents)
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	c := caseOf(t, e, org)
	events := func() []store.Event {
		var evs []store.Event
		if err := e.db.View(ctx, func(tx *store.Tx) (err error) { evs, err = tx.Events(c.ID); return err }); err != nil {
			t.Fatal(err)
		}
		return evs
	}
	kept := func() int { return len(events()) }
	clk.Advance(30 * day) // unpublished: kept however old
	runEvents(t, e, js)
	// Wait for the mark in SQLite, not for the stream: the event reaches
	// the stream before the stage records JetStream's acknowledgement, and
	// a clock moved on in between would date the publishing 6 days later.
	settle(t, e)
	if evs := events(); len(evs) != 1 || !evs[0].PublishedAt.Equal(clk.Now()) {
		var at []time.Time
		for _, ev := range evs {
			at = append(at, ev.PublishedAt)
		}
		t.Fatalf("events published at %v; want one, published at %v", at, clk.Now())
	}
	waitPublished(t, js, 1)
	clk.Advance(6 * day)
	e.wake()
	time.Sleep(100 * time.Millisecond)
	if n := kept(); n != 1 {
		t.Fatalf("%d events kept 6 days after publishing, want 1 (keep_published is 7 days)", n)
	}
	clk.Advance(2 * day)
	e.wake()
	eventually.Check(t, 10*time.Second, func() error {
		if evs := events(); len(evs) > 0 {
			return fmt.Errorf("the event published at %v is kept at %v; keep_published is 7 days", evs[0].PublishedAt, clk.Now())
		}
		return nil
	})
	waitPublished(t, js, 1)
}

// TestOverdueAgainAfterANewDueDate: a case is overdue once; a revision that
// moves its due date into the future makes it not overdue, and when that
// date passes unanswered, it is overdue once more.
func TestOverdueAgainAfterANewDueDate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clk := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), withEvents)
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	adv := sa44101("1", "9.0R3.3")
	adv.Due = t0.Add(2 * day)
	if _, err := e.Cases.ApplyAdvisory(ctx, adv); err != nil {
		t.Fatal(err)
	}
	overdue := func() int {
		var evs []store.Event
		if err := e.db.View(ctx, func(tx *store.Tx) (err error) { evs, err = tx.Events(caseOf(t, e, org).ID); return err }); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			if ev.Kind == EventOverdue {
				n++
			}
		}
		return n
	}
	for _, at := range []time.Duration{2*day + time.Hour, 2*day + 2*time.Hour} {
		clk.Set(t0.Add(at))
		if _, err := e.Reminders.markOverdue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := overdue(); n != 1 {
		t.Fatalf("%d overdue events past the due date, want 1", n)
	}
	later := sa44101("2", "9.0R3.3")
	later.Due = t0.Add(10 * day)
	if _, err := e.Cases.ApplyAdvisory(ctx, later); err != nil {
		t.Fatal(err)
	}
	if at, err := e.Reminders.next(ctx); err != nil || at.After(t0.Add(10*day+time.Second)) {
		t.Errorf("the scheduler next wakes at %v (%v); want by the new due date", at, err)
	}
	clk.Set(t0.Add(10*day + time.Hour))
	if _, err := e.Reminders.markOverdue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := overdue(); n != 2 {
		t.Errorf("%d overdue events after the new due date passed, want 2", n)
	}
	var evs []store.Event
	if err := e.db.View(ctx, func(tx *store.Tx) (err error) { evs, err = tx.Events(caseOf(t, e, org).ID); return err }); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
		if ev.Kind == EventUpdated {
			if got := string(ev.Data); !strings.Contains(got, `"changes":["due"]`) || !strings.Contains(got, `"revision":"2"`) {
				t.Errorf("updated event data %s; want revision 2 and changes [due]", got)
			}
		}
	}
	if got := strings.Join(kinds, ","); got != "opened,overdue,updated,overdue" {
		t.Errorf("the case's events: %s; want opened,overdue,updated,overdue", got)
	}
}

// TestEventsStreamMadeAgain: if the events stream is deleted while Heed
// runs, the events that follow are not lost: Heed makes the stream again
// and publishes them.
func TestEventsStreamMadeAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	e, _ := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), withEvents)
	runEvents(t, e, js)
	eventually.Check(t, 10*time.Second, func() error { _, err := js.Stream(ctx, testEvents.Stream); return err })
	if err := js.DeleteStream(ctx, testEvents.Stream); err != nil {
		t.Fatal(err)
	}
	addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	settle(t, e)
	if got := consume(t, js); len(got) != 1 || got[0].Event["type"] != "heed.case.opened" {
		t.Errorf("after the stream was deleted, the consumer got %v; want the opened event", got)
	}
}

// TestEventsWaitForTheirStream: while the events stream cannot be made
// (another stream holds its subjects), the events stage keeps trying and
// returns no error, so nothing else of Heed stops; the events wait in
// SQLite and are published once it can be made.
func TestEventsWaitForTheirStream(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "SQUATTER", Subjects: []string{"heed.events.>"}}); err != nil {
		t.Fatal(err)
	}
	e, _ := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), withEvents)
	runEvents(t, e, js) // its stop fails the test if Run returned an error
	addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := js.Stream(ctx, testEvents.Stream); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("stream %s beside one holding its subjects: %v", testEvents.Stream, err)
	}
	if err := js.DeleteStream(ctx, "SQUATTER"); err != nil {
		t.Fatal(err)
	}
	settle(t, e)
	if got := consume(t, js); len(got) != 1 || got[0].Event["type"] != "heed.case.opened" {
		t.Errorf("once the stream could be made, the consumer got %v; want the opened event", got)
	}
}

// TestEventDataIsTheMapAsJSON holds the hand-written event data to what
// json.Marshal writes for the map of the case's fields and the detail
// (the case's fields winning), byte for byte: consumers of HEED_EVENTS
// and the agency view read these bytes.
func TestEventDataIsTheMapAsJSON(t *testing.T) {
	asMap := func(c *store.Case, detail map[string]any) []byte {
		data := map[string]any{}
		maps.Copy(data, detail)
		data["case"], data["advisory"], data["organization"], data["state"] = c.ID, c.AdvisoryID, c.OrgID, c.State
		if c.Answer != nil {
			data["answer"] = c.Answer.Status
		}
		if !c.OverdueAt.IsZero() {
			data["overdue"] = true
		}
		if !c.DueAt.IsZero() {
			data["due_at"] = c.DueAt.UTC().Format(time.RFC3339)
		}
		b, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	open := store.Case{ID: "case_abc", AdvisoryID: "SA44101", OrgID: "org_x", State: store.CaseOpen, DueAt: t0.Add(14 * day)}
	answered := open
	answered.State, answered.Answer, answered.OverdueAt = store.CaseAnswered, &store.Answer{Status: "patched"}, t0
	hostile := store.Case{ID: "case_<b>&\"x\"", AdvisoryID: "SA\u2028\\1\n", OrgID: "Ωrg\x00", State: "open"}
	for _, tc := range []struct {
		name   string
		c      store.Case
		detail map[string]any
	}{
		{"opened", open, map[string]any{"revision": "2", "severity": "critical", "known_exploited": false}},
		{"nil detail", open, nil},
		{"answered, overdue", answered, answerDetail(&store.Answer{Status: "scheduled", Until: t0.Add(day), Version: "9.1R1"})},
		{"reminded", open, map[string]any{"reminder": 3, "escalated": true}},
		{"updated", open, map[string]any{"revision": "3", "changes": []string{"versions", "remedies"}}},
		{"detail names a case field", open, map[string]any{"state": "closed", "case": "other", "answer": "kept: the case has none"}},
		{"hostile strings", hostile, map[string]any{"reason": "<script>&\u2029\xff", "<key>": "v"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := eventData(&tc.c, tc.detail)
			if err != nil {
				t.Fatal(err)
			}
			if want := asMap(&tc.c, tc.detail); string(got) != string(want) {
				t.Errorf("eventData:\n got %s\nwant %s", got, want)
			}
		})
	}
}
