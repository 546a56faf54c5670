package notifier

import (
	"context"
	"errors"
	"fmt"

	"github.com/heed-dev/heed/store"
)

// The lookup keys of items (item_keys) and advisories (advisory_keys) are
// computed by the matcher when they are stored, so that an advisory finds
// its candidate items with an index. They depend on how names are folded
// and on the alias table; when either changes, keys stored before would
// miss. The store keeps the fingerprint of the function that computed them
// (subscribers.Matcher.KeysFingerprint).

// keysSetting is the setting holding the fingerprint of the stored keys.
const keysSetting = "keys_fingerprint"

// rekeyBatch is how many items one transaction of Rekey recomputes.
const rekeyBatch = 2000

// Rekey recomputes every stored lookup key when they were computed by
// another key function than the matcher's (an older Heed, other aliases in
// the configuration), and records the new fingerprint. The aliases learnt
// from confirmed near misses are read first (syncAliases). It does nothing when
// the fingerprint is the same. It runs before intake starts; stopped half
// way, it starts over at the next start.
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
	for after, more := int64(0), true; more; {
		err := cs.db.Update(ctx, func(tx *store.Tx) error {
			page, err := tx.ItemsAfter(after, rekeyBatch)
			if err != nil {
				return err
			}
			more = len(page) == rekeyBatch
			for _, it := range page {
				if err := tx.ReplaceItemKeys(it, cs.matcher.ItemKeys(it)); err != nil {
					return err
				}
				after = it.ID
			}
			items += len(page)
			return nil
		})
		if err != nil {
			return items, 0, fmt.Errorf("re-key items: %w", err)
		}
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
		return tx.SetSetting(keysSetting, want)
	})
	if err != nil {
		return items, 0, fmt.Errorf("re-key advisories: %w", err)
	}
	if have != "" || items+advisories > 0 {
		cs.log.Info("lookup keys recomputed: this version of Heed or the alias table computes them differently", "items", items, "advisories", advisories)
	}
	return items, advisories, nil
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
