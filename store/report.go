package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AdvisoryRevision is one revision of an advisory as Heed applied it.
type AdvisoryRevision struct {
	Revision  string
	Title     string
	Severity  string
	Withdrawn bool
	AppliedAt time.Time
}

// AdvisoryReport is everything the operator's page of one advisory shows:
// the advisory and its revisions, every case with its organization's name
// and every answer given to it (the uptake curve is drawn from these), and
// when the first mail about it was written.
type AdvisoryReport struct {
	Advisory  Advisory
	Revisions []AdvisoryRevision // oldest first
	Cases     []Case             // silent and most urgent first (Cases)
	OrgNames  map[string]string
	Answers   map[string][]Answer // by case id, oldest first
	// FirstMail is when the first mail about one of its cases was written;
	// zero: none yet.
	FirstMail time.Time
}

// AdvisoryReport reads the report of one advisory in one snapshot.
func (db *DB) AdvisoryReport(ctx context.Context, id string) (r AdvisoryReport, err error) {
	err = db.View(ctx, func(tx *Tx) error { r, err = tx.AdvisoryReport(id); return err })
	return r, err
}

// AdvisoryReport reads the report of one advisory; ErrNotFound if there is
// no such advisory.
func (tx *Tx) AdvisoryReport(id string) (AdvisoryReport, error) {
	var r AdvisoryReport
	var err error
	if r.Advisory, err = tx.Advisory(id); err != nil {
		return r, err
	}
	r.Advisory.Doc = nil
	if r.Revisions, err = tx.revisions(id); err != nil {
		return r, err
	}
	if r.Cases, err = tx.Cases(CaseFilter{AdvisoryID: id}); err != nil {
		return r, err
	}
	orgs := make([]string, len(r.Cases))
	for i, c := range r.Cases {
		orgs[i] = c.OrgID
	}
	if r.OrgNames, err = tx.OrgNames(orgs); err != nil {
		return r, err
	}
	if r.Answers, err = tx.answersOfAdvisory(id); err != nil {
		return r, err
	}
	var first sql.NullInt64
	if err := tx.queryRow(`SELECT min(created_at) FROM outbox
		WHERE case_id IN (SELECT id FROM cases WHERE advisory_id = ?)`, id).Scan(&first); err != nil {
		return r, fmt.Errorf("read the first mail of advisory %s: %w", id, err)
	}
	r.FirstMail = fromNullMS(first)
	return r, nil
}

func (tx *Tx) revisions(id string) ([]AdvisoryRevision, error) {
	rows, err := tx.query(`SELECT revision, title, severity, withdrawn, applied_at FROM advisory_revisions
		WHERE advisory_id = ? ORDER BY applied_at, revision`, id)
	if err != nil {
		return nil, fmt.Errorf("list revisions of advisory %s: %w", id, err)
	}
	defer rows.Close()
	var out []AdvisoryRevision
	for rows.Next() {
		var v AdvisoryRevision
		var at int64
		if err := rows.Scan(&v.Revision, &v.Title, &v.Severity, &v.Withdrawn, &at); err != nil {
			return nil, fmt.Errorf("list revisions of advisory %s: %w", id, err)
		}
		v.AppliedAt = fromMS(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

func (tx *Tx) answersOfAdvisory(id string) (map[string][]Answer, error) {
	rows, err := tx.query(`SELECT case_id, contact_email, status, justification, version, note, until, at FROM answers
		WHERE case_id IN (SELECT id FROM cases WHERE advisory_id = ?) ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("list answers of advisory %s: %w", id, err)
	}
	defer rows.Close()
	out := map[string][]Answer{}
	for rows.Next() {
		var caseID string
		var a Answer
		var until sql.NullInt64
		var at int64
		if err := rows.Scan(&caseID, &a.ContactEmail, &a.Status, &a.Justification, &a.Version, &a.Note, &until, &at); err != nil {
			return nil, fmt.Errorf("list answers of advisory %s: %w", id, err)
		}
		a.Until, a.At = fromNullMS(until), fromMS(at)
		out[caseID] = append(out[caseID], a)
	}
	return out, rows.Err()
}
