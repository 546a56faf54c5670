package subscribers

import (
	"fmt"
)

// Alias kinds accepted by Aliases.Add.
const (
	AliasVendor  = "vendor"
	AliasProduct = "product"
)

// Aliases holds groups of names that denote the same vendor or the same
// product. Vendors rename themselves and their products (Pulse Secure became
// Ivanti, Pulse Connect Secure became Ivanti Connect Secure), while an
// organization's inventory keeps whatever name it was entered under; both
// must still meet. Names are compared folded (see fold), so "Pulse Connect
// Secure" and the CPE spelling "pulse_connect_secure" are one name.
//
// An Aliases is filled before NewMatcher copies it; it is not safe for
// concurrent Add.
type Aliases struct {
	canon map[string]map[string]string // kind → folded name → canonical folded name
}

// NewAliases returns an empty alias table.
func NewAliases() *Aliases {
	return &Aliases{canon: map[string]map[string]string{AliasVendor: {}, AliasProduct: {}}}
}

// DefaultAliases returns the built-in renames: Pulse Secure's products
// under Ivanti, NetScaler's products under their Citrix names, and the
// Apache Software Foundation's names.
func DefaultAliases() *Aliases {
	a := NewAliases()
	groups := []struct {
		kind  string
		names []string
	}{
		{AliasVendor, []string{"Ivanti", "Pulse Secure", "PulseSecure"}},
		{AliasVendor, []string{"Apache", "Apache Software Foundation", "The Apache Software Foundation"}},
		{AliasProduct, []string{"Connect Secure", "Pulse Connect Secure", "Ivanti Connect Secure", "Pulse Secure Connect Secure"}},
		{AliasProduct, []string{"Policy Secure", "Pulse Policy Secure", "Ivanti Policy Secure"}},
		{AliasProduct, []string{"Secure Access Client", "Ivanti Secure Access Client", "Pulse Secure Desktop Client", "Pulse Secure Client"}},
		{AliasProduct, []string{"NetScaler ADC", "Citrix ADC", "Citrix NetScaler ADC"}},
		{AliasProduct, []string{"NetScaler Gateway", "Citrix Gateway", "Citrix NetScaler Gateway"}},
		{AliasProduct, []string{"Log4j", "Log4j2", "Apache Log4j", "Apache Log4j2", "Log4j 2"}},
	}
	for _, g := range groups {
		if err := a.Add(g.kind, g.names...); err != nil {
			panic(err) // the built-in table is constant; a test covers it
		}
	}
	return a
}

// Add declares that names denote one vendor (kind "vendor") or one product
// (kind "product"). A name already in a group joins the groups, so
// configuration can extend the built-in ones.
func (a *Aliases) Add(kind string, names ...string) error {
	m, ok := a.canon[kind]
	if !ok {
		return fmt.Errorf("alias kind %q: want %q or %q", kind, AliasVendor, AliasProduct)
	}
	if len(names) < 2 {
		return fmt.Errorf("%s alias %q: needs at least two names", kind, names)
	}
	folded := make([]string, len(names))
	for i, n := range names {
		folded[i] = foldName(kind, n)
		if folded[i] == "" {
			return fmt.Errorf("%s alias %q: name %d has no letters or digits", kind, names, i+1)
		}
	}
	// The group takes the canonical name of the first existing group it
	// touches, else its own first name; every other member is relabelled.
	canon := folded[0]
	for _, f := range folded {
		if c, ok := m[f]; ok {
			canon = c
			break
		}
	}
	for _, f := range folded {
		if old, ok := m[f]; ok && old != canon {
			for k, v := range m {
				if v == old {
					m[k] = canon
				}
			}
		}
		m[f] = canon
	}
	return nil
}

// clone returns an independent copy.
func (a *Aliases) clone() *Aliases {
	c := NewAliases()
	for kind, m := range a.canon {
		for k, v := range m {
			c.canon[kind][k] = v
		}
	}
	return c
}

// vendor returns the canonical folded form of a vendor name.
func (a *Aliases) vendor(name string) string {
	f := foldName(AliasVendor, name)
	if c, ok := a.canon[AliasVendor][f]; ok {
		return c
	}
	return f
}

// SameVendor reports whether two names denote one vendor: through the
// alias groups, whatever their case, spacing and company form.
func (a *Aliases) SameVendor(x, y string) bool {
	vx := a.vendor(x)
	return vx != "" && vx == a.vendor(y)
}

// product returns the canonical folded form of a product name. A product
// named with its vendor in front ("Fortinet FortiOS" by "Fortinet, Inc.")
// is also tried without it (withoutVendor), so that it meets the bare name.
func (a *Aliases) product(vendor, name string) string {
	f := foldName(AliasProduct, name)
	if c, ok := a.canon[AliasProduct][f]; ok {
		return c
	}
	if rest := withoutVendor(vendor, name); rest != "" {
		if c, ok := a.canon[AliasProduct][rest]; ok {
			return c
		}
		return rest
	}
	return f
}
