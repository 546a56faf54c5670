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
// the advisory (with its normalized document) and its revisions, every case with its organization's name
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
		if err := scanAnswerRow(rows, &caseID, &a); err != nil {
			return nil, fmt.Errorf("list answers of advisory %s: %w", id, err)
		}
		out[caseID] = append(out[caseID], a)
	}
	return out, rows.Err()
}

// ProductCount is how many inventory items an organization has of one
// vendor's product.
type ProductCount struct {
	Vendor, Product string
	Items           int
}

// CaseAnswer is one answer given to a case, with the case it answered.
type CaseAnswer struct {
	CaseID string
	Answer
}

// OrgReport is everything the operator's page of one organization shows:
// the organization and its contacts, its inventory counted by vendor and
// product, its cases with their advisories' headings, the mails sent about
// them (newest first, at most OrgReportMails) and every answer given.
type OrgReport struct {
	Org        Org
	Products   []ProductCount
	Cases      []Case
	Advisories map[string]AdvisoryHead
	Mails      []Mail       // without bodies
	Answers    []CaseAnswer // newest first
}

// OrgReportMails bounds the mails an organization's report lists.
const OrgReportMails = 1000

// OrgReport reads the report of one organization in one snapshot.
func (db *DB) OrgReport(ctx context.Context, id string) (r OrgReport, err error) {
	err = db.View(ctx, func(tx *Tx) error { r, err = tx.OrgReport(id); return err })
	return r, err
}

// OrgReport reads the report of one organization; ErrNotFound if there is
// no such organization.
func (tx *Tx) OrgReport(id string) (OrgReport, error) {
	var r OrgReport
	var err error
	if r.Org, err = tx.Org(id); err != nil {
		return r, err
	}
	if r.Products, err = tx.productCounts(id); err != nil {
		return r, err
	}
	if r.Cases, err = tx.Cases(CaseFilter{OrgID: id}); err != nil {
		return r, err
	}
	advs := make([]string, len(r.Cases))
	for i, c := range r.Cases {
		advs[i] = c.AdvisoryID
	}
	if r.Advisories, err = tx.advisoryHeads(advs); err != nil {
		return r, err
	}
	// A digest carries several cases and names none itself (mail_cases).
	if r.Mails, err = tx.queryMails(false, `SELECT `+mailColumns+` FROM outbox
		WHERE case_id IN (SELECT id FROM cases WHERE org_id = ?)
		   OR id IN (SELECT m.mail_id FROM mail_cases m JOIN cases c ON c.id = m.case_id WHERE c.org_id = ?)
		ORDER BY id DESC LIMIT ?`, id, id, OrgReportMails); err != nil {
		return r, err
	}
	r.Answers, err = tx.answersOfOrg(id)
	return r, err
}

func (tx *Tx) productCounts(orgID string) ([]ProductCount, error) {
	rows, err := tx.query(`SELECT vendor, product, count(*) FROM items WHERE org_id = ?
		GROUP BY vendor, product ORDER BY vendor, product`, orgID)
	if err != nil {
		return nil, fmt.Errorf("count the inventory of %s: %w", orgID, err)
	}
	defer rows.Close()
	var out []ProductCount
	for rows.Next() {
		var p ProductCount
		if err := rows.Scan(&p.Vendor, &p.Product, &p.Items); err != nil {
			return nil, fmt.Errorf("count the inventory of %s: %w", orgID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (tx *Tx) answersOfOrg(orgID string) ([]CaseAnswer, error) {
	rows, err := tx.query(`SELECT case_id, contact_email, status, justification, version, note, until, at FROM answers
		WHERE case_id IN (SELECT id FROM cases WHERE org_id = ?) ORDER BY id DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list answers of org %s: %w", orgID, err)
	}
	defer rows.Close()
	var out []CaseAnswer
	for rows.Next() {
		var a CaseAnswer
		if err := scanAnswerRow(rows, &a.CaseID, &a.Answer); err != nil {
			return nil, fmt.Errorf("list answers of org %s: %w", orgID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// scanAnswerRow reads case_id, contact_email, status, justification,
// version, note, until, at.
func scanAnswerRow(rows *sql.Rows, caseID *string, a *Answer) error {
	var until sql.NullInt64
	var at int64
	if err := rows.Scan(caseID, &a.ContactEmail, &a.Status, &a.Justification, &a.Version, &a.Note, &until, &at); err != nil {
		return err
	}
	a.Until, a.At = fromNullMS(until), fromMS(at)
	return nil
}
