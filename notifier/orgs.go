package notifier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// Orgs registers organizations and their inventories; an inventory change is
// matched by the cases stage in the same transaction.
type Orgs struct {
	*deps
	cases  *Cases
	outbox *Outbox
	// businessHours is the business_hours of a new organization that
	// gives none ([delivery] business_hours).
	businessHours string
}

// CreateOrg registers an organization and returns it with its new id.
func (o *Orgs) CreateOrg(ctx context.Context, spec subscribers.OrgSpec) (store.Org, error) {
	if spec.BusinessHours == "" {
		spec.BusinessHours = o.businessHours
	}
	org, err := spec.Org(newID("org_"), o.now())
	if err != nil {
		return org, &InputError{Msg: err.Error()}
	}
	err = o.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOrg(&org); err != nil {
			return err
		}
		return tx.Audit(o.now(), "org.create", org.ID, org.Name)
	})
	return org, err
}

// InputError is a request that cannot be carried out as given.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// InventoryResult says what replacing an inventory did.
type InventoryResult struct {
	Items   int
	Opened  int // cases opened, each mailed
	Updated int // open cases that gained items
	// Resolved: cases still waiting that the new inventory no longer hits
	// (every item at a version not affected, or gone), closed as resolved.
	Resolved int
}

// ReplaceInventory replaces an organization's inventory and matches it
// against the advisories already known, in one transaction: a new exposure
// opens a case (and mails it); an open case gains newly affected items; a
// case still waiting whose items all show a fixed version (or are gone)
// closes as resolved, with one mail saying so.
func (o *Orgs) ReplaceInventory(ctx context.Context, orgID string, items []store.Item) (InventoryResult, error) {
	res := InventoryResult{Items: len(items)}
	if err := o.syncAliases(ctx); err != nil {
		return res, err
	}
	near, err := o.cases.orgNearMisses(ctx, orgID, items)
	if err != nil {
		return res, fmt.Errorf("replace inventory of %s: near misses: %w", orgID, err)
	}
	fingerprint := o.matcher.KeysFingerprint()
	recs, keys := o.withKeys(items)
	err = o.outbox.update(ctx, func(tx *writeTx) error {
		res = InventoryResult{Items: len(items)}
		// An alias learnt meanwhile (a near miss confirmed) changes keys.
		if fp := o.matcher.KeysFingerprint(); fp != fingerprint {
			fingerprint = fp
			recs, keys = o.withKeys(items)
		}
		org, err := tx.Org(orgID)
		if err != nil {
			return err
		}
		if err := tx.ReplaceInventory(orgID, recs); err != nil {
			return err
		}
		// A deactivated organization's inventory is kept, not matched:
		// activating it matches it then.
		if !org.DeactivatedAt.IsZero() {
			return tx.Audit(o.now(), "inventory.replace", orgID, fmt.Sprintf("items: %d; organization deactivated, not matched", res.Items))
		}
		if err := o.cases.inventoryChanged(tx, orgID, recs, keys, &res); err != nil {
			return err
		}
		if _, err := tx.RecordNearMisses("", orgID, near, o.now()); err != nil {
			return err
		}
		return tx.Audit(o.now(), "inventory.replace", orgID,
			fmt.Sprintf("items: %d; cases opened: %d, updated: %d, resolved: %d", res.Items, res.Opened, res.Updated, res.Resolved))
	})
	if err != nil {
		return res, fmt.Errorf("replace inventory of %s: %w", orgID, err)
	}
	o.wake()
	return res, nil
}

// withKeys gives each item its lookup keys, and lists them all once.
func (o *Orgs) withKeys(items []store.Item) (recs []store.Item, keys []string) {
	recs = slices.Clone(items)
	seen := map[string]bool{}
	for i := range recs {
		recs[i].Keys = o.matcher.ItemKeys(recs[i])
		for _, k := range recs[i].Keys {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return recs, keys
}

// UpdateOrg replaces an organization's name, language, time zone and
// contacts; the mail settings it leaves empty (business hours, digest)
// stay as they were. Mail already queued keeps its recipients; later mail
// goes to the new contacts.
func (o *Orgs) UpdateOrg(ctx context.Context, id string, spec subscribers.OrgSpec) (store.Org, error) {
	var org store.Org
	err := o.db.Update(ctx, func(tx *store.Tx) error {
		was, err := tx.Org(id)
		if err != nil {
			return err
		}
		keepSettings(&spec, was)
		if org, err = spec.Org(id, time.Time{}); err != nil {
			return &InputError{Msg: err.Error()}
		}
		if err := tx.UpdateOrg(&org); err != nil {
			return err
		}
		if org, err = tx.Org(id); err != nil {
			return err
		}
		return tx.Audit(o.now(), "org.update", id, org.Name)
	})
	return org, err
}

// ImportResult says what an organization import did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// ImportOrgs creates or updates, by external id, every organization of an
// import file in one transaction: a row the store refuses refuses the
// whole file, naming its line. An update replaces name, language, time
// zone and contacts; mail settings the row leaves empty stay as they were.
func (o *Orgs) ImportOrgs(ctx context.Context, rows []subscribers.OrgRow) (ImportResult, error) {
	var res ImportResult
	err := o.db.Update(ctx, func(tx *store.Tx) error {
		res = ImportResult{}
		for _, row := range rows {
			if err := o.importRow(tx, row, &res); err != nil {
				var in *InputError
				if errors.As(err, &in) {
					return &InputError{Msg: fmt.Sprintf("line %d (%s): %s", row.Line, row.ExternalID, in.Msg)}
				}
				return fmt.Errorf("line %d (%s): %w", row.Line, row.ExternalID, err)
			}
		}
		return tx.Audit(o.now(), "org.import", "orgs", fmt.Sprintf("rows: %d; created: %d, updated: %d", len(rows), res.Created, res.Updated))
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import organizations: %w", err)
	}
	return res, nil
}

func (o *Orgs) importRow(tx *store.Tx, row subscribers.OrgRow, res *ImportResult) error {
	id, err := tx.OrgByExternalID(row.ExternalID)
	if errors.Is(err, store.ErrNotFound) {
		spec := row.Spec
		if spec.BusinessHours == "" {
			spec.BusinessHours = o.businessHours
		}
		org, err := spec.Org(newID("org_"), o.now())
		if err != nil {
			return &InputError{Msg: err.Error()}
		}
		if err := tx.CreateOrg(&org); err != nil {
			return err
		}
		res.Created++
		return tx.SetExternalID(org.ID, row.ExternalID)
	}
	if err != nil {
		return err
	}
	was, err := tx.Org(id)
	if err != nil {
		return err
	}
	spec := row.Spec
	keepSettings(&spec, was)
	org, err := spec.Org(id, time.Time{})
	if err != nil {
		return &InputError{Msg: err.Error()}
	}
	res.Updated++
	return tx.UpdateOrg(&org)
}

// keepSettings fills the mail settings a spec leaves empty with an
// organization's current ones.
func keepSettings(spec *subscribers.OrgSpec, was store.Org) {
	for _, f := range []struct {
		spec *string
		was  string
	}{
		{&spec.BusinessHours, was.BusinessHours}, {&spec.Digest, was.Digest}, {&spec.DigestTime, was.DigestTime}} {
		if *f.spec == "" {
			*f.spec = f.was
		}
	}
}
