package store

import (
	"fmt"
	"maps"
	"slices"
)

// Lookup keys are computed by the matcher when an item is imported and when
// an advisory is stored. When the function that computes them changes (a
// new Heed folds names differently, an alias is added), the stored keys are
// recomputed: these are the statements that do it.

// ItemsAfter lists up to n items with an id above after, by id: a page of
// every inventory.
func (tx *Tx) ItemsAfter(after int64, n int) ([]Item, error) {
	return tx.queryItems(`SELECT `+itemColumns+` FROM items i WHERE i.id > ? ORDER BY i.id LIMIT ?`, after, n)
}

// ReplaceItemKeys replaces the lookup keys of an item (it.ID), each with
// its copy of the item.
func (tx *Tx) ReplaceItemKeys(it Item, keys []string) error {
	if _, err := tx.exec(`DELETE FROM item_keys WHERE item_id = ?`, it.ID); err != nil {
		return fmt.Errorf("replace item keys: %w", err)
	}
	for _, k := range keys {
		if _, err := tx.exec(`INSERT OR IGNORE INTO item_keys
			(key, item_id, org_id, vendor, product, version, cpe, purl, asset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			k, it.ID, it.OrgID, it.Vendor, it.Product, it.Version, it.CPE, it.PURL, it.Asset); err != nil {
			return fmt.Errorf("replace item keys: %w", err)
		}
	}
	return nil
}

// AdvisoryIDs lists the ids of every stored advisory, or of those having
// one of keys when keys is not nil.
func (tx *Tx) AdvisoryIDs(keys []string) ([]string, error) {
	ids := map[string]bool{}
	if keys == nil {
		rows, err := tx.query(`SELECT id FROM advisories ORDER BY id`)
		if err != nil {
			return nil, fmt.Errorf("list advisories: %w", err)
		}
		if err := collectIDs(rows, ids); err != nil {
			return nil, err
		}
	}
	for _, k := range keys {
		rows, err := tx.query(`SELECT advisory_id FROM advisory_keys WHERE key = ?`, k)
		if err != nil {
			return nil, fmt.Errorf("list advisories: %w", err)
		}
		if err := collectIDs(rows, ids); err != nil {
			return nil, err
		}
	}
	out := slices.Collect(maps.Keys(ids))
	slices.Sort(out)
	return out, nil
}

// ReplaceAdvisoryKeys replaces the lookup keys of an advisory and whether
// it must be matched against every item.
func (tx *Tx) ReplaceAdvisoryKeys(id string, keys []string, scanAll bool) error {
	if _, err := tx.exec(`UPDATE advisories SET scan_all = ? WHERE id = ?`, scanAll, id); err != nil {
		return fmt.Errorf("replace advisory keys: %w", err)
	}
	return tx.writeAdvisoryKeys(id, keys)
}

// writeAdvisoryKeys replaces the rows of advisory_keys of an advisory.
func (tx *Tx) writeAdvisoryKeys(id string, keys []string) error {
	if _, err := tx.exec(`DELETE FROM advisory_keys WHERE advisory_id = ?`, id); err != nil {
		return fmt.Errorf("store advisory keys: %w", err)
	}
	for _, k := range keys {
		if _, err := tx.exec(`INSERT OR IGNORE INTO advisory_keys (key, advisory_id) VALUES (?, ?)`, k, id); err != nil {
			return fmt.Errorf("store advisory keys: %w", err)
		}
	}
	return nil
}
