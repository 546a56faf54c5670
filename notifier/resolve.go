package notifier

import (
	"slices"
	"strings"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/templates"
)

// resolveFixed closes as resolved every case of an organization still
// waiting (open, or scheduled by a "will patch by") whose advisory its new
// inventory (recs) no longer hits (hit: the advisories it does): each item
// the case was about is now at a version the advisory does not affect, or
// gone. The case keeps its items as they were, the evidence; its
// closed_reason and its one mail say what the inventory now shows. It
// returns how many it resolved.
func (cs *Cases) resolveFixed(tx *writeTx, orgID string, recs []store.Item, hit map[string]bool) (int, error) {
	cases, err := tx.Cases(store.CaseFilter{OrgID: orgID})
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range cases {
		c := &cases[i]
		if c.State != store.CaseOpen && c.State != store.CaseScheduled || hit[c.AdvisoryID] {
			continue
		}
		items, err := tx.CaseItems(c.ID)
		if err != nil {
			return n, err
		}
		adv, err := loadAdvisory(tx.Tx, c.AdvisoryID)
		if err != nil {
			return n, err
		}
		shows := inventoryShows(items, recs)
		reason := store.ClosedResolved + ": " + strings.Join(templates.ChangeSentences("en", shows), "; ")
		if err := cs.closeCase(tx, adv, c, templates.KindResolved, reason, shows...); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// inventoryShows says, for each item a case was about (items), what the
// inventory (recs) shows now: the same product at the same asset at other
// versions (now_at), or none (gone).
func inventoryShows(items []store.CaseItem, recs []store.Item) []templates.Change {
	now := map[string][]string{}
	for _, r := range recs {
		k := productAt(r.Vendor, r.Product, r.PURL, r.Asset)
		if r.Version != "" && !slices.Contains(now[k], r.Version) {
			now[k] = append(now[k], r.Version)
		}
	}
	var out []templates.Change
	seen := map[string]bool{}
	for _, it := range items {
		if it.Certainty == string(subscribers.UnderInvestigation) {
			continue
		}
		k := productAt(it.Vendor, it.Product, it.PURL, it.Asset)
		if seen[k] {
			continue
		}
		seen[k] = true
		name := strings.TrimSpace(it.Vendor + " " + it.Product)
		if name == "" {
			name = it.PURL
		}
		if it.Asset != "" {
			name += " (" + it.Asset + ")"
		}
		if vs, ok := now[k]; ok && len(vs) > 0 {
			out = append(out, templates.Change{Code: "now_at", From: name, To: joinSorted(vs)})
		} else {
			out = append(out, templates.Change{Code: "gone", From: name})
		}
	}
	return out
}

// productAt is what identifies an inventory item apart from its version:
// its purl without the version, else its vendor and product names, and the
// asset it runs on.
func productAt(vendor, product, purl, asset string) string {
	if purl != "" {
		purl, _, _ = strings.Cut(purl, "?")
		purl, _, _ = strings.Cut(purl, "@")
		return "purl\x00" + strings.ToLower(purl) + "\x00" + asset
	}
	return strings.ToLower(vendor) + "\x00" + strings.ToLower(product) + "\x00" + asset
}
