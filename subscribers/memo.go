package subscribers

import (
	"slices"
	"strings"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// The candidates of one advisory repeat themselves: ten thousand
// installations of a product carry a few dozen versions under a few
// spellings. Parsing each item's names and CPE, and comparing its version
// with every bound of every range, was most of the cost of matching an
// advisory against a national inventory (docs/PERFORMANCE.md). A Prepared
// therefore remembers, for the advisory it was made from:
//
//   - per distinct (vendor, product, CPE, purl): the parsed item (its
//     version as taken from the purl or CPE) and whether and how each entry
//     identifies it;
//   - per (entry, scheme, version): whether the entry lists (fixed, not
//     affected) or covers (affected, under investigation) that version, and
//     why.
//
// Both are pure functions of their keys, so a remembered answer is the
// answer. Each table stops growing at memoLimit entries (an advisory that
// must scan every item meets a million distinct ones); beyond, answers are
// worked out afresh. The item last looked up is kept beside its table:
// candidates come in runs of one spelling, and comparing four strings
// costs less than hashing them.
type memo struct {
	items    map[itemKey]*knownItem
	verdicts map[verdictKey]verdict
	lastKey  itemKey
	last     *knownItem
}

const memoLimit = 1 << 16

func newMemo() *memo {
	return &memo{items: map[itemKey]*knownItem{}, verdicts: map[verdictKey]verdict{}}
}

type itemKey struct{ vendor, product, cpe, purl string }

// knownItem is an item without its version field, and what identify said
// of it and each entry, in the order of the entries.
type knownItem struct {
	item
	ids []identity
}

type identity struct {
	via, key string
	ok       bool
}

type verdictKey struct {
	entry           int
	scheme, version string
}

type verdict struct {
	in  bool
	why store.Reason
}

// item parses it and identifies it against every entry, or finds both
// remembered. The item is returned by value: a copy on the heap per
// candidate was a tenth of the matcher's time.
func (p *Prepared) item(it store.Item) (item, []identity) {
	k := itemKey{it.Vendor, it.Product, it.CPE, it.PURL}
	known := p.memo.knownItem(k)
	if known == nil {
		known = &knownItem{item: *newItem(p.aliases, store.Item{Vendor: it.Vendor, Product: it.Product, CPE: it.CPE, PURL: it.PURL})}
		known.ids = make([]identity, len(p.entries))
		for i, e := range p.entries {
			via, key, ok := identify(e, &known.item)
			known.ids[i] = identity{via, key, ok}
		}
		p.memo.rememberItem(k, known)
	}
	x := known.item
	// newItem takes the version field first, then the purl's, then the CPE's.
	if v := strings.TrimSpace(it.Version); v != "" {
		x.version = v
	}
	return x, known.ids
}

// verdict says whether entry i lists version v under scheme (for a fixed or
// not affected entry) or covers it (otherwise), and why. Every hit the
// verdict explains shares its reason (a copy of the arguments for each hit
// was most of the matcher's allocations): the arguments are never changed
// in place, and their capacity is clipped so that an append copies them.
func (p *Prepared) verdict(i int, scheme, v string) (bool, store.Reason) {
	k := verdictKey{i, scheme, v}
	d, ok := p.memo.verdict(k)
	if !ok {
		e := p.entries[i]
		switch e.status() {
		case advisory.StatusFixed, advisory.StatusNotAffected:
			d.in = e.lists(scheme, v)
		default:
			d.in, d.why = e.covers(scheme, v)
		}
		d.why.Args = slices.Clip(d.why.Args)
		p.memo.rememberVerdict(k, d)
	}
	return d.in, d.why
}

func (m *memo) knownItem(k itemKey) *knownItem {
	if m == nil {
		return nil
	}
	if m.last != nil && m.lastKey == k {
		return m.last
	}
	x := m.items[k]
	if x != nil {
		m.lastKey, m.last = k, x
	}
	return x
}

func (m *memo) rememberItem(k itemKey, x *knownItem) {
	if m != nil && len(m.items) < memoLimit {
		m.items[k] = x
	}
}

func (m *memo) verdict(k verdictKey) (verdict, bool) {
	if m == nil {
		return verdict{}, false
	}
	d, ok := m.verdicts[k]
	return d, ok
}

func (m *memo) rememberVerdict(k verdictKey, d verdict) {
	if m != nil && len(m.verdicts) < memoLimit {
		m.verdicts[k] = d
	}
}
