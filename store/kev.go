package store

import (
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"
)

// KEV is one entry of the catalog of known exploited vulnerabilities.
type KEV struct {
	CVE       string    // upper case, CVE-YYYY-N...
	DateAdded time.Time // the day it was catalogued
	Due       time.Time // the catalog's due date; zero: none given
}

// PutKEV stores catalog entries, taking a later import's due date for a CVE
// already stored, and returns how many CVEs were new.
func (tx *Tx) PutKEV(entries []KEV, at time.Time) (added int, err error) {
	for _, e := range entries {
		var known int
		if err := tx.queryRow(`SELECT count(*) FROM kev WHERE cve = ?`, e.CVE).Scan(&known); err != nil {
			return added, fmt.Errorf("store catalog entry %s: %w", e.CVE, err)
		}
		if _, err := tx.exec(`INSERT INTO kev (cve, date_added, due_at, imported_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (cve) DO UPDATE SET date_added = excluded.date_added, due_at = excluded.due_at`,
			e.CVE, ms(e.DateAdded), nullMS(e.Due), ms(at)); err != nil {
			return added, fmt.Errorf("store catalog entry %s: %w", e.CVE, err)
		}
		if known == 0 {
			added++
		}
	}
	return added, nil
}

// KEVFor returns the catalog's entries for these CVEs (upper case).
func (tx *Tx) KEVFor(cves []string) ([]KEV, error) {
	var out []KEV
	for chunk := range slices.Chunk(cves, keyChunk) {
		rows, err := tx.tx.QueryContext(tx.ctx, `SELECT cve, date_added, due_at FROM kev WHERE cve IN (`+placeholders(len(chunk))+`) ORDER BY cve`, anys(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("read catalog: %w", err)
		}
		for rows.Next() {
			var e KEV
			var added int64
			var due sql.NullInt64
			if err := rows.Scan(&e.CVE, &added, &due); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read catalog: %w", err)
			}
			e.DateAdded, e.Due = fromMS(added), fromNullMS(due)
			out = append(out, e)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read catalog: %w", err)
		}
	}
	return out, nil
}

// UnexploitedAdvisories lists the advisories that have a case still
// waiting (open or scheduled) not yet known to be exploited.
func (tx *Tx) UnexploitedAdvisories() ([]string, error) {
	rows, err := tx.query(`SELECT DISTINCT advisory_id FROM cases
		WHERE state IN ('open', 'scheduled') AND exploited_at IS NULL ORDER BY advisory_id`)
	if err != nil {
		return nil, fmt.Errorf("list advisories of waiting cases: %w", err)
	}
	ids := map[string]bool{}
	if err := collectIDs(rows, ids); err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(ids)), nil
}

// CaseItemsOf lists the items of each of the cases, by case, in one
// statement: what a batch of cases marked known exploited reads once.
func (tx *Tx) CaseItemsOf(caseIDs []string) (map[string][]CaseItem, error) {
	return tx.caseItemsOf(caseIDs)
}
