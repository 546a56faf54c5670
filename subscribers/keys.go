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
// that vendor's items and vendor-less ones. A side with a vendor and a
// product also has its qualified name (vendor and product as one name, see
// side.qualified): an item gets product:<qualified>, an entry asks for
// name:/<qualified>, so that an item naming "Siemens SCALANCE X-200"
// without a vendor meets the entry of Siemens' "SCALANCE X-200", and the
// other way round.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/heed-dev/heed/store"
)

// ItemKeys returns the lookup keys of an inventory item.
func (m *Matcher) ItemKeys(it store.Item) []string {
	x := newItem(m.aliases.Load(), it)
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
	for _, q := range x.qualified {
		keys = append(keys, "product:"+q)
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
		for _, q := range e.qualified {
			keys = append(keys, "name:/"+q)
		}
	}
	return sortedSet(keys), scanAll
}

// KeysNaming are the keys under which items and advisories naming the
// product are stored (product:<p>, name:/<p>; an item with a vendor has
// the first, one without and every advisory the second): those to
// re-key when an alias changes what the product's canonical name is.
func (m *Matcher) KeysNaming(vendor, product string) []string {
	p := m.aliases.Load().product(vendor, product)
	if p == "" {
		return nil
	}
	return []string{"product:" + p, "name:/" + p}
}

// keysVersion names the way keys are computed from names; it changes when
// that way does (2: company forms, full-width letters, qualified names).
const keysVersion = "2"

// KeysFingerprint identifies the function from an item or an advisory to
// its lookup keys: the key rules and the alias table. Keys stored under
// another fingerprint must be computed again.
func (m *Matcher) KeysFingerprint() string {
	h := sha256.New()
	io.WriteString(h, keysVersion+"\n")
	a := m.aliases.Load()
	for _, kind := range []string{AliasVendor, AliasProduct} {
		for _, name := range slices.Sorted(maps.Keys(a.canon[kind])) {
			fmt.Fprintf(h, "%s\t%s\t%s\n", kind, name, a.canon[kind][name])
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// sortedSet sorts keys and drops repeats: keys are a set, and sorted ones
// compare and log the same way every time.
func sortedSet(keys []string) []string {
	slices.Sort(keys)
	return slices.Compact(keys)
}
