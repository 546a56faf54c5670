package store

import (
	"context"
	"errors"
	"testing"
)

// TestCasesRebuiltKeepEverything: the migration that rebuilds cases (the
// unique key by organization, then advisory, in place of cases_org) keeps
// every case and every row that refers to one (with foreign keys on,
// dropping the old table would have deleted them all), leaves foreign keys
// on for the store's connections, and still refuses a second case of an
// advisory at an organization and deletes an organization's cases with it.
func TestCasesRebuiltKeepEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := oldDB(t, "_cases_org_advisory.sql",
		`INSERT INTO orgs (id, name, created_at) VALUES ('o1', 'Acme', 1), ('o2', 'Beta', 1)`,
		`INSERT INTO contacts (id, org_id, email, role) VALUES (1, 'o1', 'sec@acme.example', 'primary')`,
		`INSERT INTO advisories (id, revision, format, title, severity, doc, received_at, updated_at)
		 VALUES ('SA1', '1', 'heed', 't', 'high', '{}', 1, 1), ('SA2', '1', 'heed', 't', 'high', '{}', 1, 1)`,
		`INSERT INTO cases (id, advisory_id, org_id, state, opened_at, due_at, updated_at, answer_status, told_revision, exploited_at)
		 VALUES ('c1', 'SA1', 'o1', 'answered', 1, 2, 3, 'patched', '1', 4), ('c2', 'SA2', 'o1', 'open', 1, 2, 3, '', '1', NULL),
		        ('c3', 'SA1', 'o2', 'open', 1, 2, 3, '', '1', NULL)`,
		`INSERT INTO case_items (case_id, vendor, product, version, cpe, purl, asset, certainty) VALUES ('c1', 'V', 'P', '1', '', '', 'a', 'affected')`,
		`INSERT INTO outbox (case_id, contact_id, kind, seq, recipient, subject, message_id, state, next_attempt_at, created_at)
		 VALUES ('c1', 1, 'notice', 0, 'sec@acme.example', 's', '<m1@heed>', 'sent', 5, 1)`,
		`INSERT INTO answers (case_id, contact_email, status, note, at, ip, agent) VALUES ('c1', 'sec@acme.example', 'patched', '', 6, '', '')`)

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.View(ctx, func(tx *Tx) error { return tx.queryRow(q).Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM cases`:                                  3,
		`SELECT count(*) FROM case_items`:                             1,
		`SELECT count(*) FROM outbox`:                                 1,
		`SELECT count(*) FROM answers`:                                1,
		`SELECT count(*) FROM sqlite_master WHERE name = 'cases_org'`: 0,
	} {
		if n := count(q); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
	var c Case
	if err := db.View(ctx, func(tx *Tx) (err error) { c, err = tx.CaseFor("SA1", "o1"); return err }); err != nil {
		t.Fatal(err)
	}
	if c.ID != "c1" || c.State != CaseAnswered || c.Answer == nil || c.Answer.Status != "patched" || c.ExploitedAt.IsZero() || c.ToldRevision != "1" {
		t.Errorf("case c1 after the rebuild: %+v", c)
	}
	err = db.Update(ctx, func(tx *Tx) error {
		return tx.CreateCase(&Case{ID: "c4", AdvisoryID: "SA1", OrgID: "o1", State: CaseOpen})
	})
	if !errors.Is(err, ErrConflict) {
		t.Errorf("a second case of SA1 at o1: %v, want ErrConflict", err)
	}
	// Foreign keys are on again: deleting an organization deletes its
	// cases, and their items, mails and answers with them.
	if err := db.Update(ctx, func(tx *Tx) error { _, err := tx.exec(`DELETE FROM orgs WHERE id = 'o1'`); return err }); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM cases`:      1,
		`SELECT count(*) FROM case_items`: 0,
		`SELECT count(*) FROM outbox`:     0,
		`SELECT count(*) FROM answers`:    0,
	} {
		if n := count(q); n != want {
			t.Errorf("after deleting o1, %s: %d, want %d", q, n, want)
		}
	}
}
