package store

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Advisory is a stored advisory: a few columns to list and filter by, and the
// normalized document as JSON.
type Advisory struct {
	ID        string
	Revision  string
	Publisher string // its owner: the publisher that first published it
	Format    string
	Title     string
	Severity  string
	Withdrawn bool
	// Informational: it informs and names no affected product; it never
	// has keys or cases.
	Informational bool
	Applied       bool     // every case it calls for has been opened, updated or closed
	ScanAll       bool     // some entry has no lookup key
	Keys          []string // candidate-lookup keys of its affected entries
	Doc           []byte
	ReceivedAt    time.Time
	UpdatedAt     time.Time
}

// Advisory returns a stored advisory.
func (tx *Tx) Advisory(id string) (Advisory, error) {
	var a Advisory
	var received, updated int64
	err := tx.queryRow(
		`SELECT id, revision, publisher, format, title, severity, withdrawn, informational, applied, scan_all, doc, received_at, updated_at
		 FROM advisories WHERE id = ?`, id).
		Scan(&a.ID, &a.Revision, &a.Publisher, &a.Format, &a.Title, &a.Severity, &a.Withdrawn, &a.Informational, &a.Applied, &a.ScanAll, &a.Doc, &received, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("advisory %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("read advisory: %w", err)
	}
	a.ReceivedAt, a.UpdatedAt = fromMS(received), fromMS(updated)
	return a, nil
}

// PutAdvisory inserts an advisory or replaces the stored revision, and its
// keys. The publisher of a stored advisory stays: an id belongs to the
// publisher that first published it; without one, it is "default", the
// publisher of a configuration that names none.
func (tx *Tx) PutAdvisory(a *Advisory) error {
	if a.Publisher == "" {
		a.Publisher = "default"
	}
	_, err := tx.exec(
		`INSERT INTO advisories (id, revision, publisher, format, title, severity, withdrawn, informational, applied, scan_all, doc, received_at, updated_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, format = excluded.format,
		   title = excluded.title, severity = excluded.severity, withdrawn = excluded.withdrawn, informational = excluded.informational,
		   applied = excluded.applied, scan_all = excluded.scan_all, doc = excluded.doc, updated_at = excluded.updated_at`,
		a.ID, a.Revision, a.Publisher, a.Format, a.Title, a.Severity, a.Withdrawn, a.Informational, a.Applied, a.ScanAll, a.Doc, ms(a.ReceivedAt), ms(a.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store advisory %s: %w", a.ID, err)
	}
	// The history keeps a revision's first arrival; one applied again (a
	// retry, a held revision approved) is the same revision.
	if _, err := tx.exec(`INSERT OR IGNORE INTO advisory_revisions (advisory_id, revision, title, severity, withdrawn, applied_at)
		VALUES (?, ?, ?, ?, ?, ?)`, a.ID, a.Revision, a.Title, a.Severity, a.Withdrawn, ms(a.UpdatedAt)); err != nil {
		return fmt.Errorf("store advisory revision: %w", err)
	}
	return tx.writeAdvisoryKeys(a.ID, a.Keys)
}

// AdvisoriesForKeys lists the advisories, not withdrawn, that have one of
// keys or that must be matched against every item.
func (tx *Tx) AdvisoriesForKeys(keys []string) ([]Advisory, error) {
	ids := map[string]bool{}
	rows, err := tx.query(`SELECT id FROM advisories WHERE withdrawn = 0 AND scan_all = 1`)
	if err != nil {
		return nil, fmt.Errorf("list advisories: %w", err)
	}
	if err := collectIDs(rows, ids); err != nil {
		return nil, err
	}
	for chunk := range slices.Chunk(keys, keyChunk) {
		rows, err := tx.tx.QueryContext(tx.ctx, `SELECT DISTINCT k.advisory_id FROM advisory_keys k
			JOIN advisories a ON a.id = k.advisory_id
			WHERE a.withdrawn = 0 AND k.key IN (`+placeholders(len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("list advisories: %w", err)
		}
		if err := collectIDs(rows, ids); err != nil {
			return nil, err
		}
	}
	out := make([]Advisory, 0, len(ids))
	for id := range ids {
		a, err := tx.Advisory(id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Advisory) int {
		if c := a.ReceivedAt.Compare(b.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func collectIDs(rows *sql.Rows, ids map[string]bool) error {
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("list advisories: %w", err)
		}
		ids[id] = true
	}
	return rows.Err()
}

// MarkApplied records that every case an advisory's revision calls for has
// been committed, and that its near misses are still to be looked for
// (NextNearMissScan).
func (tx *Tx) MarkApplied(id string) error {
	if _, err := tx.exec(`UPDATE advisories SET applied = 1, near_miss_scan = 1 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("mark advisory %s applied: %w", id, err)
	}
	return nil
}

// AdvisorySummary is an advisory with its cases counted by state.
type AdvisorySummary struct {
	ID        string
	Revision  string
	Publisher string
	Format    string
	Title     string
	Severity  string
	Withdrawn bool
	// Informational: shown as information, it has no cases.
	Informational bool
	ReceivedAt    time.Time
	UpdatedAt     time.Time
	Cases         map[string]int
}

// AdvisorySummaries lists the advisories, newest first, with their cases
// counted by state: the agency's view of who is still silent on what. A
// publisher limits them to its own; empty: every publisher's.
func (tx *Tx) AdvisorySummaries(limit int, publisher string) ([]AdvisorySummary, error) {
	rows, err := tx.query(`SELECT a.id, a.revision, a.publisher, a.format, a.title, a.severity, a.withdrawn, a.informational, a.received_at,
		a.updated_at, c.state, count(c.id)
		FROM (SELECT * FROM advisories WHERE ? IN ('', publisher) ORDER BY received_at DESC, id LIMIT ?) a
		LEFT JOIN cases c ON c.advisory_id = a.id
		GROUP BY a.id, c.state ORDER BY a.received_at DESC, a.id`, publisher, limit)
	if err != nil {
		return nil, fmt.Errorf("list advisories: %w", err)
	}
	defer rows.Close()
	var out []AdvisorySummary
	for rows.Next() {
		var a AdvisorySummary
		var received, updated int64
		var state sql.NullString
		var n int
		if err := rows.Scan(&a.ID, &a.Revision, &a.Publisher, &a.Format, &a.Title, &a.Severity, &a.Withdrawn, &a.Informational, &received, &updated, &state, &n); err != nil {
			return nil, fmt.Errorf("list advisories: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != a.ID {
			a.ReceivedAt, a.UpdatedAt, a.Cases = fromMS(received), fromMS(updated), map[string]int{}
			out = append(out, a)
		}
		if state.Valid {
			out[len(out)-1].Cases[state.String] = n
		}
	}
	return out, rows.Err()
}
