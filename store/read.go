package store

import (
	"context"
	"fmt"
)

// The reads below each run in one snapshot of their own, for callers that
// hold no transaction: the HTTP surface reads through them and never sees a
// *Tx or the database handle.

// CasePage reads one page of cases; see Tx.CasePage.
func (db *DB) CasePage(ctx context.Context, q CaseQuery) (p CasePage, err error) {
	err = db.View(ctx, func(tx *Tx) error { p, err = tx.CasePage(q); return err })
	return p, err
}

// CaseDetail reads one case with its items and every answer given to it.
func (db *DB) CaseDetail(ctx context.Context, id string) (d CaseDetail, err error) {
	err = db.View(ctx, func(tx *Tx) error { d, err = tx.CaseDetail(id); return err })
	return d, err
}

// CaseTotals counts the cases matching f by state.
func (db *DB) CaseTotals(ctx context.Context, f CaseFilter) (n map[string]int, err error) {
	err = db.View(ctx, func(tx *Tx) error { n, err = tx.CaseTotals(f); return err })
	return n, err
}

// OrgPage reads one page of organizations; see Tx.OrgPage.
func (db *DB) OrgPage(ctx context.Context, q OrgQuery) (p OrgPage, err error) {
	err = db.View(ctx, func(tx *Tx) error { p, err = tx.OrgPage(q); return err })
	return p, err
}

// Org reads one organization with its contacts.
func (db *DB) Org(ctx context.Context, id string) (o Org, err error) {
	err = db.View(ctx, func(tx *Tx) error { o, err = tx.Org(id); return err })
	return o, err
}

// Inventory lists the items of an organization; ErrNotFound if there is no
// such organization.
func (db *DB) Inventory(ctx context.Context, orgID string) (items []Item, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		if _, err := tx.Org(orgID); err != nil {
			return err
		}
		items, err = tx.Inventory(orgID)
		return err
	})
	return items, err
}

// HeldAdvisories lists the advisory revisions waiting for approval (sent
// by publisher; empty: by any).
func (db *DB) HeldAdvisories(ctx context.Context, limit int, publisher string) (h []HeldAdvisory, err error) {
	err = db.View(ctx, func(tx *Tx) error { h, err = tx.HeldAdvisories(limit, publisher); return err })
	return h, err
}

// AdvisorySummaries lists the newest advisories (of publisher; empty: of
// all) with their cases by state.
func (db *DB) AdvisorySummaries(ctx context.Context, limit int, publisher string) (a []AdvisorySummary, err error) {
	err = db.View(ctx, func(tx *Tx) error { a, err = tx.AdvisorySummaries(limit, publisher); return err })
	return a, err
}

// RejectedDocs lists the newest rejected documents.
func (db *DB) RejectedDocs(ctx context.Context, limit int) (r []Rejected, err error) {
	err = db.View(ctx, func(tx *Tx) error { r, err = tx.RejectedDocs(limit); return err })
	return r, err
}

// RejectedDoc reads one rejected document with its kept payload.
func (db *DB) RejectedDoc(ctx context.Context, id int64) (r Rejected, err error) {
	err = db.View(ctx, func(tx *Tx) error { r, err = tx.RejectedDoc(id); return err })
	return r, err
}

// Mails lists outbox messages without their bodies.
func (db *DB) Mails(ctx context.Context, f MailFilter) (m []Mail, err error) {
	err = db.View(ctx, func(tx *Tx) error { m, err = tx.Mails(f); return err })
	return m, err
}

// Mail reads one outbox message with its body.
func (db *DB) Mail(ctx context.Context, id int64) (m Mail, err error) {
	err = db.View(ctx, func(tx *Tx) error { m, err = tx.Mail(id); return err })
	return m, err
}

// Ping reads the database, to tell whether it answers.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM settings`).Scan(&n)
	if err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}

// AuditPage reads one page of the audit log, newest first.
func (db *DB) AuditPage(ctx context.Context, q AuditQuery) (p AuditPage, err error) {
	err = db.View(ctx, func(tx *Tx) error { p, err = tx.AuditPage(q); return err })
	return p, err
}
