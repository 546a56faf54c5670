package subscribers

// Candidate-lookup keys. The store keeps ItemKeys of every inventory item in
// an indexed table; for an advisory the engine loads the items having one
// of its Prepared.Keys and calls Match on each. Keys may over-approximate
// (a shared key does not mean a hit) but must never miss: an item that
// Match would hit shares at least one key with the advisory, or Keys says
// scanAll. The forms are:
//
//	purl:<type>/<namespace>/<name>   package identity
//	name:<vendor>/<product>          folded canonical names, from fields or a CPE
//	name:/<product>                  the same without a vendor
//	product:<product>                any vendor's product of that name
//
// An item with a vendor gets name:<v>/<p> and product:<p>; one without
// gets name:/<p>. An entry with a vendor asks for name:<v>/<p> and
// name:/<p>; one without asks for product:<p> and name:/<p>. So a missing
// vendor on either side still meets, and an entry with a vendor loads only
// that vendor's items and vendor-less ones.

import (
	"slices"

	"github.com/heed-dev/heed/store"
)

// ItemKeys returns the lookup keys of an inventory item.
func (m *Matcher) ItemKeys(it store.Item) []string {
	x := newItem(m.aliases, it)
	var keys []string
	if x.purl != "" {
		keys = append(keys, "purl:"+x.purl)
	}
	for _, n := range x.allNames(true) {
		if n.vendor != "" {
			keys = append(keys, "name:"+n.vendor+"/"+n.product, "product:"+n.product)
		} else {
			keys = append(keys, "name:/"+n.product)
		}
	}
	return sortedSet(keys)
}

// Keys returns the keys under which items concerned by the advisory can be
// found. scanAll is true when some entry cannot be keyed (a CPE with ANY or
// wildcard vendor or product and no names): then every item must be tried.
func (p *Prepared) Keys() (keys []string, scanAll bool) {
	for _, e := range p.entries {
		if e.purl != "" {
			keys = append(keys, "purl:"+e.purl)
		}
		if e.cpe != nil && len(e.cpeNames) == 0 {
			scanAll = true
		}
		for _, n := range e.allNames(true) {
			if n.vendor != "" {
				keys = append(keys, "name:"+n.vendor+"/"+n.product, "name:/"+n.product)
			} else {
				keys = append(keys, "product:"+n.product, "name:/"+n.product)
			}
		}
	}
	return sortedSet(keys), scanAll
}

// sortedSet sorts keys and drops repeats: keys are a set, and sorted ones
// compare and log the same way every time.
func sortedSet(keys []string) []string {
	slices.Sort(keys)
	return slices.Compact(keys)
}
