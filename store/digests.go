package store

import "fmt"

// DigestCases lists the cases a digest mail carried, each with the
// reminder of it that the digest was.
func (tx *Tx) DigestCases(mailID int64) ([]MailCase, error) {
	out, err := tx.mailCases(`SELECT case_id, seq FROM mail_cases WHERE mail_id = ? ORDER BY case_id`, mailID)
	if err != nil {
		return nil, fmt.Errorf("read the cases of digest %d: %w", mailID, err)
	}
	return out, nil
}

// DigestCasesTo lists, of the cases digest mailID carried, those that a
// digest to the contact carried too: a case once for each such digest,
// with the reminder of it that digest was.
func (tx *Tx) DigestCasesTo(mailID, contactID int64) ([]MailCase, error) {
	out, err := tx.mailCases(`SELECT d.case_id, d.seq FROM mail_cases d JOIN outbox o ON o.id = d.mail_id
		WHERE o.contact_id = ? AND d.case_id IN (SELECT case_id FROM mail_cases WHERE mail_id = ?)`, contactID, mailID)
	if err != nil {
		return nil, fmt.Errorf("read the digests of contact %d: %w", contactID, err)
	}
	return out, nil
}

func (tx *Tx) mailCases(q string, args ...any) ([]MailCase, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MailCase
	for rows.Next() {
		var mc MailCase
		if err := rows.Scan(&mc.CaseID, &mc.Seq); err != nil {
			return nil, err
		}
		out = append(out, mc)
	}
	return out, rows.Err()
}
