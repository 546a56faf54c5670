package store

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Near-miss states.
const (
	ReviewPending   = "pending"
	ReviewConfirmed = "confirmed"
	ReviewDismissed = "dismissed"
	// ReviewDecided lists both decided states, the latest decision first.
	ReviewDecided = "decided"
)

// NearMiss is an inventory item an advisory nearly matches, kept for an
// operator's review (migration 23).
type NearMiss struct {
	ID         string
	AdvisoryID string
	OrgID      string
	OrgName    string // read only
	Title      string // the advisory's, read only
	Pair       string // what a decision is about: the item's and the advisory's folded names
	Vendor     string // the item
	Product    string
	Version    string
	Asset      string
	AdvVendor  string // the advisory's product
	AdvProduct string
	Why        string // words_added or words_dropped
	Words      []string
	Reason     Reason // why the version is inside
	State      string
	FoundAt    time.Time
	DecidedAt  time.Time
	DecidedBy  string
}

const nearMissColumns = `n.id, n.advisory_id, n.org_id, o.name, a.title, n.pair, n.vendor, n.product, n.version, n.asset,
	n.adv_vendor, n.adv_product, n.why, n.words, n.reason_code, n.reason_args, n.state, n.found_at, n.decided_at, n.decided_by`

const nearMissFrom = ` FROM near_misses n JOIN orgs o ON o.id = n.org_id JOIN advisories a ON a.id = n.advisory_id`

func scanNearMiss(row interface{ Scan(...any) error }) (NearMiss, error) {
	var n NearMiss
	var words, args string
	var found int64
	var decided sql.NullInt64
	err := row.Scan(&n.ID, &n.AdvisoryID, &n.OrgID, &n.OrgName, &n.Title, &n.Pair, &n.Vendor, &n.Product, &n.Version, &n.Asset,
		&n.AdvVendor, &n.AdvProduct, &n.Why, &words, &n.Reason.Code, &args, &n.State, &found, &decided, &n.DecidedBy)
	if err != nil {
		return n, err
	}
	n.Words = strings.Fields(words)
	if err := json.Unmarshal([]byte(args), &n.Reason.Args); err != nil {
		return n, fmt.Errorf("near miss %s: reason arguments %q: %w", n.ID, args, err)
	}
	n.FoundAt = fromMS(found)
	if decided.Valid {
		n.DecidedAt = fromMS(decided.Int64)
	}
	return n, nil
}

// RecordNearMisses records found, the near misses an advisory brings in
// the scope of one advisory (orgID "") or one organization (advisoryID
// ""): a pair already recorded keeps its row and its decision; a pending
// one of that scope no longer found is dropped (the item changed, or the
// revision). It returns how many were new.
func (tx *Tx) RecordNearMisses(advisoryID, orgID string, found []NearMiss, now time.Time) (added int, err error) {
	keep := map[string]bool{}
	for _, n := range found {
		args, err := json.Marshal(n.Reason.Args)
		if err != nil {
			return added, fmt.Errorf("record near miss: %w", err)
		}
		if n.Reason.Args == nil {
			args = []byte("[]")
		}
		res, err := tx.exec(`INSERT OR IGNORE INTO near_misses (id, advisory_id, org_id, pair, vendor, product, version, asset,
			adv_vendor, adv_product, why, words, reason_code, reason_args, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.ID, n.AdvisoryID, n.OrgID, n.Pair, n.Vendor, n.Product, n.Version, n.Asset, n.AdvVendor, n.AdvProduct,
			n.Why, strings.Join(n.Words, " "), n.Reason.Code, string(args), ms(now))
		if err != nil {
			return added, fmt.Errorf("record near miss: %w", err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			added++
		}
		keep[n.AdvisoryID+"\x00"+n.OrgID+"\x00"+n.Pair] = true
	}
	rows, err := tx.query(`SELECT id, advisory_id, org_id, pair FROM near_misses
		WHERE state = 'pending' AND (advisory_id = ? OR ? = '') AND (org_id = ? OR ? = '')`, advisoryID, advisoryID, orgID, orgID)
	if err != nil {
		return added, fmt.Errorf("record near misses: %w", err)
	}
	var gone []string
	for rows.Next() {
		var id, adv, org, pair string
		if err := rows.Scan(&id, &adv, &org, &pair); err != nil {
			rows.Close()
			return added, fmt.Errorf("record near misses: %w", err)
		}
		if !keep[adv+"\x00"+org+"\x00"+pair] {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return added, fmt.Errorf("record near misses: %w", err)
	}
	for _, id := range gone {
		if _, err := tx.exec(`DELETE FROM near_misses WHERE id = ?`, id); err != nil {
			return added, fmt.Errorf("drop near miss: %w", err)
		}
	}
	return added, nil
}

// NextNearMissScan returns the applied advisory that has waited longest
// for its near misses to be looked for (MarkApplied), with the revision
// it was applied at; ErrNotFound when none waits.
func (tx *Tx) NextNearMissScan() (id, revision string, err error) {
	err = tx.queryRow(`SELECT id, revision FROM advisories WHERE near_miss_scan = 1 AND applied = 1
		ORDER BY received_at, id LIMIT 1`).Scan(&id, &revision)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("next near-miss scan: %w", ErrNotFound)
	}
	if err != nil {
		return "", "", fmt.Errorf("next near-miss scan: %w", err)
	}
	return id, revision, nil
}

// FinishNearMissScan records found, the near misses of an advisory's
// revision (RecordNearMisses), and clears its mark, if that revision is
// still the one applied and waiting. It reports false, recording nothing,
// when a newer revision came meanwhile: that one has its own scan.
func (tx *Tx) FinishNearMissScan(advisoryID, revision string, found []NearMiss, now time.Time) (bool, error) {
	res, err := tx.exec(`UPDATE advisories SET near_miss_scan = 0
		WHERE id = ? AND revision = ? AND applied = 1 AND near_miss_scan = 1`, advisoryID, revision)
	if err != nil {
		return false, fmt.Errorf("finish near-miss scan of %s: %w", advisoryID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.RecordNearMisses(advisoryID, "", found, now); err != nil {
		return false, err
	}
	return true, nil
}

// NearMisses lists the near misses in a state ("" for all), newest first,
// at most limit; ReviewDecided lists the decided ones, latest decision first.
func (tx *Tx) NearMisses(state string, limit int) ([]NearMiss, error) {
	q := `SELECT ` + nearMissColumns + nearMissFrom + ` WHERE n.state = ? OR ? = '' ORDER BY n.found_at DESC, n.id LIMIT ?`
	args := []any{state, state, limit}
	if state == ReviewDecided {
		q = `SELECT ` + nearMissColumns + nearMissFrom + ` WHERE n.state <> 'pending' ORDER BY n.decided_at DESC, n.id LIMIT ?`
		args = []any{limit}
	}
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("list near misses: %w", err)
	}
	defer rows.Close()
	var out []NearMiss
	for rows.Next() {
		n, err := scanNearMiss(rows)
		if err != nil {
			return nil, fmt.Errorf("list near misses: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// NearMiss returns one near miss.
func (tx *Tx) NearMiss(id string) (NearMiss, error) {
	n, err := scanNearMiss(tx.queryRow(`SELECT `+nearMissColumns+nearMissFrom+` WHERE n.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, fmt.Errorf("near miss %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return n, fmt.Errorf("read near miss: %w", err)
	}
	return n, nil
}

// DecideNearMiss records an operator's decision on a pending near miss;
// ErrConflict when it was decided already.
func (tx *Tx) DecideNearMiss(id, state, by string, at time.Time) error {
	res, err := tx.exec(`UPDATE near_misses SET state = ?, decided_at = ?, decided_by = ? WHERE id = ? AND state = 'pending'`,
		state, ms(at), by, id)
	if err != nil {
		return fmt.Errorf("decide near miss: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.NearMiss(id); err != nil {
			return err
		}
		return fmt.Errorf("near miss %s: decided already: %w", id, ErrConflict)
	}
	return nil
}

// LearntAlias is an alias group learnt from a confirmed near miss.
type LearntAlias struct {
	ID         int64
	Kind       string
	Names      []string
	NearMissID string
	LearntAt   time.Time
}

// AddLearntAlias keeps an alias group learnt from near miss nearMissID.
func (tx *Tx) AddLearntAlias(kind string, names []string, nearMissID string, at time.Time) error {
	b, err := json.Marshal(names)
	if err != nil {
		return fmt.Errorf("keep learnt alias: %w", err)
	}
	if _, err := tx.exec(`INSERT INTO learnt_aliases (kind, names, near_miss_id, learnt_at) VALUES (?, ?, ?, ?)`,
		kind, string(b), nearMissID, ms(at)); err != nil {
		return fmt.Errorf("keep learnt alias: %w", err)
	}
	return nil
}

// LearntAliases lists the learnt alias groups with an id above after, in
// the order they were learnt.
func (tx *Tx) LearntAliases(after int64) ([]LearntAlias, error) {
	rows, err := tx.query(`SELECT id, kind, names, near_miss_id, learnt_at FROM learnt_aliases WHERE id > ? ORDER BY id`, after)
	if err != nil {
		return nil, fmt.Errorf("list learnt aliases: %w", err)
	}
	defer rows.Close()
	var out []LearntAlias
	for rows.Next() {
		var a LearntAlias
		var names string
		var at int64
		if err := rows.Scan(&a.ID, &a.Kind, &names, &a.NearMissID, &at); err != nil {
			return nil, fmt.Errorf("list learnt aliases: %w", err)
		}
		if err := json.Unmarshal([]byte(names), &a.Names); err != nil {
			return nil, fmt.Errorf("learnt alias %d: %w", a.ID, err)
		}
		a.LearntAt = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ItemsOfVendors lists the items whose lookup keys name one of the folded
// vendors (keys name:<vendor>/…) and whose vendor and product names, as
// written, keep accepts: a range of the key index per vendor, read first
// for its distinct names (a vendor may have a tenth of a national
// inventory, under a few names), then for the items of the names kept.
func (tx *Tx) ItemsOfVendors(vendors []string, keep func(vendor, product string) bool) ([]Item, error) {
	var items []Item
	for _, v := range vendors {
		lo, hi := "name:"+v+"/", "name:"+v+"0" // '0' follows '/'
		rows, err := tx.query(`SELECT DISTINCT vendor, product FROM item_keys WHERE key >= ? AND key < ?`, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("list items of %s: %w", v, err)
		}
		var names [][2]string
		for rows.Next() {
			var n [2]string
			if err := rows.Scan(&n[0], &n[1]); err != nil {
				rows.Close()
				return nil, fmt.Errorf("list items of %s: %w", v, err)
			}
			if keep(n[0], n[1]) {
				names = append(names, n)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("list items of %s: %w", v, err)
		}
		for _, n := range names {
			got, err := tx.queryItems(`SELECT item_id, org_id, vendor, product, version, cpe, purl, asset
				FROM item_keys WHERE key >= ? AND key < ? AND vendor = ? AND product = ?`, lo, hi, n[0], n[1])
			if err != nil {
				return nil, err
			}
			items = append(items, got...)
		}
	}
	// An item found under two keys is listed once.
	slices.SortFunc(items, func(a, b Item) int { return cmp.Compare(a.ID, b.ID) })
	return slices.CompactFunc(items, func(a, b Item) bool { return a.ID == b.ID }), nil
}

// AdvisoriesOfVendors lists the ids of the advisories, not withdrawn, whose
// lookup keys name one of the folded vendors.
func (tx *Tx) AdvisoriesOfVendors(vendors []string) ([]string, error) {
	ids := map[string]bool{}
	for _, v := range vendors {
		rows, err := tx.query(`SELECT DISTINCT k.advisory_id FROM advisory_keys k JOIN advisories a ON a.id = k.advisory_id
			WHERE a.withdrawn = 0 AND k.key >= ? AND k.key < ?`, "name:"+v+"/", "name:"+v+"0")
		if err != nil {
			return nil, fmt.Errorf("list advisories: %w", err)
		}
		if err := collectIDs(rows, ids); err != nil {
			return nil, err
		}
	}
	return slices.Sorted(maps.Keys(ids)), nil
}
