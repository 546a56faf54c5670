package publishers

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/cpe"
)

// Check refuses a document its publisher may not send: an affected entry
// that is a bare wildcard (from anyone), a vendor outside a vendor
// publisher's own, a link outside the publisher's domains. The error says
// which publisher, which entry and which vendor or link.
func (s *Set) Check(p *Publisher, adv *advisory.Advisory) error {
	for i, a := range adv.Affected {
		if err := wildcard(a); err != nil {
			return fmt.Errorf("affected entry %d: %w; Heed refuses it from every publisher", i+1, err)
		}
		if p.Role == Vendor {
			if err := s.ownVendor(p, a); err != nil {
				return fmt.Errorf("affected entry %d: %w", i+1, err)
			}
		}
	}
	if p.Role == Vendor || len(p.LinkDomains) > 0 {
		for _, link := range Links(adv) {
			if !p.linkAllowed(link) {
				return fmt.Errorf("link %q: publisher %s may link only to %s", link, p.Name, p.domainsText())
			}
		}
	}
	return nil
}

// wildcard refuses an identity that names no vendor and no product: it
// would match every inventory item.
func wildcard(a advisory.Affected) error {
	bare := func(s string) bool { s = strings.TrimSpace(s); return s != "" && strings.Trim(s, "*?-") == "" }
	if bare(a.Vendor) {
		return fmt.Errorf("vendor %q is a bare wildcard", a.Vendor)
	}
	if bare(a.Product) && strings.TrimSpace(a.Vendor) == "" && a.CPE == "" && a.PURL == "" {
		return fmt.Errorf("product %q is a bare wildcard", a.Product)
	}
	if a.CPE != "" {
		if n, err := cpe.Parse(a.CPE); err == nil && !n.Vendor.Concrete() && !n.Product.Concrete() {
			return fmt.Errorf("CPE %q names neither a vendor nor a product: a bare wildcard", a.CPE)
		}
	}
	return nil
}

// ownVendor refuses an entry of a vendor publisher that names a vendor not
// its own, or none. A package URL names a package anyone may publish under,
// not a vendor, so a vendor publisher identifies its products by vendor
// name or CPE.
func (s *Set) ownVendor(p *Publisher, a advisory.Affected) error {
	if strings.TrimSpace(a.PURL) != "" {
		return fmt.Errorf("package URL %q: publisher %s (a vendor) names its products by vendor and product or CPE; packages are an agency's to publish", a.PURL, p.Name)
	}
	var named []string
	if v := strings.TrimSpace(a.Vendor); v != "" {
		named = append(named, v)
	}
	if a.CPE != "" {
		n, err := cpe.Parse(a.CPE)
		if err != nil {
			return fmt.Errorf("CPE %q: %w", a.CPE, err)
		}
		if !n.Vendor.Concrete() {
			return fmt.Errorf("CPE %q: publisher %s (a vendor) must name its vendor in it", a.CPE, p.Name)
		}
		named = append(named, n.Vendor.Text)
	}
	if len(named) == 0 {
		return fmt.Errorf("product %q names no vendor: publisher %s speaks only for %s", a.Product, p.Name, strings.Join(p.Vendors, ", "))
	}
	for _, v := range named {
		if !s.speaksFor(p, v) {
			return fmt.Errorf("vendor %q: publisher %s speaks only for %s", v, p.Name, strings.Join(p.Vendors, ", "))
		}
	}
	return nil
}

func (s *Set) speaksFor(p *Publisher, vendor string) bool {
	for _, own := range p.Vendors {
		if s.aliases.SameVendor(own, vendor) {
			return true
		}
	}
	return false
}

// urlInText finds links in free text: anything with a scheme, and the
// www. addresses mail readers turn into links.
var urlInText = regexp.MustCompile(`(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>"'\x60]+`)

// Links returns every link a document carries: its URL, references,
// remediation URLs, and the links written in its text.
func Links(adv *advisory.Advisory) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	text := []string{adv.Title, adv.Summary}
	add(adv.URL)
	for _, r := range adv.References {
		add(r)
	}
	for _, r := range adv.Remediations {
		add(r.URL)
		text = append(text, r.Details)
	}
	text = append(text, adv.Notes...)
	for _, t := range text {
		for _, m := range urlInText.FindAllString(t, -1) {
			add(strings.TrimRight(m, ".,;:!?)]}"))
		}
	}
	return out
}

// linkAllowed reports whether a link is an http(s) address on one of the
// publisher's domains (or their subdomains); with no domains, an agency may
// link anywhere on the web and a vendor nowhere.
func (p *Publisher) linkAllowed(link string) bool {
	if strings.HasPrefix(strings.ToLower(link), "www.") {
		link = "https://" + link
	}
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
		return false
	}
	if len(p.LinkDomains) == 0 {
		return p.Role == Agency
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	for _, d := range p.LinkDomains {
		d = strings.TrimSuffix(strings.ToLower(d), ".")
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

func (p *Publisher) domainsText() string {
	if len(p.LinkDomains) == 0 {
		return "no domain (link_domains is empty)"
	}
	return strings.Join(p.LinkDomains, ", ") + " and their subdomains"
}
