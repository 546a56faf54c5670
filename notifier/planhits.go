package notifier

import (
	"slices"
	"strings"
)

// compactHits makes the hits of an apply's plan hold no memory of the
// candidate rows they were matched from, so that the rows can go once the
// plan is made: the store reads an advisory's candidates as one large
// value whose substrings every field points into, and the plan is kept
// until the apply's last batch (at 100,000 organizations, that value and
// the reasons' arguments were a sixth of the live heap at a fan-out's
// peak, docs/PERFORMANCE.md). The fields many hits share (the product, its
// version, the reason) are kept once each; the organization and the asset
// are copied. The matcher gives the hits of one verdict one slice of reason
// arguments, which it keeps (subscribers' memo): it is replaced, never
// changed in place.
func compactHits(hits []OrgHits) {
	kept := map[string]string{}
	keep := func(s string) string {
		if k, ok := kept[s]; ok {
			return k
		}
		s = strings.Clone(s)
		kept[s] = s
		return s
	}
	var lastArgs []string              // the previous hit's reason arguments, as kept
	keptArgs := map[*string][]string{} // reason arguments kept, by the first of those they replace
	for i := range hits {
		hits[i].OrgID = strings.Clone(hits[i].OrgID)
		for j := range hits[i].Items {
			it := &hits[i].Items[j]
			it.Vendor, it.Product, it.Version = keep(it.Vendor), keep(it.Product), keep(it.Version)
			it.CPE, it.PURL, it.Certainty = keep(it.CPE), keep(it.PURL), keep(it.Certainty)
			it.Asset = strings.Clone(it.Asset)
			r := &it.Reason
			r.Code, r.Via, r.Key = keep(r.Code), keep(r.Via), keep(r.Key)
			// Hits of one advisory mostly have the same reason: one slice
			// for a run of equal ones, and for the hits of one verdict.
			if len(r.Args) == 0 {
				continue
			}
			if slices.Equal(r.Args, lastArgs) {
				r.Args = lastArgs
				continue
			}
			if k, ok := keptArgs[&r.Args[0]]; ok && len(k) == len(r.Args) {
				r.Args, lastArgs = k, k
				continue
			}
			args := make([]string, len(r.Args))
			for k, a := range r.Args {
				args[k] = keep(a)
			}
			keptArgs[&r.Args[0]] = args
			r.Args, lastArgs = args, args
		}
	}
}
