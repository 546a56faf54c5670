package notifier

import (
	"context"

	"github.com/heed-dev/heed/notifier/advisory"
	"github.com/heed-dev/heed/store"
)

// OrgHits is what an advisory would hit at one organization.
type OrgHits struct {
	OrgID   string           `json:"org"`
	OrgName string           `json:"name"`
	Items   []store.CaseItem `json:"items"`
}

// Preview matches an advisory against the inventories without storing or
// sending anything, so a publisher can check an advisory before publishing it.
func (e *Engine) Preview(ctx context.Context, adv *advisory.Advisory) ([]OrgHits, error) {
	var out []OrgHits
	err := e.db.View(ctx, func(tx *store.Tx) error {
		keys, scanAll := e.matcher.AffectedKeys(adv.Affected)
		items, err := tx.ItemsByKeys(keys, scanAll)
		if err != nil {
			return err
		}
		hits := e.matchByOrg(adv, items)
		for _, orgID := range sortedKeys(hits) {
			org, err := tx.Org(orgID)
			if err != nil {
				return err
			}
			out = append(out, OrgHits{OrgID: orgID, OrgName: org.Name, Items: hits[orgID]})
		}
		return nil
	})
	return out, err
}
