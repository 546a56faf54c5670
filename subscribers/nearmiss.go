package subscribers

import (
	"slices"
	"unicode"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// A near miss is an item the rules do not match but a person might: its
// vendor is the advisory's (through the alias table), its version is
// inside an affected range, and its product's name differs from the
// advisory's only by words added or dropped ("SCALANCE X-200" and
// "SCALANCE X-200 switch family"). Heed does not mail it; it lists it for
// an operator to confirm (the alias is learnt) or dismiss.

// Reasons a product name is close.
const (
	// CloseWordsAdded: the advisory's name has words the item's lacks.
	CloseWordsAdded = "words_added"
	// CloseWordsDropped: the item's name has words the advisory's lacks.
	CloseWordsDropped = "words_dropped"
)

// NearMiss says which affected product an item nearly is, and why.
type NearMiss struct {
	Vendor  string // the advisory's vendor, as written
	Product string // the advisory's product, as written
	Why     string // CloseWordsAdded or CloseWordsDropped
	Words   []string
	Reason  store.Reason // why the item's version is inside
	// Pair names what a decision about it is about: the item's folded
	// vendor and product and the advisory's folded product.
	Pair string
}

// maxCloseWords bounds the words one name may add to the other: beyond
// ("SIMATIC" against "SIMATIC S7-1500 Software Controller CPU 1507S") the
// names share a family, not a product.
const maxCloseWords = 2

// NearMiss reports whether item it is a near miss of the advisory: not
// matched by any entry, but close to an affected entry as above. Of several
// close entries it gives the one with the fewest words apart.
func (p *Prepared) NearMiss(it store.Item) (NearMiss, bool) {
	if _, hit := p.Match(it); hit {
		return NearMiss{}, false
	}
	x := newItem(p.aliases, it)
	if x.version == "" || len(x.names) == 0 || x.names[0].vendor == "" {
		return NearMiss{}, false
	}
	var best NearMiss
	found := false
	for _, e := range p.entries {
		if e.status() != advisory.StatusAffected || len(e.names) == 0 || e.names[0].vendor != x.names[0].vendor ||
			e.purl != "" && x.purl != "" {
			continue
		}
		why, words, ok := closeNames(productWords(e.Vendor, e.Product), productWords(it.Vendor, it.Product))
		if !ok || found && len(words) >= len(best.Words) {
			continue
		}
		scheme := e.schemeFor(x)
		in, reason := e.covers(scheme, x.version)
		if !in || p.listedUnaffected(e, scheme, x.version) {
			continue
		}
		best, found = NearMiss{Vendor: e.Vendor, Product: e.Product, Why: why, Words: words, Reason: reason,
			Pair: x.names[0].vendor + "/" + x.names[0].product + " ~ " + e.names[0].product}, true
	}
	return best, found
}

// BareProduct is a product's name without its vendor's in front, as the
// alias table should learn it ("Siemens SCALANCE X-200" by Siemens is
// "scalancex200"; a name not starting with the vendor's stays as written).
func BareProduct(vendor, product string) string {
	if rest := withoutVendor(vendor, product); rest != "" {
		return rest
	}
	return product
}

// Vendors are the folded vendors of the advisory's affected entries: the
// items that may be its near misses are theirs (keys name:<vendor>/…).
func (p *Prepared) Vendors() []string {
	var out []string
	for _, e := range p.entries {
		if e.status() == advisory.StatusAffected && len(e.names) > 0 && e.names[0].vendor != "" {
			out = append(out, e.names[0].vendor)
		}
	}
	return sortedSet(out)
}

// ItemVendors are the folded vendors of items, as Prepared.Vendors.
func (m *Matcher) ItemVendors(items []store.Item) []string {
	var out []string
	for _, it := range items {
		if v := m.aliases.Load().vendor(it.Vendor); v != "" {
			out = append(out, v)
		}
	}
	return sortedSet(out)
}

// CloseName reports whether a vendor and product name is close to an
// affected entry's, as NearMiss decides it before it looks at versions:
// false means no item of that name is a near miss.
func (p *Prepared) CloseName(vendor, product string) bool {
	v := p.aliases.vendor(vendor)
	if v == "" {
		return false
	}
	words := productWords(vendor, product)
	for _, e := range p.entries {
		if e.status() == advisory.StatusAffected && len(e.names) > 0 && e.names[0].vendor == v {
			if _, _, ok := closeNames(productWords(e.Vendor, e.Product), words); ok {
				return true
			}
		}
	}
	return false
}

// NameFilter is CloseName for a scan of many names (the distinct names of
// the advisory's vendors, store.Tx.ItemsOfVendors: a vendor may have a
// tenth of a national inventory, under as many names): the affected
// entries' words are split once, each vendor's spelling is folded once,
// and a product's words only when an entry has its vendor, instead of all
// three for every name. The filter is not for concurrent use.
func (p *Prepared) NameFilter() func(vendor, product string) bool {
	type affected struct {
		vendor string // folded, through the alias table
		words  []string
	}
	var entries []affected
	for _, e := range p.entries {
		if e.status() == advisory.StatusAffected && len(e.names) > 0 {
			entries = append(entries, affected{e.names[0].vendor, productWords(e.Vendor, e.Product)})
		}
	}
	type vendorForms struct {
		alias    string // p.aliases.vendor
		spelling vendorSpelling
	}
	vendors := map[string]vendorForms{} // by the vendor as written
	return func(vendor, product string) bool {
		vf, known := vendors[vendor]
		if !known {
			vf = vendorForms{alias: p.aliases.vendor(vendor), spelling: spellingOf(vendor)}
			vendors[vendor] = vf
		}
		if vf.alias == "" {
			return false
		}
		var words []string
		split := false
		for _, e := range entries {
			if e.vendor != vf.alias {
				continue
			}
			if !split {
				words, split = vf.spelling.productWords(product), true
			}
			if _, _, ok := closeNames(e.words, words); ok {
				return true
			}
		}
		return false
	}
}

// listedUnaffected reports whether an entry naming the same product as e
// lists version v as fixed or not affected.
func (p *Prepared) listedUnaffected(e *entry, scheme, v string) bool {
	for _, f := range p.entries {
		st := f.status()
		if (st == advisory.StatusFixed || st == advisory.StatusNotAffected) && len(f.names) > 0 &&
			f.names[0] == e.names[0] && f.lists(scheme, v) {
			return true
		}
	}
	return false
}

// productWords are the words of a product name without the vendor's name
// in front, split also where letters meet digits, so that "X200" and
// "X-200" are the same words: x, 200.
func productWords(vendor, product string) []string {
	return spellingOf(vendor).productWords(product)
}

// productWords is productWords of a product of the vendor vs.
func (vs vendorSpelling) productWords(product string) []string {
	words, ok := vs.wordsAfter(product)
	if !ok {
		words = alnumWords(product)
	}
	var out []string
	for _, w := range words {
		start := 0
		rs := []rune(w)
		for i := 1; i < len(rs); i++ {
			if unicode.IsDigit(rs[i]) != unicode.IsDigit(rs[i-1]) {
				out = append(out, string(rs[start:i]))
				start = i
			}
		}
		out = append(out, string(rs[start:]))
	}
	return out
}

// closeNames reports whether the advisory's words (adv) and the item's
// (item) differ only by up to maxCloseWords words added to one of them,
// the others in the same order; and which words.
func closeNames(adv, item []string) (why string, words []string, ok bool) {
	switch {
	case len(adv) > len(item):
		words, ok = extraWords(item, adv)
		why = CloseWordsAdded
	case len(item) > len(adv):
		words, ok = extraWords(adv, item)
		why = CloseWordsDropped
	}
	return why, words, ok
}

// extraWords reports whether short is long with some of its words left
// out (a subsequence), at least one word kept and at most maxCloseWords
// left out; and the words left out.
func extraWords(short, long []string) ([]string, bool) {
	if len(short) == 0 || len(long)-len(short) > maxCloseWords {
		return nil, false
	}
	var extra []string
	i := 0
	for _, w := range long {
		if i < len(short) && w == short[i] {
			i++
		} else {
			extra = append(extra, w)
		}
	}
	if i < len(short) {
		return nil, false
	}
	return slices.Clip(extra), true
}
