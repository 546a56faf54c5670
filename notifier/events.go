package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/store"
)

// What happened to a case: the kinds of case events, published as
// CloudEvents of type "heed.case.<kind>" on "<prefix>.case.<kind>".
const (
	EventOpened    = "opened"    // first notice queued (also a case reopened)
	EventReminded  = "reminded"  // a reminder queued, alone or in a digest
	EventEscalated = "escalated" // the escalation contacts told for the first time
	EventAnswered  = "answered"  // an answer recorded, by the page or by reply
	EventOverdue   = "overdue"   // past its due date, unanswered
	EventUpdated   = "updated"   // a revision changed what the case is about (told in its thread)
	EventExploited = "exploited" // its flaw is now known to be exploited (a KEV catalog, a revision)
	EventResolved  = "resolved"  // closed because the organization is no longer exposed
	EventClosed    = "closed"    // closed for another reason (withdrawn, no longer listed, ...)
)

// EventsConfig says where case events go. A nil *EventsConfig in Config
// turns events off: none is recorded, no stream is created.
type EventsConfig struct {
	Stream string // created if missing, e.g. "HEED_EVENTS"
	// SubjectPrefix: an event of kind K goes on SubjectPrefix + ".case." + K.
	SubjectPrefix string
	// Source is the CloudEvents source of every event: this Heed's public URL.
	Source string
	// MaxAge bounds a created stream; zero: no bound.
	MaxAge time.Duration
	// KeepPublished is how long an event stays in SQLite once JetStream has
	// acknowledged it (default 7 days).
	KeepPublished time.Duration
}

// recordEvent is the one way a case change is told to other systems: it
// writes, in tx (the transaction that makes the change), the event of
// kind for c as c now is, so the event exists exactly when the change
// does. detail adds what the kind needs to the event's data (the answer's
// status, the reminder's number, why it closed). The events stage
// publishes it after the commit; call wake after committing to publish it
// at once. With events off, it does nothing.
func (d *deps) recordEvent(tx *store.Tx, kind string, c *store.Case, detail map[string]any) error {
	if d.events == nil {
		return nil
	}
	b, err := eventData(c, detail)
	if err != nil {
		return fmt.Errorf("record %s event of case %s: %w", kind, c.ID, err)
	}
	return tx.AddEvent(&store.Event{ID: newID("evt_"), Kind: kind, CaseID: c.ID, At: d.now(), Data: b})
}

// eventData is the data of an event of c as it now is, with detail: the
// JSON object that json.Marshal writes for the map of both (keys in order;
// the case's fields win over detail's of the same name), written by hand.
// A fan-out records an opened event per case inside its write
// transaction, and the map's reflection, key sorting and boxing cost more
// than inserting the event's row.
func eventData(c *store.Case, detail map[string]any) ([]byte, error) {
	fields := make([]eventField, 0, len(detail)+7)
	fields = append(fields, eventField{"case", c.ID}, eventField{"advisory", c.AdvisoryID},
		eventField{"organization", c.OrgID}, eventField{"state", c.State})
	// The answer and the overdue mark make each event the whole case as a
	// view needs it (agency.go): its latest event says how it stands.
	if c.Answer != nil {
		fields = append(fields, eventField{"answer", c.Answer.Status})
	}
	if !c.OverdueAt.IsZero() {
		fields = append(fields, eventField{"overdue", true})
	}
	if !c.DueAt.IsZero() {
		fields = append(fields, eventField{"due_at", c.DueAt.UTC().Format(time.RFC3339)})
	}
	own := len(fields)
	for k, v := range detail {
		if !slices.ContainsFunc(fields[:own], func(f eventField) bool { return f.key == k }) {
			fields = append(fields, eventField{k, v})
		}
	}
	slices.SortFunc(fields, func(a, b eventField) int { return strings.Compare(a.key, b.key) })
	b := append(make([]byte, 0, 256), '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.key)
		b = append(b, ':')
		var err error
		if b, err = appendJSONValue(b, f.value); err != nil {
			return nil, fmt.Errorf("event data %s: %w", f.key, err)
		}
	}
	return append(b, '}'), nil
}

// eventField is one key of an event's data.
type eventField struct {
	key   string
	value any
}

// appendJSONValue appends v as json.Marshal writes it.
func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	}
	enc, err := json.Marshal(v)
	return append(b, enc...), err
}

// appendJSONString appends s as json.Marshal writes it: as it is between
// quotes when it holds only printable ASCII that JSON and HTML leave alone
// (ids, states, dates, codes), else as json.Marshal escapes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// cloudEvent is a case event as published: CloudEvents 1.0, structured
// JSON mode.
type cloudEvent struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Source          string          `json:"source"`
	Subject         string          `json:"subject"`
	Time            string          `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	Data            json.RawMessage `json:"data"`
}

// Events is the stage that publishes the recorded case events to
// JetStream, oldest first, and forgets them some time after.
type Events struct {
	*deps
}

// eventBatch is how many events one round publishes before it records
// their acknowledgements.
const eventBatch = 500

// Run creates the events stream if it is missing, then publishes events
// until ctx ends. Each message carries its event's id as Nats-Msg-Id: an
// event published but not marked (Heed stopped between the two) is
// published again, and JetStream drops it within the stream's duplicate
// window. A stream that cannot be made, or a publish that fails, is
// logged and tried again with backoff: the events wait in SQLite, and
// nothing else of Heed stops for them. With events off, Run returns at
// once and creates nothing.
func (ev *Events) Run(ctx context.Context, js jetstream.JetStream) error {
	cfg := ev.events
	if cfg == nil {
		return nil
	}
	failures := 0
	ensured := false
	var pruned time.Time
	for {
		var n int
		var err error
		if !ensured {
			err = ensureEventStream(ctx, js, cfg)
			ensured = err == nil
		}
		if ensured {
			n, err = ev.publish(ctx, js)
		}
		if ctx.Err() != nil {
			return nil
		}
		wait := poll
		switch {
		case err != nil:
			failures++
			ev.log.Warn("events: not published; will retry", "err", err, "attempt", failures)
			wait = min(time.Duration(failures)*time.Second, 30*time.Second)
			ensured = false // the stream may have been deleted meanwhile: make it again
		case n == eventBatch:
			failures = 0
			continue
		default:
			failures = 0
		}
		if now := ev.now(); now.Sub(pruned) >= time.Minute {
			pruned = now
			if err := ev.prune(ctx, now.Add(-cfg.KeepPublished)); err != nil {
				ev.log.Warn("events: prune published events", "err", err)
			}
		}
		// Real time, not the engine's clock: JetStream's acks run on it,
		// and a test's stopped clock must not stop publishing.
		select {
		case <-ctx.Done():
			return nil
		case <-ev.wakeEvents:
		case <-time.After(wait):
		}
	}
}

// ensureEventStream creates the events stream if it does not exist. Its
// duplicate window (a day, or the stream's age if shorter) is what keeps
// an event published twice across a restart from reaching consumers twice.
func ensureEventStream(ctx context.Context, js jetstream.JetStream, cfg *EventsConfig) error {
	_, err := js.Stream(ctx, cfg.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		dup := 24 * time.Hour
		if cfg.MaxAge > 0 {
			dup = min(dup, cfg.MaxAge)
		}
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name:       cfg.Stream,
			Subjects:   []string{cfg.SubjectPrefix + ".>"},
			Storage:    jetstream.FileStorage,
			Duplicates: dup,
			MaxAge:     cfg.MaxAge,
		})
	}
	if err != nil {
		return fmt.Errorf("events stream %s: %w", cfg.Stream, err)
	}
	return nil
}

// publish publishes up to eventBatch unpublished events and marks those
// JetStream acknowledged, in order: from the first that failed on, they
// are published again next round (and deduplicated by their id). The
// acknowledged are the oldest unpublished, so one mark up to the last of
// them records them all. It returns how many it marked.
func (ev *Events) publish(ctx context.Context, js jetstream.JetStream) (int, error) {
	var batch []store.Event
	if err := ev.db.View(ctx, func(tx *store.Tx) (err error) { batch, err = tx.UnpublishedEvents(eventBatch); return err }); err != nil {
		return 0, err
	}
	if len(batch) == 0 {
		return 0, nil
	}
	futures := make([]jetstream.PubAckFuture, 0, len(batch))
	var pubErr error
	for _, e := range batch {
		msg, err := ev.message(e)
		if err != nil {
			pubErr = err
			break
		}
		f, err := js.PublishMsgAsync(msg, jetstream.WithExpectStream(ev.events.Stream))
		if err != nil {
			pubErr = fmt.Errorf("publish event %s: %w", e.ID, err)
			break
		}
		futures = append(futures, f)
	}
	acked := 0 // how many of the batch, from its first, JetStream acknowledged
	timeout := time.After(30 * time.Second)
wait:
	for i, f := range futures {
		select {
		case <-f.Ok():
			acked++
		case err := <-f.Err():
			pubErr = fmt.Errorf("publish event %s: %w", batch[i].ID, err)
			break wait
		case <-timeout:
			pubErr = fmt.Errorf("publish event %s: no acknowledgement within 30s", batch[i].ID)
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	if acked > 0 {
		// Not ctx: what JetStream acknowledged is recorded even as Heed stops.
		last := batch[acked-1].Seq
		err := ev.db.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.MarkPublished(last, ev.now()) })
		if err != nil {
			return 0, fmt.Errorf("mark events published: %w", err)
		}
		ev.metrics.events.Add(float64(acked))
	}
	return acked, pubErr
}

// message builds the NATS message of an event.
func (ev *Events) message(e store.Event) (*nats.Msg, error) {
	body, err := json.Marshal(cloudEvent{SpecVersion: "1.0", ID: e.ID, Type: "heed.case." + e.Kind,
		Source: ev.events.Source, Subject: e.CaseID, Time: e.At.UTC().Format(time.RFC3339Nano),
		DataContentType: "application/json", Data: e.Data})
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	msg := nats.NewMsg(ev.events.SubjectPrefix + ".case." + e.Kind)
	msg.Header.Set(jetstream.MsgIDHeader, e.ID)
	msg.Data = body
	return msg, nil
}

// prune deletes the events published before cutoff, a bounded number per
// transaction so that the write lock is never held long.
func (ev *Events) prune(ctx context.Context, cutoff time.Time) error {
	for {
		var n int
		err := ev.db.Update(ctx, func(tx *store.Tx) (err error) { n, err = tx.PrunePublishedEvents(cutoff, 1000); return err })
		if err != nil || n < 1000 {
			return err
		}
	}
}
