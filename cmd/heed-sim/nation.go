package main

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// A nation is the simulation's synthetic country: organizations numbered
// 0..orgs-1, each with itemsPerOrg inventory items. Every tenth runs Pulse
// Connect Secure (its first item) in one of 20 versions, 12 of which the
// advisory's range covers, so the advisory hits 6% of the organizations
// (or every organization runs an affected one: everyone);
// the other items are nine common products in varied versions. Nothing in
// it is random: every run, and every partition, sees the same country.
type nation struct {
	orgs, itemsPerOrg int
	// everyone: every organization runs an affected Pulse Connect Secure
	// (9.0R2.1), so the advisory hits them all.
	everyone bool
}

// products are the other items' products, as an inventory names them.
var products = [...]struct{ vendor, product string }{
	{"Fortinet", "FortiOS"}, {"Citrix", "NetScaler ADC"}, {"Microsoft", "Exchange Server"},
	{"Apache", "HTTP Server"}, {"OpenSSL", "OpenSSL"}, {"Cisco", "IOS XE"}, {"VMware", "vCenter Server"},
	{"Atlassian", "Confluence Server"}, {"F5", "BIG-IP"},
}

func orgID(i int) string { return fmt.Sprintf("org_%07d", i) }

// items returns organization i's inventory.
func (n nation) items(i int) []store.Item {
	items := make([]store.Item, n.itemsPerOrg)
	for j := range items {
		p := products[(i+j)%len(products)]
		items[j] = store.Item{Vendor: p.vendor, Product: p.product, Version: fmt.Sprintf("%d.%d.%d", j, i%10, i%7)}
	}
	switch {
	case n.everyone:
		items[0] = store.Item{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Asset: "vpn", Version: "9.0R2.1"}
	case i%10 == 0:
		items[0] = store.Item{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Asset: "vpn",
			Version: fmt.Sprintf("9.0R%d.%d", (i/10)%5, (i/50)%4)}
	}
	return items
}

// hit reports whether the advisory (advisoryDoc) hits organization i: its
// Pulse Connect Secure is in [9.0R1, 9.0R3.4).
func (n nation) hit(i int) bool {
	if n.everyone {
		return true
	}
	if i%10 != 0 {
		return false
	}
	minor := (i / 10) % 5 // every patch level of 9.0R1 to 9.0R3 is below 9.0R3.4
	return minor >= 1 && minor <= 3
}

// partition is the Heed instance, of k, that owns an organization: a hash
// of its id, as an agency would route each organization's registration.
func partition(id string, k int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(k))
}

// members lists the organizations of partition p of k.
func (n nation) members(p, k int) []int {
	var out []int
	for i := range n.orgs {
		if k == 1 || partition(orgID(i), k) == p {
			out = append(out, i)
		}
	}
	return out
}

// hits counts, for each of k partitions, the organizations the advisory hits.
func (n nation) hits(k int) []int {
	out := make([]int, k)
	for i := range n.orgs {
		if n.hit(i) {
			out[partition(orgID(i), k)]++
		}
	}
	return out
}

// register writes the organizations into db as Heed's store keeps them,
// 5,000 to a transaction (the API's import would take far longer and
// measure the API, not the advisory).
func (n nation) register(ctx context.Context, db *store.DB, m *subscribers.Matcher, orgs []int) error {
	const batch = 5000
	for start := 0; start < len(orgs); start += batch {
		err := db.Update(ctx, func(tx *store.Tx) error {
			for _, i := range orgs[start:min(start+batch, len(orgs))] {
				org := &store.Org{ID: orgID(i), Name: fmt.Sprintf("Organization %d", i), Language: "en", Timezone: "UTC",
					Contacts: []store.Contact{{Email: fmt.Sprintf("security@org%d.example", i), Role: "primary"}}}
				if err := tx.CreateOrg(org); err != nil {
					return err
				}
				items := n.items(i)
				for j := range items {
					items[j].Keys = m.ItemKeys(items[j])
				}
				if err := tx.ReplaceInventory(org.ID, items); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("register organizations: %w", err)
		}
	}
	return nil
}

// advisoryDoc is the advisory the simulation publishes, in Heed's format.
const advisoryDoc = `{"heed_advisory": 1, "id": "SIM-1", "revision": 1, "title": "Pulse Connect Secure: arbitrary file read",
 "severity": "critical", "cves": ["CVE-2019-11510"],
 "affected": [{"vendor": "Pulse Secure", "product": "Pulse Connect Secure", "scheme": "generic",
  "ranges": [{"introduced": "9.0R1", "fixed": "9.0R3.4"}]}]}`
