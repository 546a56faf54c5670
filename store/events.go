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

// UnpublishedEvents lists up to limit events not yet published, oldest first.
func (tx *Tx) UnpublishedEvents(limit int) ([]Event, error) {
	return tx.queryEvents(`SELECT `+eventColumns+` FROM events
		WHERE published_at IS NULL ORDER BY seq LIMIT ?`, limit)
}

// UnpublishedEventCount counts the events not yet published.
func (tx *Tx) UnpublishedEventCount() (int, error) {
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM events WHERE published_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unpublished events: %w", err)
	}
	return n, nil
}

// Events lists the events of a case, oldest first, published or not.
func (tx *Tx) Events(caseID string) ([]Event, error) {
	return tx.queryEvents(`SELECT `+eventColumns+` FROM events WHERE case_id = ? ORDER BY seq`, caseID)
}

const eventColumns = `seq, id, kind, case_id, at, data, published_at`

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

// MarkPublished records that the events seqs were acknowledged by
// JetStream at at.
func (tx *Tx) MarkPublished(seqs []int64, at time.Time) error {
	for _, seq := range seqs {
		if _, err := tx.exec(`UPDATE events SET published_at = ? WHERE seq = ? AND published_at IS NULL`, ms(at), seq); err != nil {
			return fmt.Errorf("mark event %d published: %w", seq, err)
		}
	}
	return nil
}

// PrunePublishedEvents deletes up to limit events published before cutoff
// and returns how many it deleted.
func (tx *Tx) PrunePublishedEvents(cutoff time.Time, limit int) (int, error) {
	res, err := tx.exec(`DELETE FROM events WHERE seq IN (SELECT seq FROM events
		WHERE published_at IS NOT NULL AND published_at < ? LIMIT ?)`, ms(cutoff), limit)
	if err != nil {
		return 0, fmt.Errorf("prune published events: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
