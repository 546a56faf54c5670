package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Item is one inventory entry of an organization, with the candidate-lookup
// keys the matcher computed for it.
type Item struct {
	ID      int64
	OrgID   string
	Vendor  string
	Product string
	Version string
	CPE     string
	PURL    string
	Asset   string
	Keys    []string
}

// ReplaceInventory replaces every item of an organization.
func (tx *Tx) ReplaceInventory(orgID string, items []Item) error {
	if _, err := tx.exec(`DELETE FROM items WHERE org_id = ?`, orgID); err != nil {
		return fmt.Errorf("clear inventory: %w", err)
	}
	ins, err := tx.tx.PrepareContext(tx.ctx,
		`INSERT INTO items (org_id, vendor, product, version, cpe, purl, asset) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("insert item: %w", err)
	}
	defer ins.Close()
	key, err := tx.tx.PrepareContext(tx.ctx, `INSERT OR IGNORE INTO item_keys
		(key, item_id, org_id, vendor, product, version, cpe, purl, asset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("insert item key: %w", err)
	}
	defer key.Close()
	for i := range items {
		it := &items[i]
		it.OrgID = orgID
		res, err := ins.ExecContext(tx.ctx, orgID, it.Vendor, it.Product, it.Version, it.CPE, it.PURL, it.Asset)
		if err != nil {
			return fmt.Errorf("insert item %d: %w", i+1, err)
		}
		it.ID, _ = res.LastInsertId()
		for _, k := range it.Keys {
			if _, err := key.ExecContext(tx.ctx, k, it.ID, orgID, it.Vendor, it.Product, it.Version, it.CPE, it.PURL, it.Asset); err != nil {
				return fmt.Errorf("insert item key: %w", err)
			}
		}
	}
	return nil
}

const itemColumns = `i.id, i.org_id, i.vendor, i.product, i.version, i.cpe, i.purl, i.asset`

func (tx *Tx) queryItems(query string, args ...any) ([]Item, error) {
	return tx.appendItems(nil, query, args...)
}

// appendItems appends the items query lists to items.
func (tx *Tx) appendItems(items []Item, query string, args ...any) ([]Item, error) {
	rows, err := tx.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.OrgID, &it.Vendor, &it.Product, &it.Version, &it.CPE, &it.PURL, &it.Asset); err != nil {
			return nil, fmt.Errorf("list items: %w", err)
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// Inventory lists the items of an organization.
func (tx *Tx) Inventory(orgID string) ([]Item, error) {
	return tx.queryItems(`SELECT `+itemColumns+` FROM items i WHERE i.org_id = ? ORDER BY i.id`, orgID)
}

// ItemsByKeys lists the items having at least one of keys, each once, in
// the order they were imported (so an organization's items in the order of
// its inventory). With all set it lists every item instead, by
// organization.
//
// The items are read from the copies their keys carry (migration 19): the
// candidates of a key are one range of item_keys, in item order. They are
// read as one value per chunk of keys (jsonRows): row by row, the Go side
// of the read cost more than SQLite's.
func (tx *Tx) ItemsByKeys(keys []string, all bool) ([]Item, error) {
	if all {
		return tx.queryItems(`SELECT ` + itemColumns + ` FROM items i ORDER BY i.org_id, i.id`)
	}
	// SQLite bounds the variables of one statement: ask in chunks.
	var items []Item
	for chunk := range slices.Chunk(keys, keyChunk) {
		var n int
		var rows jsonRows
		err := tx.queryRow(`SELECT count(*), json_group_array(json_array(item_id, org_id, vendor, product, version, cpe, purl, asset))
			FROM item_keys WHERE key IN (`+placeholders(len(chunk))+`)`, anys(chunk)...).Scan(&n, &rows.value)
		if err != nil {
			return nil, fmt.Errorf("list items: %w", err)
		}
		items = slices.Grow(items, n)
		for rows.next() {
			items = append(items, Item{ID: rows.int(), OrgID: rows.text(), Vendor: rows.text(), Product: rows.text(),
				Version: rows.text(), CPE: rows.text(), PURL: rows.text(), Asset: rows.text()})
		}
		if rows.err != nil {
			return nil, fmt.Errorf("list items: %w", rows.err)
		}
	}
	return tx.withUnkeyed(inItemOrder(items))
}

// inItemOrder lists items by id, each once. One key's items come in item
// order, so the items of an advisory with one key that has candidates are
// already; with several (two products, or an item under its purl and its
// name), their ids and places are sorted and the items gathered in that
// order: sorting the items themselves moved 144 bytes at every step, 42 ms
// of CPU for the 120,000 candidates of an advisory naming two products of
// BenchmarkPreview1M's inventory.
func inItemOrder(items []Item) []Item {
	if slices.IsSortedFunc(items, func(a, b Item) int { return cmp.Compare(a.ID, b.ID) }) {
		return slices.CompactFunc(items, func(a, b Item) bool { return a.ID == b.ID })
	}
	type place struct {
		id int64
		at int
	}
	order := make([]place, len(items))
	for i, it := range items {
		order[i] = place{it.ID, i}
	}
	slices.SortFunc(order, func(a, b place) int { return cmp.Compare(a.id, b.id) })
	out := make([]Item, 0, len(items))
	for i, p := range order {
		if i == 0 || p.id != order[i-1].id {
			out = append(out, items[p.at])
		}
	}
	return out
}

// keyChunk is how many keys one lookup statement binds, well under SQLite's
// limit on variables.
const keyChunk = 500

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
