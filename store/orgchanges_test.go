package store

import (
	"context"
	"testing"
	"time"
)

// TestOrgChangesMoveWithEveryChange: every way an organization or its
// contacts change moves the count an apply batch relies on to skip reading
// its organizations again; reading them, or changing something else (an
// inventory), does not.
func TestOrgChangesMoveWithEveryChange(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	org := &Org{ID: "org_a", Name: "Acme", Language: "en", Timezone: "UTC", BusinessHours: "always", Digest: "off", DigestTime: "09:00", CreatedAt: at,
		Contacts: []Contact{{Email: "sec@acme.test", Role: "primary"}}}
	last := changes(t, db)
	step := func(what string, moves bool, fn func(tx *Tx) error) {
		t.Helper()
		update(t, db, fn)
		n := changes(t, db)
		if moved := n != last; moved != moves {
			t.Errorf("%s: count %d -> %d; want moved = %v", what, last, n, moves)
		}
		last = n
	}
	step("create an organization", true, func(tx *Tx) error { return tx.CreateOrg(org) })
	step("read it", false, func(tx *Tx) error { _, err := tx.OrgsByID([]string{"org_a"}); return err })
	step("replace its inventory", false, func(tx *Tx) error {
		return tx.ReplaceInventory("org_a", []Item{{OrgID: "org_a", Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}})
	})
	step("rename it", true, func(tx *Tx) error { org.Name = "Acme Corporation"; return tx.UpdateOrg(org) })
	step("add a contact", true, func(tx *Tx) error {
		org.Contacts = append(org.Contacts, Contact{Email: "boss@acme.test", Role: "escalation"})
		return tx.UpdateOrg(org)
	})
	id := org.Contacts[0].ID
	step("bounce a contact", true, func(tx *Tx) error { return tx.MarkBounced(id, at, "550 5.1.1 no such user") })
	step("clear the bounce", true, func(tx *Tx) error { return tx.ClearBounce(id) })
	step("set its external id", true, func(tx *Tx) error { return tx.SetExternalID("org_a", "ext-1") })
	step("deactivate it", true, func(tx *Tx) error { return tx.SetDeactivated("org_a", at) })
	step("delete it", true, func(tx *Tx) error { return tx.DeleteOrg("org_a") })
}

func changes(t *testing.T, db *DB) int64 {
	t.Helper()
	var n int64
	if err := db.View(context.Background(), func(tx *Tx) (err error) { n, err = tx.OrgChanges(); return err }); err != nil {
		t.Fatal(err)
	}
	return n
}
