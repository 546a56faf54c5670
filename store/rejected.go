package store

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
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
	Payload    []byte // its first MaxRejectedPayload bytes; read by RejectedDoc only
	Size       int64  // of the whole document
	SHA256     string // hex, of the whole document; empty for rows of an older Heed
}

// MaxRejectedPayload is how much of a rejected document is kept: enough to
// see what it was, while a flood of large junk cannot fill the disk.
const MaxRejectedPayload = 64 << 10

// AddRejected records a rejected document once per stream sequence, so a
// redelivery does not record it twice. Its payload is cut to
// MaxRejectedPayload; its size and digest are of the whole.
func (tx *Tx) AddRejected(r *Rejected) error {
	sum := sha256.Sum256(r.Payload)
	r.Size, r.SHA256 = int64(len(r.Payload)), hex.EncodeToString(sum[:])
	if len(r.Payload) > MaxRejectedPayload {
		r.Payload = r.Payload[:MaxRejectedPayload]
	}
	_, err := tx.exec(`INSERT OR IGNORE INTO rejected (subject, stream_seq, received_at, reason, payload, payload_size, payload_sha256)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.Subject, r.StreamSeq, ms(r.ReceivedAt), r.Reason, r.Payload, r.Size, r.SHA256)
	if err != nil {
		return fmt.Errorf("record rejected document: %w", err)
	}
	return nil
}

const rejectedColumns = `id, subject, stream_seq, received_at, reason, payload_size, payload_sha256`

func scanRejected(row interface{ Scan(...any) error }, payload *[]byte) (Rejected, error) {
	var r Rejected
	var at int64
	dst := []any{&r.ID, &r.Subject, &r.StreamSeq, &at, &r.Reason, &r.Size, &r.SHA256}
	if payload != nil {
		dst = append(dst, payload)
	}
	err := row.Scan(dst...)
	r.ReceivedAt = fromMS(at)
	return r, err
}

// RejectedDocs lists the newest rejected documents, without their payloads.
func (tx *Tx) RejectedDocs(limit int) ([]Rejected, error) {
	rows, err := tx.query(`SELECT `+rejectedColumns+` FROM rejected ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list rejected: %w", err)
	}
	defer rows.Close()
	var out []Rejected
	for rows.Next() {
		r, err := scanRejected(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("list rejected: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RejectedDoc returns one rejected document with the payload kept of it.
func (tx *Tx) RejectedDoc(id int64) (Rejected, error) {
	var payload []byte
	r, err := scanRejected(tx.queryRow(`SELECT `+rejectedColumns+`, payload FROM rejected WHERE id = ?`, id), &payload)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("rejected document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read rejected document: %w", err)
	}
	r.Payload = payload
	return r, nil
}
