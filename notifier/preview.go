package notifier

import (
	"context"
	"slices"
	"strings"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// OrgHits is what an advisory would hit at one organization.
type OrgHits struct {
	OrgID   string           `json:"org"`
	OrgName string           `json:"name"`
	Items   []store.CaseItem `json:"items"`
}

// Preview matches an advisory against the inventories without storing or
// sending anything, so a publisher can check an advisory before publishing it.
func (cs *Cases) Preview(ctx context.Context, adv *advisory.Advisory) ([]OrgHits, error) {
	// The aliases learnt from confirmed near misses match here as they
	// will when the advisory is applied.
	if err := cs.syncAliases(ctx); err != nil {
		return nil, err
	}
	var out []OrgHits
	err := cs.db.View(ctx, func(tx *store.Tx) error {
		prepared := cs.matcher.Prepare(adv.Affected)
		keys, scanAll := prepared.Keys()
		items, err := tx.ItemsByKeys(keys, scanAll)
		if err != nil {
			return err
		}
		if out, err = activeHits(tx, prepared, items); err != nil {
			return err
		}
		ids := make([]string, len(out))
		for i, h := range out {
			ids[i] = h.OrgID
		}
		names, err := tx.OrgNamesOf(ids)
		if err != nil {
			return err
		}
		for i := range out {
			out[i].OrgName = names[i]
		}
		// Listed by organization id, whatever order they were imported in.
		slices.SortFunc(out, func(a, b OrgHits) int { return strings.Compare(a.OrgID, b.OrgID) })
		return nil
	})
	return out, err
}
