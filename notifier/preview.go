package notifier

import (
	"context"

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
		hits, err := activeHits(tx, prepared, items)
		if err != nil {
			return err
		}
		ids := sortedKeys(hits)
		names, err := tx.OrgNames(ids)
		if err != nil {
			return err
		}
		for _, orgID := range ids {
			out = append(out, OrgHits{OrgID: orgID, OrgName: names[orgID], Items: hits[orgID]})
		}
		return nil
	})
	return out, err
}
