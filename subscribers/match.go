package subscribers

import (
	"slices"
	"sync/atomic"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/cpe"
)

// Certainty says how sure a match is.
type Certainty string

const (
	// CertainAffected: the item's version is covered by the advisory.
	CertainAffected Certainty = "affected"
	// PossiblyAffected: the product matches but the item has no version to compare.
	PossiblyAffected Certainty = "possible"
	// UnderInvestigation: the product is only under investigation; recorded, not mailed.
	UnderInvestigation Certainty = "under_investigation"
)

// Hit says that an inventory item is concerned by an advisory, how surely,
// and why (as data that templates render in the reader's language).
type Hit struct {
	Certainty Certainty
	Reason    store.Reason
}

// Matcher decides whether inventory items are concerned by an advisory's
// affected entries. It is safe for concurrent use, Learn included.
type Matcher struct {
	aliases atomic.Pointer[Aliases] // replaced whole by Learn, never changed in place
}

// NewMatcher returns a Matcher using a copy of a (nil means no aliases).
func NewMatcher(a *Aliases) *Matcher {
	if a == nil {
		a = NewAliases()
	}
	m := &Matcher{}
	m.aliases.Store(a.clone())
	return m
}

// Learn adds an alias group (Aliases.Add) to the matcher's table. Items and
// advisories matched afterwards see it; the lookup keys stored before do
// not, so the caller re-keys those that name one of the names. undo takes
// the group back out, unless something else was learnt since.
func (m *Matcher) Learn(kind string, names ...string) (undo func(), err error) {
	for {
		old := m.aliases.Load()
		a := old.clone()
		if err := a.Add(kind, names...); err != nil {
			return nil, err
		}
		if m.aliases.CompareAndSwap(old, a) {
			return func() { m.aliases.CompareAndSwap(a, old) }, nil
		}
	}
}

// Prepared is an advisory's affected entries parsed once for matching many
// items. It remembers what it worked out while matching (see memo), so it is
// for one goroutine at a time.
type Prepared struct {
	aliases *Aliases
	entries []*entry
	memo    *memo // nil: work everything out for each item
}

// Prepare parses affected once; matching 10,000 candidates of one advisory
// should not parse its CPEs and purls 10,000 times. affected must not be
// modified while the result is in use.
func (m *Matcher) Prepare(affected []advisory.Affected) *Prepared {
	p := &Prepared{aliases: m.aliases.Load(), memo: newMemo()}
	for _, a := range affected {
		p.entries = append(p.entries, newEntry(p.aliases, a))
	}
	return p
}

// Match applies the rules, in order:
//
//   - identity: an entry concerns the item when their purls name the same
//     package (when both have purls, nothing else is tried); else when the
//     entry's CPE part, vendor and product are EQUAL to or a SUPERSET of the
//     item's (NISTIR 7696, aliases applied to concrete names); else when
//     their folded vendor and product names meet through the alias table
//     (a missing vendor on either side matches any vendor).
//   - an entry with status fixed or not_affected that lists the item's
//     version exactly beats everything: no hit.
//   - an affected entry whose versions or ranges include the item's version
//     gives CertainAffected; one with neither, and no concrete CPE version,
//     includes every version.
//   - an item without a version that an affected entry concerns is
//     PossiblyAffected, never dropped (CertainAffected when the entry
//     covers every version).
//   - an under_investigation entry gives UnderInvestigation, only when no
//     entry says affected.
func (p *Prepared) Match(it store.Item) (Hit, bool) {
	x, ids := p.item(it)
	// The best hit of each certainty so far, kept in place: Match runs for
	// every candidate of an advisory, and hits on the heap cost more than
	// the rest of it.
	const certain, possible, investigating = 0, 1, 2
	var found [3]Hit
	var have [3]bool
	for i, e := range p.entries {
		via, key, ok := ids[i].via, ids[i].key, ids[i].ok
		if !ok {
			continue
		}
		hit := func(k int, c Certainty, r store.Reason) {
			r.Via, r.Key = via, key
			found[k], have[k] = Hit{Certainty: c, Reason: r}, true
		}
		st := e.status()
		if x.version == "" {
			switch {
			case st == advisory.StatusAffected && !have[certain] && e.allVersions():
				hit(certain, CertainAffected, reason(ReasonAllVersions, e.display))
			case st == advisory.StatusAffected && !have[possible]:
				hit(possible, PossiblyAffected, reason(ReasonNoVersion, e.display))
			case st == advisory.StatusUnderInvestigation && !have[investigating]:
				hit(investigating, UnderInvestigation, reason(ReasonNoVersionInvestigating, e.display))
			}
			continue
		}
		if st == advisory.StatusFixed || st == advisory.StatusNotAffected {
			if in, _ := p.verdict(i, e.schemeFor(&x), x.version); in {
				return Hit{}, false
			}
			continue
		}
		if (st == advisory.StatusAffected && !have[certain]) || (st == advisory.StatusUnderInvestigation && !have[investigating]) {
			if in, why := p.verdict(i, e.schemeFor(&x), x.version); in {
				if st == advisory.StatusAffected {
					hit(certain, CertainAffected, why)
				} else {
					hit(investigating, UnderInvestigation, why)
				}
			}
		}
	}
	for k := range found {
		if have[k] {
			return found[k], true
		}
	}
	return Hit{}, false
}

// identify decides whether entry e and item x name the same product, and
// how: via ViaPURL or ViaCPE with the purl or CPE that matched as key, or
// via "" for a match by name.
func identify(e *entry, x *item) (via, key string, ok bool) {
	if e.purl != "" && x.purlRaw != "" {
		if e.purl == x.purl {
			return ViaPURL, x.purlRaw, true
		}
		return "", "", false
	}
	bothCPE := e.cpe != nil && x.cpe != nil
	if bothCPE && cpeIdentity(e, x) {
		return ViaCPE, e.CPE, true
	}
	for _, en := range e.allNames(!bothCPE) {
		for _, xn := range x.allNames(!bothCPE) {
			if en.product == xn.product && (en.vendor == xn.vendor || en.vendor == "" || xn.vendor == "") {
				return "", "", true
			}
		}
	}
	if namesQualified(e.side, x.side) || namesQualified(x.side, e.side) {
		return "", "", true
	}
	return "", "", false
}

// namesQualified reports whether a side that gives a vendor and a product
// (q) meets one that gives only a product naming that vendor in front of
// it (bare).
func namesQualified(q, bare side) bool {
	for _, n := range bare.names {
		if n.vendor == "" && slices.Contains(q.qualified, n.product) {
			return true
		}
	}
	return false
}

// allNames returns the name identities, with the CPE's when withCPE.
func (s *side) allNames(withCPE bool) []ident {
	if !withCPE || len(s.cpeNames) == 0 {
		return s.names
	}
	if len(s.names) == 0 {
		return s.cpeNames
	}
	return append(slices.Clip(s.names), s.cpeNames...)
}

// cpeIdentity applies NISTIR 7696 to part, vendor and product. Concrete
// vendor and product names compare through the alias table (cpeNames);
// wildcards and ANY compare as 7696 says. The item's part may be ANY.
func cpeIdentity(e *entry, x *item) bool {
	switch cpe.Compare(e.cpe.Part, x.cpe.Part) {
	case cpe.Equal, cpe.Superset, cpe.Subset:
	default:
		return false
	}
	if len(e.cpeNames) > 0 {
		return len(x.cpeNames) > 0 && e.cpeNames[0] == x.cpeNames[0]
	}
	for _, r := range []cpe.Relation{cpe.Compare(e.cpe.Vendor, x.cpe.Vendor), cpe.Compare(e.cpe.Product, x.cpe.Product)} {
		if r != cpe.Equal && r != cpe.Superset {
			return false
		}
	}
	return true
}
