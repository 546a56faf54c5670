package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/store"
)

// The agency view: how each advisory stands across every Heed instance of
// a country, gathered from the case events they publish into one stream
// (docs/SCALING.md). Each instance's board shows its own partition; the
// view folds the events of all of them.
//
// Every event carries its case as the change left it (state, answer,
// whether seen overdue), so the view keeps, per case, the latest event
// alone: the order events arrive in across instances, an event published
// again after a restart, or a view started on a stream whose first events
// have aged out change nothing in what it counts.

// AgencyCounts is how one advisory stands, in organizations (one case
// each).
type AgencyCounts struct {
	Opened   int `json:"opened"`   // told of it, their case not closed since (Answered + Silent)
	Answered int `json:"answered"` // of those, with an answer recorded
	Silent   int `json:"silent"`   // of those, open without an answer
	Overdue  int `json:"overdue"`  // of the silent, seen past their due date
	Closed   int `json:"closed"`   // told, then closed (resolved, withdrawn, no longer listed, ...)
}

func (c *AgencyCounts) add(o AgencyCounts, sign int) {
	c.Opened += sign * o.Opened
	c.Answered += sign * o.Answered
	c.Silent += sign * o.Silent
	c.Overdue += sign * o.Overdue
	c.Closed += sign * o.Closed
}

// caseClass is where one case, as its latest event shows it, counts.
type caseClass uint8

const (
	classSilent   caseClass = iota // open, no answer
	classOverdue                   // silent, seen past its due date
	classAnswered                  // opened, with an answer
	classClosed                    // told, then closed
)

func classOf(state string, answered, overdue bool) caseClass {
	switch {
	case state == store.CaseClosed:
		return classClosed
	case state == store.CaseAnswered || state == store.CaseScheduled:
		return classAnswered
	case answered: // open again after "will patch by", its answer kept
		return classAnswered
	case overdue:
		return classOverdue
	}
	return classSilent
}

// counts is what a case of class c adds to its advisory's counts.
func (c caseClass) counts() AgencyCounts {
	switch c {
	case classClosed:
		return AgencyCounts{Closed: 1}
	case classAnswered:
		return AgencyCounts{Opened: 1, Answered: 1}
	case classOverdue:
		return AgencyCounts{Opened: 1, Silent: 1, Overdue: 1}
	}
	return AgencyCounts{Opened: 1, Silent: 1}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// foldedCase is a case as the view holds it: its latest event, in few
// bytes (a country's view holds every case of every advisory).
type foldedCase struct {
	advisory *AgencyCounts // its advisory's counts at its instance
	at       int64         // the event's time, Unix ns
	seq      uint64        // the event's position in the stream
	class    caseClass
}

// AgencyView folds case events (CloudEvents as Heed publishes them) into
// counts per instance and advisory. It is safe for concurrent use.
type AgencyView struct {
	mu       sync.Mutex
	cases    map[string]map[string]foldedCase    // by source, then case id
	counts   map[string]map[string]*AgencyCounts // by source, then advisory
	folded   int                                 // events folded
	stale    int                                 // events older than the case's latest, ignored
	rejected int                                 // events that are not case events as Heed publishes them
	lastSeq  uint64
}

// NewAgencyView returns an empty view.
func NewAgencyView() *AgencyView {
	return &AgencyView{cases: map[string]map[string]foldedCase{}, counts: map[string]map[string]*AgencyCounts{}}
}

// agencyEvent is what the view reads of a published case event.
type agencyEvent struct {
	Type   string `json:"type"`
	Source string `json:"source"`
	Time   string `json:"time"`
	Data   struct {
		Case     string `json:"case"`
		Advisory string `json:"advisory"`
		State    string `json:"state"`
		Answer   string `json:"answer"`
		Overdue  bool   `json:"overdue"`
	} `json:"data"`
}

// Fold takes one event, as published, found at position seq of the stream.
// An event of a case older than the one already folded for it (an instance
// that published again after a failure) is ignored; an event that is not a
// case event as Heed publishes it is an error naming what is wrong, and
// changes nothing.
func (v *AgencyView) Fold(body []byte, seq uint64) error {
	_, err := v.fold(body, seq)
	return err
}

// fold is Fold that also returns the event's time (when its case changed).
func (v *AgencyView) fold(body []byte, seq uint64) (time.Time, error) {
	var ev agencyEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		v.reject()
		return time.Time{}, fmt.Errorf("fold event %d: not a CloudEvent in JSON: %w", seq, err)
	}
	kind, ok := strings.CutPrefix(ev.Type, "heed.case.")
	at, err := time.Parse(time.RFC3339Nano, ev.Time)
	d := ev.Data
	switch {
	case !ok:
		err = fmt.Errorf("type %q is not a case event (heed.case.<kind>)", ev.Type)
	case err != nil:
		err = fmt.Errorf("time %q: %w", ev.Time, err)
	case d.Case == "" || d.Advisory == "" || ev.Source == "":
		err = errors.New("source, data.case or data.advisory is missing")
	case !slices.Contains(store.CaseStates, d.State):
		err = fmt.Errorf("data.state %q is not a case state", d.State)
	}
	if err != nil {
		v.reject()
		return time.Time{}, fmt.Errorf("fold event %d: %w", seq, err)
	}
	// Events of Heed before data carried the answer: the answered event
	// itself says it.
	answered := d.Answer != "" || kind == EventAnswered
	class := classOf(d.State, answered, d.Overdue || kind == EventOverdue)

	v.mu.Lock()
	defer v.mu.Unlock()
	v.lastSeq = max(v.lastSeq, seq)
	ns := at.UnixNano()
	cases := v.cases[ev.Source]
	if cases == nil {
		cases = map[string]foldedCase{}
		v.cases[ev.Source] = cases
	}
	c, known := cases[d.Case]
	if known && (ns < c.at || ns == c.at && seq < c.seq) {
		v.stale++
		return at, nil
	}
	if known {
		c.advisory.add(c.class.counts(), -1)
	} else {
		c.advisory = v.advisoryCounts(ev.Source, d.Advisory)
	}
	c.at, c.seq, c.class = ns, seq, class
	c.advisory.add(class.counts(), 1)
	cases[d.Case] = c
	v.folded++
	return at, nil
}

func (v *AgencyView) reject() {
	v.mu.Lock()
	v.rejected++
	v.mu.Unlock()
}

// advisoryCounts is the counts of one advisory at one source, made on first use.
func (v *AgencyView) advisoryCounts(source, advisory string) *AgencyCounts {
	bySource := v.counts[source]
	if bySource == nil {
		bySource = map[string]*AgencyCounts{}
		v.counts[source] = bySource
	}
	c := bySource[advisory]
	if c == nil {
		c = &AgencyCounts{}
		bySource[advisory] = c
	}
	return c
}

// Advisories returns the counts per advisory: of one source (an instance's
// public URL), or of every instance when source is "".
func (v *AgencyView) Advisories(source string) map[string]AgencyCounts {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]AgencyCounts{}
	for src, bySource := range v.counts {
		if source != "" && src != source {
			continue
		}
		for adv, c := range bySource {
			sum := out[adv]
			sum.add(*c, 1)
			out[adv] = sum
		}
	}
	return out
}

// Sources lists the instances whose events the view holds, sorted.
func (v *AgencyView) Sources() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]string, 0, len(v.counts))
	for src := range v.counts {
		out = append(out, src)
	}
	slices.Sort(out)
	return out
}

// AgencyProgress is how far a view has read its stream.
type AgencyProgress struct {
	Cases    int    // cases held
	Folded   int    // events that changed a case's latest state
	Stale    int    // events older than their case's latest, ignored
	Rejected int    // messages that were not case events
	LastSeq  uint64 // the highest stream position read
}

// Progress says how far the view has read.
func (v *AgencyView) Progress() AgencyProgress {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for _, cases := range v.cases {
		n += len(cases)
	}
	return AgencyProgress{Cases: n, Folded: v.folded, Stale: v.stale, Rejected: v.rejected, LastSeq: v.lastSeq}
}

// Gathered is one message the gatherer folded, for who measures it: when
// its case changed, when JetStream stored it, and when the view held it.
type Gathered struct {
	Seq                uint64
	At, Stored, Folded time.Time
	Err                error // not a case event: skipped
}

// Gather reads the events stream from its first message with an ordered
// consumer (no state kept on the server: a view that restarts reads the
// stream again, which the stream's max_age bounds) and folds every message
// into v until ctx ends. Each message folded is told to observe, when not
// nil. A message that is not a case event is skipped (Progress counts it;
// observe gets its error): one bad message must not stop the view.
func (v *AgencyView) Gather(ctx context.Context, js jetstream.JetStream, stream string, observe func(Gathered)) error {
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return fmt.Errorf("gather %s: %w", stream, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("gather %s: %w", stream, err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		msg, err := it.Next()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("gather %s: %w", stream, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("gather %s: %w", stream, err)
		}
		g := Gathered{Seq: meta.Sequence.Stream, Stored: meta.Timestamp}
		g.At, g.Err = v.fold(msg.Data(), g.Seq)
		g.Folded = time.Now()
		if observe != nil {
			observe(g)
		}
	}
}

// AgencyCountsOf is how each advisory stands in one instance's database, by
// the board's own reading (cases by state, the silent filter, the overdue
// mark): what a view of that instance's events must show once they are all
// published. Advisories without a case told are left out.
func AgencyCountsOf(tx *store.Tx) (map[string]AgencyCounts, error) {
	advs, err := tx.AdvisorySummaries(1<<31-1, "")
	if err != nil {
		return nil, err
	}
	out := map[string]AgencyCounts{}
	for _, a := range advs {
		c := AgencyCounts{Opened: a.Cases[store.CaseOpen] + a.Cases[store.CaseScheduled] + a.Cases[store.CaseAnswered],
			Closed: a.Cases[store.CaseClosed]}
		if c != (AgencyCounts{}) {
			out[a.ID] = c
		}
	}
	silent, err := tx.Cases(store.CaseFilter{Silent: true})
	if err != nil {
		return nil, err
	}
	for _, s := range silent {
		c := out[s.AdvisoryID]
		c.Silent++
		c.Overdue += btoi(!s.OverdueAt.IsZero())
		out[s.AdvisoryID] = c
	}
	for id, c := range out {
		c.Answered = c.Opened - c.Silent
		out[id] = c
	}
	return out, nil
}
