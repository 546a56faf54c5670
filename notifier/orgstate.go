package notifier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/heed-dev/heed/store"
)

// Deactivating an organization: Heed stops following it without losing
// what it told it. Its cases not yet closed are closed with the reason
// store.ClosedDeactivated and their undelivered mail is cancelled; no
// closing mail goes, since the organization is no longer Heed's to write
// to (the operator decided so, often because it left, merged or its
// contacts are gone) and a last mail about every case would be exactly the
// burst deactivation is meant to stop. Cases, their items, the outbox and
// the answers stay as evidence. While deactivated, no advisory and no
// inventory change opens a case for it. Activating it again matches its
// inventory against the advisories known, as an inventory change does:
// what still hits it is opened and mailed afresh.

// DeactivateResult says what deactivating an organization did.
type DeactivateResult struct {
	CasesClosed    int
	MailsCancelled int // undelivered mails that will not go
}

// Deactivate deactivates an organization and closes its cases not yet
// closed, cancelling their undelivered mail. Deactivating one already
// deactivated changes nothing but the audit log, which records the request.
func (o *Orgs) Deactivate(ctx context.Context, orgID string) (DeactivateResult, error) {
	var res DeactivateResult
	err := o.outbox.update(ctx, func(tx *writeTx) error {
		res = DeactivateResult{}
		org, err := tx.Org(orgID)
		if err != nil {
			return err
		}
		now := o.now()
		if !org.DeactivatedAt.IsZero() {
			return tx.Audit(now, "org.deactivate", orgID, org.Name+"; already deactivated")
		}
		if err := tx.SetDeactivated(orgID, now); err != nil {
			return err
		}
		cases, err := tx.Cases(store.CaseFilter{OrgID: orgID})
		if err != nil {
			return err
		}
		for _, c := range cases {
			if c.State == store.CaseClosed {
				continue
			}
			c.State, c.ClosedReason, c.NextReminderAt, c.UpdatedAt = store.CaseClosed, store.ClosedDeactivated, time.Time{}, now
			if err := tx.UpdateCase(&c); err != nil {
				return err
			}
			if err := o.recordEvent(tx.Tx, EventClosed, &c, map[string]any{"reason": store.ClosedDeactivated}); err != nil {
				return err
			}
			res.CasesClosed++
		}
		// Nothing more goes to an organization Heed no longer follows,
		// not even a closing mail queued before, nor a digest.
		if res.MailsCancelled, err = tx.CancelOrgMails(orgID); err != nil {
			return err
		}
		return tx.Audit(now, "org.deactivate", orgID, fmt.Sprintf("%s; cases closed: %d, mails cancelled: %d", org.Name, res.CasesClosed, res.MailsCancelled))
	})
	if err != nil {
		return res, fmt.Errorf("deactivate org %s: %w", orgID, err)
	}
	o.metrics.cases.WithLabelValues("closed").Add(float64(res.CasesClosed))
	o.wake()
	return res, nil
}

// Activate makes a deactivated organization active again and matches its
// inventory against the advisories known: each that hits it opens (or
// reopens) a case, mailed. Activating an active one changes nothing
// but the audit log.
func (o *Orgs) Activate(ctx context.Context, orgID string) (InventoryResult, error) {
	var res InventoryResult
	err := o.outbox.update(ctx, func(tx *writeTx) error {
		res = InventoryResult{}
		org, err := tx.Org(orgID)
		if err != nil {
			return err
		}
		if org.DeactivatedAt.IsZero() {
			return tx.Audit(o.now(), "org.activate", orgID, org.Name+"; already active")
		}
		if err := tx.SetDeactivated(orgID, time.Time{}); err != nil {
			return err
		}
		items, err := tx.Inventory(orgID)
		if err != nil {
			return err
		}
		recs, keys := o.withKeys(items)
		res.Items = len(recs)
		if err := o.cases.inventoryChanged(tx, orgID, recs, keys, &res); err != nil {
			return err
		}
		return tx.Audit(o.now(), "org.activate", orgID, fmt.Sprintf("%s; cases opened: %d", org.Name, res.Opened))
	})
	if err != nil {
		return res, fmt.Errorf("activate org %s: %w", orgID, err)
	}
	o.wake()
	return res, nil
}

// DeleteOrg deletes an organization with its contacts and inventory, if
// it has no case: cases are the evidence of what it was told, and are
// kept. One that has cases can be deactivated instead.
func (o *Orgs) DeleteOrg(ctx context.Context, orgID string) error {
	err := o.db.Update(ctx, func(tx *store.Tx) error {
		org, err := tx.Org(orgID)
		if err != nil {
			return err
		}
		n, err := tx.CountCases(orgID)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("organization %s cannot be deleted: it has cases (%d), kept as the evidence of what it was told; deactivate it instead (POST /api/v1/orgs/%s/deactivate, heed org deactivate %s): it gets no new cases and its open ones close: %w",
				orgID, n, orgID, orgID, store.ErrConflict)
		}
		if err := tx.DeleteOrg(orgID); err != nil {
			return err
		}
		return tx.Audit(o.now(), "org.delete", orgID, org.Name)
	})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("delete org %s: %w", orgID, err)
	}
	return err
}
