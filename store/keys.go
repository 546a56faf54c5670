package store

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Lookup keys are computed by the matcher when an item is imported and when
// an advisory is stored. When the function that computes them changes (a
// new Heed folds names differently, an alias is added), the stored keys are
// recomputed: these are the statements that do it.

// While the items' keys are recomputed, a page at a time in the background
// (notifier.Cases.RekeyItems), the setting keys_stale_after holds the id up
// to which they are recomputed: the keys of the items after it may have
// been computed another way and may miss. ItemsByKeys then lists each of
// those items as a candidate (withUnkeyed), so that an advisory applied
// meanwhile is matched against them all, never against keys that may be
// stale; the deeper the re-keying is, the fewer they are.
const keysStaleSetting = "keys_stale_after"

// KeysStaleAfter reports whether the items' keys are being recomputed, and
// if so the id up to which they are.
func (tx *Tx) KeysStaleAfter() (after int64, stale bool, err error) {
	var v string
	err = tx.queryRow(`SELECT value FROM settings WHERE key = ?`, keysStaleSetting).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err == nil {
		after, err = strconv.ParseInt(v, 10, 64)
	}
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", keysStaleSetting, err)
	}
	return after, true, nil
}

// SetKeysStaleAfter records that the keys of the items up to the id after
// are recomputed, and those after it not yet.
func (tx *Tx) SetKeysStaleAfter(after int64) error {
	return tx.SetSetting(keysStaleSetting, strconv.FormatInt(after, 10))
}

// KeysRecomputed records that every item's keys are recomputed.
func (tx *Tx) KeysRecomputed() error {
	if _, err := tx.exec(`DELETE FROM settings WHERE key = ?`, keysStaleSetting); err != nil {
		return fmt.Errorf("write %s: %w", keysStaleSetting, err)
	}
	return nil
}

// withUnkeyed completes the items found by their keys (sorted by id) while
// the keys are recomputed: those after the id the re-keying has reached
// are replaced by every item after it, in id order.
func (tx *Tx) withUnkeyed(items []Item) ([]Item, error) {
	after, stale, err := tx.KeysStaleAfter()
	if err != nil || !stale {
		return items, err
	}
	i, _ := slices.BinarySearchFunc(items, after+1, func(it Item, id int64) int { return cmp.Compare(it.ID, id) })
	return tx.appendItems(items[:i], `SELECT `+itemColumns+` FROM items i WHERE i.id > ? ORDER BY i.id`, after)
}

// ItemsAfter lists up to n items with an id above after, by id: a page of
// every inventory.
func (tx *Tx) ItemsAfter(after int64, n int) ([]Item, error) {
	return tx.queryItems(`SELECT `+itemColumns+` FROM items i WHERE i.id > ? ORDER BY i.id LIMIT ?`, after, n)
}

// ItemsWithKeysAfter is ItemsAfter with the lookup keys stored for each
// item (Keys, sorted): what re-keying compares the keys it computes with,
// so that it writes only the keys that differ.
func (tx *Tx) ItemsWithKeysAfter(after int64, n int) ([]Item, error) {
	items, err := tx.ItemsAfter(after, n)
	if err != nil || len(items) == 0 {
		return items, err
	}
	// One range of the index item_keys_item, which holds the keys.
	rows, err := tx.query(`SELECT item_id, key FROM item_keys WHERE item_id > ? AND item_id <= ? ORDER BY item_id, key`,
		after, items[len(items)-1].ID)
	if err != nil {
		return nil, fmt.Errorf("list item keys: %w", err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, fmt.Errorf("list item keys: %w", err)
		}
		for i < len(items) && items[i].ID < id {
			i++
		}
		if i < len(items) && items[i].ID == id {
			items[i].Keys = append(items[i].Keys, key)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list item keys: %w", err)
	}
	return items, nil
}

// KeyChange is what re-keying changes of one item's lookup keys.
type KeyChange struct {
	ItemID    int64
	Drop, Add []string
}

// ChangeItemKeys drops and adds lookup keys of items. A key is added with
// its copy of the item read from items, so an item deleted meanwhile gets
// none.
func (tx *Tx) ChangeItemKeys(changes []KeyChange) error {
	for _, c := range changes {
		for _, k := range c.Drop {
			if _, err := tx.exec(`DELETE FROM item_keys WHERE key = ? AND item_id = ?`, k, c.ItemID); err != nil {
				return fmt.Errorf("change item keys: %w", err)
			}
		}
		for _, k := range c.Add {
			if _, err := tx.exec(`INSERT OR IGNORE INTO item_keys (key, item_id, org_id, vendor, product, version, cpe, purl, asset)
				SELECT ?, id, org_id, vendor, product, version, cpe, purl, asset FROM items WHERE id = ?`, k, c.ItemID); err != nil {
				return fmt.Errorf("change item keys: %w", err)
			}
		}
	}
	return nil
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
