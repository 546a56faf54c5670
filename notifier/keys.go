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

// rekeyBatch is how many items one round of RekeyItems reads and compares.
const rekeyBatch = 5000

// Rekey starts recomputing the stored lookup keys when they were computed
// by another key function than the matcher's (an older Heed, other aliases
// in the configuration). The aliases learnt from confirmed near misses are
// read first (syncAliases). It does nothing when the fingerprint is the
// same. Otherwise, in one transaction, it recomputes the advisories' keys
// (few), records the matcher's fingerprint and marks every item's keys as
// not yet recomputed (store.Tx.SetKeysStaleAfter), which RekeyItems then
// does in the background. It runs before intake starts, and takes a
// moment: intake need not wait for the items, since until their keys are
// recomputed an advisory is matched against each of them
// (store.Tx.ItemsByKeys). It returns how many advisories it re-keyed.
func (cs *Cases) Rekey(ctx context.Context) (advisories int, err error) {
	if err := cs.syncAliases(ctx); err != nil {
		return 0, err
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
		return 0, err
	}
	err = cs.db.Update(ctx, func(tx *store.Tx) error {
		ids, err := tx.AdvisoryIDs(nil)
		if err != nil {
			return err
		}
		if err := cs.rekeyAdvisories(tx, ids); err != nil {
			return err
		}
		advisories = len(ids)
		if err := tx.SetSetting(keysSetting, cs.matcher.KeysFingerprint()); err != nil {
			return err
		}
		if some, err := tx.ItemsAfter(0, 1); err != nil || len(some) == 0 {
			return err
		}
		return tx.SetKeysStaleAfter(0)
	})
	if err != nil {
		return 0, fmt.Errorf("re-key advisories: %w", err)
	}
	if have != "" || advisories > 0 {
		cs.log.Info("lookup keys recomputed: this version of Heed or the alias table computes them differently; the items' follow in the background",
			"advisories", advisories)
	}
	return advisories, nil
}

// RekeyItems recomputes the keys of the items that Rekey marked, from where
// the re-keying stands (a stop loses nothing done), and returns how many
// items' keys differed. It runs beside intake (heed serve's act).
//
// A page of items and their stored keys is read from a read snapshot, the
// keys computed outside the write lock (once per distinct name: a country
// runs the same products in many places), and only the keys that differ
// are written, in a short transaction that also records how far the
// re-keying is. Most changes of the alias table change few items' keys, so
// most pages write little.
func (cs *Cases) RekeyItems(ctx context.Context) (items int, err error) {
	k := newKeyer(cs.matcher)
	for {
		var after int64
		var stale bool
		err := cs.db.View(ctx, func(tx *store.Tx) (err error) {
			after, stale, err = tx.KeysStaleAfter()
			return err
		})
		if err != nil || !stale {
			return items, err
		}
		n, done, err := cs.rekeyPage(ctx, k, after)
		if err != nil {
			return items, fmt.Errorf("re-key items: %w", err)
		}
		items += n
		if done {
			cs.log.Info("lookup keys of the items recomputed", "items", items)
			cs.wake() // the near-miss scans waited
			return items, nil
		}
	}
}

// rekeyPage re-keys the page of items after the id after, and records how
// far the re-keying is: after the page, or done when no item follows. It
// returns how many items' keys changed.
func (cs *Cases) rekeyPage(ctx context.Context, k *keyer, after int64) (changed int, done bool, err error) {
	var page []store.Item
	err = cs.db.View(ctx, func(tx *store.Tx) (err error) {
		page, err = tx.ItemsWithKeysAfter(after, rekeyBatch)
		return err
	})
	if err != nil {
		return 0, false, err
	}
	fp := k.fingerprint()
	changes := k.changes(page)
	err = cs.db.Update(ctx, func(tx *store.Tx) error {
		// Items are never changed in place: an item of the page is as read,
		// or deleted (ChangeItemKeys then adds it no key). Its keys may have
		// changed only by an alias learnt since (Review.Confirm): then the
		// page is read and computed again, under the lock. An item imported
		// since is after the page, keyed by this matcher.
		if k.fingerprint() != fp {
			var err error
			if page, err = tx.ItemsWithKeysAfter(after, rekeyBatch); err != nil {
				return err
			}
			changes = k.changes(page)
		}
		if err := tx.ChangeItemKeys(changes); err != nil {
			return err
		}
		if len(page) < rekeyBatch {
			return tx.KeysRecomputed()
		}
		return tx.SetKeysStaleAfter(page[len(page)-1].ID)
	})
	return len(changes), len(page) < rekeyBatch, err
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
