package store

import (
	"database/sql"
	"fmt"
	"time"
)

// Event is a change of a case, kept until other systems have been told
// (notifier's events stage publishes it on NATS JetStream). Data is the
// event's JSON payload as it was when the change was made.
type Event struct {
	Seq         int64 // the order events are published in; set by AddEvent
	ID          string
	Kind        string
	CaseID      string
	At          time.Time
	Data        []byte
	PublishedAt time.Time // zero: not yet
}

// AddEvent records an event in the transaction of the change it describes,
// so that it exists if and only if the change does.
func (tx *Tx) AddEvent(e *Event) error {
	res, err := tx.exec(`INSERT INTO events (id, kind, case_id, at, data) VALUES (?, ?, ?, ?, ?)`,
		e.ID, e.Kind, e.CaseID, ms(e.At), string(e.Data))
	if err != nil {
		return fmt.Errorf("add event: %w", err)
	}
	e.Seq, err = res.LastInsertId()
	if err != nil {
		return fmt.Errorf("add event: %w", err)
	}
	return nil
}

// Events are published in the order of seq, and a batch's acknowledged
// events are the first unpublished ones: so which are published is kept
// as marks (migration event_marks), each saying that every event up to
// its last_seq was published at its time. The events after the last mark
// are the unpublished ones.

// lastMark is the statement's value of the last published event's seq.
const lastMark = `(SELECT coalesce(max(last_seq), 0) FROM event_marks)`

// UnpublishedEvents lists up to limit events not yet published, oldest first.
func (tx *Tx) UnpublishedEvents(limit int) ([]Event, error) {
	return tx.queryEvents(`SELECT `+eventColumns+`, NULL FROM events
		WHERE seq > `+lastMark+` ORDER BY seq LIMIT ?`, limit)
}

// UnpublishedEventCount counts the events not yet published.
func (tx *Tx) UnpublishedEventCount() (int, error) {
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM events WHERE seq > ` + lastMark).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unpublished events: %w", err)
	}
	return n, nil
}

// Events lists the events of a case, oldest first, published or not.
func (tx *Tx) Events(caseID string) ([]Event, error) {
	return tx.queryEvents(`SELECT `+eventColumns+`,
		(SELECT published_at FROM event_marks WHERE last_seq >= seq ORDER BY last_seq LIMIT 1)
		FROM events WHERE case_id = ? ORDER BY seq`, caseID)
}

const eventColumns = `seq, id, kind, case_id, at, data`

// queryEvents reads events, each with when it was published (NULL: not).
func (tx *Tx) queryEvents(q string, args ...any) ([]Event, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var data string
		var published sql.NullInt64
		if err := rows.Scan(&e.Seq, &e.ID, &e.Kind, &e.CaseID, &at, &data, &published); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		e.At, e.Data, e.PublishedAt = fromMS(at), []byte(data), fromNullMS(published)
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkPublished records that every event up to seq, the last of the
// oldest unpublished events in order that JetStream acknowledged, was
// published at at. A seq already marked changes nothing.
func (tx *Tx) MarkPublished(seq int64, at time.Time) error {
	if _, err := tx.exec(`INSERT INTO event_marks (last_seq, published_at) SELECT ?, ? WHERE ? > `+lastMark,
		seq, ms(at), seq); err != nil {
		return fmt.Errorf("mark events up to %d published: %w", seq, err)
	}
	return nil
}

// PrunePublishedEvents deletes up to limit events published before cutoff,
// oldest first, and the marks that no longer cover any event (not the
// last: it says where the unpublished events start). It returns how many
// events it deleted.
func (tx *Tx) PrunePublishedEvents(cutoff time.Time, limit int) (int, error) {
	res, err := tx.exec(`DELETE FROM events WHERE seq IN (SELECT seq FROM events
		WHERE seq <= (SELECT coalesce(max(last_seq), 0) FROM event_marks WHERE published_at < ?) ORDER BY seq LIMIT ?)`, ms(cutoff), limit)
	if err != nil {
		return 0, fmt.Errorf("prune published events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune published events: %w", err)
	}
	if _, err := tx.exec(`DELETE FROM event_marks WHERE last_seq < ` + lastMark + `
		AND last_seq < coalesce((SELECT min(seq) FROM events), 9223372036854775807)`); err != nil {
		return 0, fmt.Errorf("prune published events: %w", err)
	}
	return int(n), nil
}
