package subscribers

import (
	"strings"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/cpe"
	"github.com/heed-dev/heed/subscribers/version"
)

// ident is one folded (vendor, product) identity; vendor may be empty.
type ident struct {
	vendor, product string
}

// side is what identifies one affected entry or one inventory item, parsed
// once: its package identity, its CPE and its name identities.
type side struct {
	purl     string    // packageIdentity, "" when there is no valid purl
	purlRaw  string    // the purl as written, for reasons
	cpe      *cpe.Name // nil when there is no valid CPE
	names    []ident   // from the vendor and product fields
	cpeNames []ident   // from a CPE with concrete vendor and product
	display  string    // the product as a person would name it
	// qualified are the folded vendor and product as one name, for a side
	// that gives both: "Siemens" "SCALANCE X-200" meets an item that gives
	// no vendor and names the product "Siemens SCALANCE X-200" (the vendor
	// as written, and without its company forms).
	qualified []string
}

func newSide(a *Aliases, vendor, product, cpeStr, purl string) side {
	var s side
	if purl = strings.TrimSpace(purl); purl != "" {
		if id, err := packageIdentity(purl); err == nil {
			s.purl, s.purlRaw = id, purl
		}
	}
	if cpeStr = strings.TrimSpace(cpeStr); cpeStr != "" {
		if n, err := cpe.Parse(cpeStr); err == nil {
			s.cpe = &n
			if n.Vendor.Concrete() && n.Product.Concrete() {
				s.cpeNames = []ident{{a.vendor(n.Vendor.Text), a.product(n.Vendor.Text, n.Product.Text)}}
			}
		}
	}
	if p := a.product(vendor, product); p != "" {
		s.names = []ident{{a.vendor(vendor), p}}
		rest := withoutVendor(vendor, product)
		if rest == "" {
			rest = foldName(AliasProduct, product)
		}
		for _, v := range vendorSpellings(vendor) {
			s.qualified = append(s.qualified, v+rest)
		}
	}
	s.display = strings.TrimSpace(product)
	switch {
	case s.display == "" && s.cpe != nil:
		s.display = s.cpe.Product.Text
	case s.display == "" && s.purlRaw != "":
		s.display = s.purlRaw
	}
	return s
}

// entry is an advisory.Affected prepared for matching.
type entry struct {
	advisory.Affected
	scheme string
	side
	cpeVersion string     // concrete CPE version(+update), "" if none
	cpeWild    *cpe.Value // CPE version with wildcards, nil if none
}

func newEntry(a *Aliases, af advisory.Affected) *entry {
	e := &entry{Affected: af, scheme: af.Scheme}
	if e.scheme == "" {
		e.scheme = version.Generic
	}
	e.side = newSide(a, af.Vendor, af.Product, af.CPE, af.PURL)
	if e.cpe != nil {
		e.cpeVersion = e.cpe.VersionString()
		if e.cpe.Version.HasWildcards() {
			v := e.cpe.Version
			e.cpeWild = &v
		}
	}
	return e
}

// status folds the entry's status: anything not fixed, not affected or
// under investigation, the empty status included, counts as affected, so
// that an unknown word never hides an organization.
func (e *entry) status() advisory.Status {
	switch e.Status {
	case advisory.StatusFixed, advisory.StatusNotAffected, advisory.StatusUnderInvestigation:
		return e.Status
	}
	return advisory.StatusAffected
}

// schemeFor is the scheme that orders item x's version against the entry:
// the entry's, unless that is generic and x's purl type has an ordering of
// its own (an advisory that names a product, matched to pkg:gem/rails).
func (e *entry) schemeFor(x *item) string {
	if e.scheme == version.Generic && x.scheme != "" {
		return x.scheme
	}
	return e.scheme
}

// lists reports whether the entry names version v exactly under scheme: in
// Versions, or as its CPE version when it has no Versions and no Ranges.
func (e *entry) lists(scheme, v string) bool {
	for _, x := range e.Versions {
		if sameVersion(scheme, v, x) {
			return true
		}
	}
	return len(e.Versions) == 0 && len(e.Ranges) == 0 && e.cpeVersion != "" && sameVersion(scheme, v, e.cpeVersion)
}

// covers reports whether the entry includes version v under scheme, and
// says why.
func (e *entry) covers(scheme, v string) (bool, store.Reason) {
	investigating := e.status() == advisory.StatusUnderInvestigation
	for _, x := range e.Versions {
		if sameVersion(scheme, v, x) {
			if investigating {
				return true, reason(ReasonListedInvestigating, v)
			}
			return true, reason(ReasonListed, v)
		}
	}
	for _, r := range e.Ranges {
		if r.Contains(scheme, v) {
			return true, reason(ReasonInRange, v, r.String())
		}
	}
	if len(e.Versions) > 0 || len(e.Ranges) > 0 {
		return false, store.Reason{}
	}
	switch {
	case e.cpeVersion != "":
		if sameVersion(scheme, v, e.cpeVersion) {
			return true, reason(ReasonCPEVersion, v, e.cpeVersion)
		}
		return false, store.Reason{}
	case e.cpeWild != nil:
		if cpe.Compare(*e.cpeWild, cpe.Value{Kind: cpe.Literal, Text: strings.ToLower(v)}) == cpe.Superset {
			return true, reason(ReasonCPEPattern, v, e.cpeWild.String())
		}
		return false, store.Reason{}
	}
	if investigating {
		return true, reason(ReasonAllVersionsInvestigating, e.display)
	}
	return true, reason(ReasonAllVersions, e.display)
}

// allVersions reports whether the entry says nothing that limits versions.
func (e *entry) allVersions() bool {
	return len(e.Versions) == 0 && len(e.Ranges) == 0 && e.cpeVersion == "" && e.cpeWild == nil
}

// item is an inventory item prepared for matching.
type item struct {
	side
	version string
	scheme  string // the scheme of its purl type, "" without a purl
}

func newItem(a *Aliases, it store.Item) *item {
	p := &item{side: newSide(a, it.Vendor, it.Product, it.CPE, it.PURL)}
	p.version = strings.TrimSpace(it.Version)
	if p.purlRaw != "" {
		p.scheme = advisory.PurlScheme(p.purlRaw)
	}
	if p.version == "" && p.purlRaw != "" {
		p.version = advisory.PurlVersion(p.purlRaw)
	}
	if p.version == "" && p.cpe != nil {
		p.version = p.cpe.VersionString()
	}
	return p
}

// sameVersion reports whether a and b are one version under scheme. An
// unknown scheme compares as generic (version.Compare's result with its
// error), which is what matching wants: nothing is dropped.
func sameVersion(scheme, a, b string) bool {
	c, _ := version.Compare(scheme, a, b)
	return c == 0
}
