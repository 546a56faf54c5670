package notifier

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// The lookup keys of items (item_keys) and advisories (advisory_keys) are
// computed by the matcher when they are stored, so that an advisory finds
// its candidate items with an index. They depend on how names are folded
// and on the alias table; when either changes, keys stored before would
// miss. The store keeps the fingerprint of the function that computed them
// (subscribers.Matcher.KeysFingerprint).

// keysSetting is the setting holding the fingerprint of the stored keys.
const keysSetting = "keys_fingerprint"

// rekeyBatch is how many items one round of Rekey reads and compares.
const rekeyBatch = 5000

// Rekey recomputes every stored lookup key when they were computed by
// another key function than the matcher's (an older Heed, other aliases in
// the configuration), and records the new fingerprint. The aliases learnt
// from confirmed near misses are read first (syncAliases). It does nothing when
// the fingerprint is the same. It runs before intake starts; stopped half
// way, it starts over at the next start. It returns how many items and
// advisories had keys that differ.
//
// The advisories, few, are re-keyed first, in one transaction, so that an
// inventory imported meanwhile finds the advisories it concerns. Then the
// items, a page at a time: a page and its stored keys are read from a read
// snapshot, the keys computed outside the write lock (once per distinct
// name: a country runs the same products in many places), and only the
// keys that differ are written, in a short transaction. Most changes of
// the alias table change few items' keys, so most pages write nothing.
func (cs *Cases) Rekey(ctx context.Context) (items, advisories int, err error) {
	if err := cs.syncAliases(ctx); err != nil {
		return 0, 0, err
	}
	want := cs.matcher.KeysFingerprint()
	var have string
	err = cs.db.View(ctx, func(tx *store.Tx) error {
		have, err = tx.Setting(keysSetting)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil || have == want {
		return 0, 0, err
	}
	err = cs.db.Update(ctx, func(tx *store.Tx) error {
		ids, err := tx.AdvisoryIDs(nil)
		if err != nil {
			return err
		}
		advisories = len(ids)
		return cs.rekeyAdvisories(tx, ids)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("re-key advisories: %w", err)
	}
	k := newKeyer(cs.matcher)
	for after := int64(0); ; {
		n, last, err := cs.rekeyPage(ctx, k, after)
		if err != nil {
			return items, advisories, fmt.Errorf("re-key items: %w", err)
		}
		if last == after {
			break
		}
		items, after = items+n, last
	}
	err = cs.db.Update(ctx, func(tx *store.Tx) error {
		// The matcher's fingerprint now: an alias learnt during the re-keying
		// re-keyed what it changed (Review.Confirm), and the pages after it
		// were computed with it.
		return tx.SetSetting(keysSetting, cs.matcher.KeysFingerprint())
	})
	if err != nil {
		return items, advisories, fmt.Errorf("re-key: %w", err)
	}
	if have != "" || items+advisories > 0 {
		cs.log.Info("lookup keys recomputed: this version of Heed or the alias table computes them differently", "items", items, "advisories", advisories)
	}
	return items, advisories, nil
}

// rekeyPage re-keys the page of items after the id after, and returns how
// many items' keys changed and the last id of the page (after when there
// is none).
func (cs *Cases) rekeyPage(ctx context.Context, k *keyer, after int64) (changed int, last int64, err error) {
	var page []store.Item
	err = cs.db.View(ctx, func(tx *store.Tx) (err error) {
		page, err = tx.ItemsWithKeysAfter(after, rekeyBatch)
		return err
	})
	if err != nil || len(page) == 0 {
		return 0, after, err
	}
	fp := k.fingerprint()
	changes := k.changes(page)
	if len(changes) == 0 {
		return 0, page[len(page)-1].ID, nil
	}
	err = cs.db.Update(ctx, func(tx *store.Tx) error {
		// Items are never changed in place: an item of the page is as read,
		// or deleted (ChangeItemKeys then adds it no key). Its keys may have
		// changed only by an alias learnt since (Review.Confirm): then the
		// page is read and computed again, under the lock.
		if k.fingerprint() != fp {
			page, err := tx.ItemsWithKeysAfter(after, len(page))
			if err != nil {
				return err
			}
			changes = k.changes(page)
		}
		return tx.ChangeItemKeys(changes)
	})
	return len(changes), page[len(page)-1].ID, err
}

// keyer computes items' lookup keys once per distinct name and alias table.
type keyer struct {
	m    *subscribers.Matcher
	fp   string
	memo map[keyedName][]string
}

// keyedName is what an item's keys are computed from (Matcher.ItemKeys).
type keyedName struct{ vendor, product, cpe, purl string }

// maxKeyMemo bounds the memo: inventories of unique names (CPEs and purls
// with their versions) would otherwise keep every item's keys.
const maxKeyMemo = 100_000

func newKeyer(m *subscribers.Matcher) *keyer { return &keyer{m: m} }

// fingerprint is the matcher's fingerprint now.
func (k *keyer) fingerprint() string { return k.m.KeysFingerprint() }

// changes lists the keys to drop and add for each item of page whose
// stored keys (Keys, sorted) are not those the matcher computes.
func (k *keyer) changes(page []store.Item) []store.KeyChange {
	if fp := k.fingerprint(); fp != k.fp || len(k.memo) > maxKeyMemo {
		k.fp, k.memo = fp, map[keyedName][]string{}
	}
	var out []store.KeyChange
	for _, it := range page {
		n := keyedName{it.Vendor, it.Product, it.CPE, it.PURL}
		want, ok := k.memo[n]
		if !ok {
			want = k.m.ItemKeys(it)
			k.memo[n] = want
		}
		if slices.Equal(want, it.Keys) {
			continue
		}
		c := store.KeyChange{ItemID: it.ID}
		for _, key := range it.Keys {
			if _, found := slices.BinarySearch(want, key); !found {
				c.Drop = append(c.Drop, key)
			}
		}
		for _, key := range want {
			if _, found := slices.BinarySearch(it.Keys, key); !found {
				c.Add = append(c.Add, key)
			}
		}
		out = append(out, c)
	}
	return out
}

// rekeyAdvisories recomputes the lookup keys of the advisories ids.
func (cs *Cases) rekeyAdvisories(tx *store.Tx, ids []string) error {
	for _, id := range ids {
		adv, err := loadAdvisory(tx, id)
		if err != nil {
			return err
		}
		keys, scanAll := cs.matcher.Prepare(adv.Affected).Keys()
		if err := tx.ReplaceAdvisoryKeys(id, keys, scanAll); err != nil {
			return err
		}
	}
	return nil
}
