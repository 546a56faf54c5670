package store

import (
	"context"
	"fmt"
	"time"
)

// Reply is a mail received at a case's reply address, as the operator sees it.
type Reply struct {
	ID         int64
	ReceivedAt time.Time
	CaseID     string
	Sender     string
	Subject    string
	Line       string // the first line that is not quoted
	Outcome    string // answered, not_contact, no_answer, unauthenticated, closed, automatic
}

// AddReply keeps a received reply.
func (tx *Tx) AddReply(r *Reply) error {
	res, err := tx.exec(`INSERT INTO replies (received_at, case_id, sender, subject, line, outcome) VALUES (?, ?, ?, ?, ?, ?)`,
		ms(r.ReceivedAt), r.CaseID, r.Sender, r.Subject, r.Line, r.Outcome)
	if err != nil {
		return fmt.Errorf("keep reply: %w", err)
	}
	r.ID, err = res.LastInsertId()
	return err
}

// Replies lists up to limit received replies, newest first.
func (db *DB) Replies(ctx context.Context, limit int) (out []Reply, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT id, received_at, case_id, sender, subject, line, outcome FROM replies
			ORDER BY received_at DESC, id DESC LIMIT ?`, limit)
		if err != nil {
			return fmt.Errorf("list replies: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r Reply
			var at int64
			if err := rows.Scan(&r.ID, &at, &r.CaseID, &r.Sender, &r.Subject, &r.Line, &r.Outcome); err != nil {
				return fmt.Errorf("list replies: %w", err)
			}
			r.ReceivedAt = fromMS(at)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
