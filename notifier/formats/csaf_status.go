package formats

import (
	"fmt"
	"slices"
	"strings"

	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/version"
)

// csafConverter turns the product_status lists of CSAF vulnerabilities into
// affected entries, using the products the tree defines.
type csafConverter struct {
	products map[string]*csafProduct
	groups   map[string][]string
	status   map[string]string // product_id → its product_status category
	order    []string          // product_ids in first-seen order
	notes    []string
}

// vulnerability records the product_status of one vulnerability. Heed's
// advisory has one list of products for all its CVEs, so a product keeps the
// most serious category any vulnerability gives it: fixed for one CVE but
// affected by another is affected.
func (c *csafConverter) vulnerability(v csafVulnerability) {
	for _, category := range csafStatuses {
		for _, id := range c.resolve(v.ProductStatus[category]) {
			prev, seen := c.status[id]
			if !seen {
				c.order = append(c.order, id)
			}
			if !seen || csafRank(category) > csafRank(prev) {
				c.status[id] = category
			}
		}
	}
}

// entries converts the recorded statuses. Every category yields entries with
// its own Status:
//
//   - known_affected, first_affected, last_affected: affected (first_affected
//     of a product with one version becomes Range{Introduced}, last_affected
//     Range{LastAffected});
//   - fixed, first_fixed: fixed, listing the product's versions. A
//     first_fixed version also yields an affected Range{Fixed} for the same
//     vendor and product, but only when the advisory lists that product as
//     affected too: "first fixed in 2.0" alone does not say 1.x was ever
//     vulnerable;
//   - known_not_affected: not_affected; under_investigation likewise.
//
// Other categories ("recommended") say nothing about being affected.
// Products the tree does not define are left out with a note.
func (c *csafConverter) entries() (out []advisory.Affected, platforms []string) {
	affectedNames := map[string]bool{}
	type pending struct {
		category string
		product  *csafProduct
	}
	var todo []pending
	for _, id := range c.order {
		category := c.status[id]
		p, ok := c.products[id]
		if !ok {
			c.notes = append(c.notes, fmt.Sprintf("csaf: product_status.%s names product %q, which the product_tree does not define", category, id))
			continue
		}
		if csafStatus(category) == advisory.StatusAffected {
			affectedNames[p.vendor+"\x00"+p.product] = true
		}
		if p.platform != "" && !slices.Contains(platforms, p.platform) {
			platforms = append(platforms, p.platform)
		}
		todo = append(todo, pending{category, p})
	}
	for _, t := range todo {
		e, spec := c.entry(t.product, csafStatus(t.category))
		single := len(spec.Exact) == 1 && len(spec.Ranges) == 0
		switch {
		case t.category == "first_affected" && single:
			e.Versions, e.Ranges = nil, []advisory.Range{{Introduced: spec.Exact[0]}}
		case t.category == "last_affected" && single:
			e.Versions, e.Ranges = nil, []advisory.Range{{LastAffected: spec.Exact[0]}}
		case t.category == "first_fixed" && single && affectedNames[t.product.vendor+"\x00"+t.product.product]:
			before := e
			before.Status = advisory.StatusAffected
			before.Versions, before.Ranges = nil, []advisory.Range{{Fixed: spec.Exact[0]}}
			out = append(out, before)
		}
		out = append(out, e)
	}
	return mergeAffected(out), platforms
}

// csafRank orders product_status categories by seriousness.
func csafRank(category string) int {
	switch csafStatus(category) {
	case advisory.StatusAffected:
		return 3
	case advisory.StatusUnderInvestigation:
		return 2
	case advisory.StatusFixed:
		return 1
	}
	return 0
}

// resolve expands product group IDs, which some producers put where product
// IDs belong, into their products; other IDs pass through.
func (c *csafConverter) resolve(ids []string) []string {
	var out []string
	for _, id := range ids {
		if _, isProduct := c.products[id]; !isProduct {
			if members, isGroup := c.groups[id]; isGroup {
				out = append(out, members...)
				continue
			}
		}
		out = append(out, id)
	}
	return out
}

func csafStatus(category string) advisory.Status {
	switch category {
	case "fixed", "first_fixed":
		return advisory.StatusFixed
	case "known_not_affected":
		return advisory.StatusNotAffected
	case "under_investigation":
		return advisory.StatusUnderInvestigation
	}
	return advisory.StatusAffected
}

// entry builds the affected entry of one product with one status.
//
// A version text the phrase reader cannot read must not drop the product.
// For affected and under_investigation the entry then covers every version
// (a warning too many beats a missed one); for fixed and not_affected it
// lists the raw text as the only version, which matches nothing, so a
// misread can never hide an affected product. Both cases leave a note.
func (c *csafConverter) entry(p *csafProduct, status advisory.Status) (advisory.Affected, advisory.Versions) {
	e := advisory.Affected{
		Vendor:  p.vendor,
		Product: p.product,
		CPE:     p.cpe,
		PURL:    p.purl,
		Scheme:  p.scheme,
		Status:  status,
	}
	spec, ok, text := p.versions()
	if !ok {
		kept := "every version"
		spec = advisory.Versions{Every: true}
		if status == advisory.StatusFixed || status == advisory.StatusNotAffected {
			kept = "the literal version"
			spec = advisory.Versions{Exact: []string{text}}
		}
		c.notes = append(c.notes, fmt.Sprintf("csaf: version text %q of %q not understood; kept as %s", text, productLabel(p), kept))
	}
	if spec.Scheme != "" {
		e.Scheme = spec.Scheme
	}
	e.Versions, e.Ranges = spec.Exact, spec.Ranges
	return e, spec
}

// versions reads the product's version information: a range text, else an
// exact version, else every version. A "vers:" string is read as vers
// wherever it stands (CISA puts "vers:all/*" in product_version); a plain
// exact version is taken as is; anything else (lists, phrases, ranges) goes
// through the phrase reader. It also returns the text it read, for notes.
func (p *csafProduct) versions() (advisory.Versions, bool, string) {
	text := p.rangeText
	if text == "" {
		text = p.version
	}
	switch {
	case text == "":
		return advisory.Versions{Every: true}, true, ""
	case strings.HasPrefix(text, "vers:"):
		spec, ok := advisory.ReadVersions(text)
		return spec, ok, text
	case p.rangeText == "" && (p.scheme == version.RPM || p.purl != "" || advisory.LooksLikeVersion(text) && !strings.Contains(text, "|")):
		return advisory.Versions{Exact: []string{text}}, true, text
	}
	spec, ok := advisory.ReadVersions(text)
	return spec, ok, text
}

func productLabel(p *csafProduct) string {
	if p.fullName != "" {
		return p.fullName
	}
	return strings.TrimSpace(p.vendor + " " + p.product)
}

// identity is an entry's product identity, without versions or status.
func identity(e advisory.Affected) string {
	return strings.Join([]string{e.Vendor, e.Product, e.CPE, e.PURL, e.Scheme}, "\x00")
}

// mergeAffected folds entries of the same product identity, scheme and
// status into one, so Cisco's 259 service-pack products of "Cisco IOS" are
// one entry listing 259 versions. An entry covering every version is merged
// only with others that do: adding versions to it would narrow it. The CPE
// and purl are part of the identity, so products told apart by them (a CPE
// per version) stay separate entries. First-seen order is kept.
func mergeAffected(in []advisory.Affected) []advisory.Affected {
	var out []advisory.Affected
	index := map[string]int{}
	for _, e := range in {
		every := len(e.Versions) == 0 && len(e.Ranges) == 0
		key := fmt.Sprintf("%s\x00%s\x00%t", identity(e), e.Status, every)
		if i, ok := index[key]; ok {
			out[i].Versions = append(out[i].Versions, e.Versions...)
			out[i].Ranges = append(out[i].Ranges, e.Ranges...)
			continue
		}
		index[key] = len(out)
		e.Versions = slices.Clone(e.Versions)
		e.Ranges = slices.Clone(e.Ranges)
		out = append(out, e)
	}
	return out
}
