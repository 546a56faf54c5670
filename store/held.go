package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// HeldAdvisory is an advisory revision that waits for an operator's
// approval because it would open more cases than its publisher may.
type HeldAdvisory struct {
	ID         string
	Revision   string
	Publisher  string
	Title      string
	Severity   string
	WouldOpen  int
	Doc        []byte // the normalized advisory, as it will be applied
	ReceivedAt time.Time
}

// HoldAdvisory keeps a revision waiting for approval, replacing a revision
// of the same advisory that waited before it.
func (tx *Tx) HoldAdvisory(h *HeldAdvisory) error {
	_, err := tx.exec(`INSERT INTO held_advisories (id, revision, publisher, title, severity, would_open, doc, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, publisher = excluded.publisher, title = excluded.title,
		  severity = excluded.severity, would_open = excluded.would_open, doc = excluded.doc, received_at = excluded.received_at`,
		h.ID, h.Revision, h.Publisher, h.Title, h.Severity, h.WouldOpen, h.Doc, ms(h.ReceivedAt))
	if err != nil {
		return fmt.Errorf("hold advisory %s: %w", h.ID, err)
	}
	return nil
}

const heldColumns = `id, revision, publisher, title, severity, would_open, doc, received_at`

func scanHeld(row interface{ Scan(...any) error }) (HeldAdvisory, error) {
	var h HeldAdvisory
	var at int64
	err := row.Scan(&h.ID, &h.Revision, &h.Publisher, &h.Title, &h.Severity, &h.WouldOpen, &h.Doc, &at)
	h.ReceivedAt = fromMS(at)
	return h, err
}

// HeldAdvisory returns the revision of an advisory that waits for approval.
func (tx *Tx) HeldAdvisory(id string) (HeldAdvisory, error) {
	h, err := scanHeld(tx.queryRow(`SELECT `+heldColumns+` FROM held_advisories WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("held advisory %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("read held advisory: %w", err)
	}
	return h, nil
}

// HeldAdvisories lists the revisions waiting for approval, newest first:
// those sent by publisher, or with publisher empty, all.
func (tx *Tx) HeldAdvisories(limit int, publisher string) ([]HeldAdvisory, error) {
	rows, err := tx.query(`SELECT `+heldColumns+` FROM held_advisories WHERE ? IN ('', publisher)
		ORDER BY received_at DESC, id LIMIT ?`, publisher, limit)
	if err != nil {
		return nil, fmt.Errorf("list held advisories: %w", err)
	}
	defer rows.Close()
	var out []HeldAdvisory
	for rows.Next() {
		h, err := scanHeld(rows)
		if err != nil {
			return nil, fmt.Errorf("list held advisories: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// ReleaseHeld removes a waiting revision (approved or discarded).
func (tx *Tx) ReleaseHeld(id string) error {
	res, err := tx.exec(`DELETE FROM held_advisories WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("release held advisory %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("held advisory %s: %w", id, ErrNotFound)
	}
	return nil
}
