package formats

import (
	"regexp"
	"strings"

	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// csafProductTree is the part of CSAF 2.0's product_tree Heed reads.
type csafProductTree struct {
	Branches         []csafBranch          `json:"branches"`
	FullProductNames []csafFullProductName `json:"full_product_names"`
	Relationships    []csafRelationship    `json:"relationships"`
	ProductGroups    []csafProductGroup    `json:"product_groups"`
}

type csafBranch struct {
	Category string               `json:"category"`
	Name     string               `json:"name"`
	Product  *csafFullProductName `json:"product"`
	Branches []csafBranch         `json:"branches"`
}

type csafFullProductName struct {
	Name      string `json:"name"`
	ProductID string `json:"product_id"`
	Helper    *struct {
		CPE  string `json:"cpe"`
		PURL string `json:"purl"`
	} `json:"product_identification_helper"`
}

type csafRelationship struct {
	Category        string              `json:"category"`
	FullProductName csafFullProductName `json:"full_product_name"`
	ProductRef      string              `json:"product_reference"`
	RelatesTo       string              `json:"relates_to_product_reference"`
}

type csafProductGroup struct {
	GroupID    string   `json:"group_id"`
	ProductIDs []string `json:"product_ids"`
}

// csafProduct is what the tree says about one product_id: who makes it, what
// it is called, and which versions it stands for.
type csafProduct struct {
	id        string
	fullName  string // the full_product_name.name, for notes
	vendor    string
	product   string
	version   string // exact version (product_version, service_pack, patch_level)
	rangeText string // product_version_range name (vers or free text)
	scheme    string // rpm for Red Hat packages, else from the purl
	cpe       string
	purl      string
	arch      string // the architecture branch above the product
	platform  string // relationships: the product the component is part of
}

// maxBranchDepth bounds the recursion over branches; the CSAF schema has no
// limit, and hostile input must not exhaust the stack.
const maxBranchDepth = 64

// csafProducts resolves every product_id the tree defines. Branch paths are
// read from the root: vendor gives the vendor, product_name (or, failing it,
// product_family) the product, and the deepest version branch the version.
// Relationships give a combined product the identity of its component
// (product_reference) and remember the platform it is installed on.
func csafProducts(t csafProductTree) map[string]*csafProduct {
	products := map[string]*csafProduct{}
	var walk func(bs []csafBranch, path csafProduct, depth int)
	walk = func(bs []csafBranch, path csafProduct, depth int) {
		if depth > maxBranchDepth {
			return
		}
		for _, b := range bs {
			p := path
			name := templates.OneLine(b.Name)
			switch b.Category {
			case "vendor":
				p.vendor = name
			case "product_name":
				p.product = name
			case "product_family":
				if p.product == "" {
					p.product = name
				}
			case "product_version":
				p.version = name
				p.rangeText = ""
			case "service_pack", "patch_level":
				p.version = joinVersion(p.version, name)
				p.rangeText = ""
			case "product_version_range":
				p.rangeText = name
				p.version = ""
			case "architecture":
				p.arch = name
			}
			if b.Product != nil && b.Product.ProductID != "" {
				p.id = b.Product.ProductID
				p.fullName = templates.OneLine(b.Product.Name)
				p.setHelper(b.Product)
				if p.product == "" {
					p.fromComponentName(name)
				}
				products[p.id] = &p
			}
			walk(b.Branches, p, depth+1)
		}
	}
	walk(t.Branches, csafProduct{}, 0)

	for _, f := range t.FullProductNames {
		if f.ProductID == "" {
			continue
		}
		p := &csafProduct{id: f.ProductID, fullName: templates.OneLine(f.Name), product: templates.OneLine(f.Name)}
		p.setHelper(&f)
		products[f.ProductID] = p
	}
	for _, r := range t.Relationships {
		id := r.FullProductName.ProductID
		if id == "" {
			continue
		}
		p := &csafProduct{product: templates.OneLine(r.FullProductName.Name)}
		if comp, ok := products[r.ProductRef]; ok {
			c := *comp
			p = &c
		}
		if platform, ok := products[r.RelatesTo]; ok {
			p.platform = platform.fullName
		}
		p.id = id
		p.fullName = templates.OneLine(r.FullProductName.Name)
		if r.FullProductName.Helper != nil {
			p.setHelper(&r.FullProductName)
		}
		products[id] = p
	}
	return products
}

// setHelper copies the product_identification_helper. A purl with a version
// names that exact version; the purl is kept whole (the matcher ignores its
// version for identity).
func (p *csafProduct) setHelper(f *csafFullProductName) {
	if f.Helper == nil {
		return
	}
	if c := strings.TrimSpace(f.Helper.CPE); c != "" {
		p.cpe = c
	}
	if u := strings.TrimSpace(f.Helper.PURL); u != "" {
		p.purl = u
		p.scheme = advisory.PurlScheme(u)
		if v := advisory.PurlVersion(u); v != "" {
			p.version = v
			p.rangeText = ""
		}
	}
}

// nevra matches a Red Hat package file name: name-[epoch:]version-release.arch.
var nevra = regexp.MustCompile(`^(.+)-((?:\d+:)?[^-:]+-[^-]+)\.([A-Za-z0-9_]+)$`)

// imageTag matches a container image reference: repository/name:tag.
var imageTag = regexp.MustCompile(`^([a-z0-9._/-]+/[a-z0-9._-]+):([A-Za-z0-9._-]+)$`)

// fromComponentName gives an identity to a product that has no product_name
// above it. Red Hat puts packages straight under an architecture branch
// ("telnet-1:0.17-65.el7_6.x86_64") and container images under the vendor
// ("openshift4/ose-metering-hive:v4.6.0-…"): split those into name and
// version. Anything else takes the full product name as the product, keeping
// a version branch's name as the version unless it is that same full name.
func (p *csafProduct) fromComponentName(name string) {
	if m := nevra.FindStringSubmatch(name); m != nil && m[3] == p.arch {
		p.product, p.version, p.rangeText, p.scheme = m[1], m[2], "", "rpm"
		return
	}
	if m := imageTag.FindStringSubmatch(name); m != nil {
		p.product, p.version, p.rangeText = m[1], m[2], ""
		return
	}
	if p.product == "" {
		p.product = p.fullName
		if p.version == p.fullName {
			p.version = ""
		}
	}
}

// joinVersion combines a product_version with a service_pack or patch_level
// below it. Cisco writes the full version in the service pack ("12.2SE" then
// "12.2(55)SE"), so a deeper name that starts like the version above
// replaces it; otherwise ("2.0" then "SP1") the two are joined.
func joinVersion(version, deeper string) string {
	if version == "" {
		return deeper
	}
	if lead := leadingNumber(version); lead != "" && strings.HasPrefix(deeper, lead) {
		return deeper
	}
	return version + " " + deeper
}

var leadingNumberRE = regexp.MustCompile(`^[vV]?\d+(?:\.\d+)*`)

func leadingNumber(s string) string {
	return leadingNumberRE.FindString(s)
}
