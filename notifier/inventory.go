package notifier

import (
	"context"
	"fmt"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// CreateOrg registers an organization and returns it with its new id.
func (e *Engine) CreateOrg(ctx context.Context, spec subscribers.OrgSpec) (store.Org, error) {
	org, err := spec.Org(newID("org_"), e.Now())
	if err != nil {
		return org, &InputError{Msg: err.Error()}
	}
	err = e.db.Update(ctx, func(tx *store.Tx) error { return tx.CreateOrg(&org) })
	return org, err
}

// InputError is a request that cannot be carried out as given.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// InventoryResult says what replacing an inventory did.
type InventoryResult struct {
	Items   int `json:"items"`
	Opened  int `json:"cases_opened"`
	Updated int `json:"cases_updated"`
}

// ReplaceInventory replaces an organization's inventory and matches it
// against the advisories already known, in one transaction: a new exposure
// opens a case (and mails it); an open case gains newly affected items.
func (e *Engine) ReplaceInventory(ctx context.Context, orgID string, items []subscribers.Item) (InventoryResult, error) {
	res := InventoryResult{Items: len(items)}
	recs := make([]store.Item, len(items))
	var keys []string
	seen := map[string]bool{}
	for i, it := range items {
		recs[i] = store.Item{Vendor: it.Vendor, Product: it.Product, Version: it.Version, CPE: it.CPE,
			PURL: it.PURL, Asset: it.Asset, Keys: e.matcher.ItemKeys(it)}
		for _, k := range recs[i].Keys {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	err := e.update(ctx, func(tx *writeTx) error {
		res = InventoryResult{Items: len(items)}
		if _, err := tx.Org(orgID); err != nil {
			return err
		}
		if err := tx.ReplaceInventory(orgID, recs); err != nil {
			return err
		}
		advs, err := tx.AdvisoriesForKeys(keys)
		if err != nil {
			return err
		}
		for _, rec := range advs {
			adv, err := decodeAdvisory(rec)
			if err != nil {
				return err
			}
			hits := e.matchByOrg(adv, recs)[orgID]
			if len(hits) == 0 {
				continue
			}
			cases, err := tx.Cases(store.CaseFilter{AdvisoryID: adv.ID, OrgID: orgID})
			if err != nil {
				return err
			}
			if len(cases) == 0 || cases[0].State == store.CaseClosed || cases[0].State == store.CaseWatching {
				var c *store.Case
				if len(cases) > 0 {
					c = &cases[0]
				}
				if _, opened, err := e.applyHits(tx, adv, c, orgID, hits); err != nil {
					return err
				} else if opened == store.CaseOpen {
					res.Opened++
				}
				continue
			}
			added, err := tx.AddCaseItems(cases[0].ID, hits)
			if err != nil {
				return err
			}
			if added > 0 {
				res.Updated++
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("replace inventory of %s: %w", orgID, err)
	}
	e.wake()
	return res, nil
}

// UpdateOrg replaces an organization's name, language, time zone and
// contacts. Mail already queued keeps its recipients; later mail goes to the
// new contacts.
func (e *Engine) UpdateOrg(ctx context.Context, id string, spec subscribers.OrgSpec) (store.Org, error) {
	org, err := spec.Org(id, time.Time{})
	if err != nil {
		return org, &InputError{Msg: err.Error()}
	}
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateOrg(&org); err != nil {
			return err
		}
		org, err = tx.Org(id)
		return err
	})
	return org, err
}
