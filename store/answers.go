package store

import (
	"database/sql"
	"fmt"
)

// AddAnswer appends an answer to the history of a case. The case's own
// answer (UpdateCase) is the latest; this keeps every one.
func (tx *Tx) AddAnswer(caseID string, a Answer) error {
	var contact sql.NullInt64
	if a.ContactID != 0 {
		contact = sql.NullInt64{Int64: a.ContactID, Valid: true}
	}
	_, err := tx.exec(`INSERT INTO answers (case_id, contact_id, contact_email, status, note, until, at, ip, agent,
		justification, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		caseID, contact, a.ContactEmail, a.Status, a.Note, nullMS(a.Until), ms(a.At), a.IP, a.UserAgent,
		a.Justification, a.Version)
	if err != nil {
		return fmt.Errorf("record answer to case %s: %w", caseID, err)
	}
	return nil
}

// Answers lists every answer given to a case, oldest first.
func (tx *Tx) Answers(caseID string) ([]Answer, error) {
	rows, err := tx.query(`SELECT contact_id, contact_email, status, note, until, at, ip, agent, justification, version
		FROM answers WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("list answers: %w", err)
	}
	defer rows.Close()
	var out []Answer
	for rows.Next() {
		var a Answer
		var contact, until sql.NullInt64
		var at int64
		if err := rows.Scan(&contact, &a.ContactEmail, &a.Status, &a.Note, &until, &at, &a.IP, &a.UserAgent, &a.Justification, &a.Version); err != nil {
			return nil, fmt.Errorf("list answers: %w", err)
		}
		a.ContactID, a.Until, a.At = contact.Int64, fromNullMS(until), fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CaseDetail is one case with everything the API shows of it.
type CaseDetail struct {
	Case      Case
	Publisher string // of the case's advisory
	Items     []CaseItem
	Answers   []Answer // oldest first
}

// CaseDetail reads one case, its items and its answers.
func (tx *Tx) CaseDetail(id string) (CaseDetail, error) {
	var d CaseDetail
	var err error
	if d.Case, err = tx.Case(id); err != nil {
		return d, err
	}
	if err := tx.queryRow(`SELECT publisher FROM advisories WHERE id = ?`, d.Case.AdvisoryID).Scan(&d.Publisher); err != nil {
		return d, fmt.Errorf("read the publisher of case %s: %w", id, err)
	}
	if d.Items, err = tx.CaseItems(id); err != nil {
		return d, err
	}
	d.Answers, err = tx.Answers(id)
	return d, err
}
