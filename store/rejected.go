package store

import (
	"fmt"
	"time"
)

// Rejected is a document intake could not use, kept with the reason.
type Rejected struct {
	ID         int64
	Subject    string
	StreamSeq  uint64
	ReceivedAt time.Time
	Reason     string
	Payload    []byte
}

// AddRejected records a rejected document once per stream sequence, so a
// redelivery does not record it twice.
func (tx *Tx) AddRejected(r *Rejected) error {
	_, err := tx.exec(`INSERT OR IGNORE INTO rejected (subject, stream_seq, received_at, reason, payload)
		VALUES (?, ?, ?, ?, ?)`, r.Subject, r.StreamSeq, ms(r.ReceivedAt), r.Reason, r.Payload)
	if err != nil {
		return fmt.Errorf("record rejected document: %w", err)
	}
	return nil
}

// RejectedDocs lists the newest rejected documents.
func (tx *Tx) RejectedDocs(limit int) ([]Rejected, error) {
	rows, err := tx.query(`SELECT id, subject, stream_seq, received_at, reason, payload
		FROM rejected ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list rejected: %w", err)
	}
	defer rows.Close()
	var out []Rejected
	for rows.Next() {
		var r Rejected
		var at int64
		if err := rows.Scan(&r.ID, &r.Subject, &r.StreamSeq, &at, &r.Reason, &r.Payload); err != nil {
			return nil, fmt.Errorf("list rejected: %w", err)
		}
		r.ReceivedAt = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
