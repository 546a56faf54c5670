package notifier

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// TestRekeyWhenNamesFoldDifferently: keys stored by a Heed whose alias table
// lacked a rename miss the advisory that uses the new name, until Rekey
// recomputes them at the next start; a second start recomputes nothing.
func TestRekeyWhenNamesFoldDifferently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heed.db")
	before, _ := newTestEngineAt(t, path)
	org, err := before.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Gamma", Contacts: []subscribers.ContactSpec{{Email: "sec@gamma.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{{Vendor: "Acme Corp.", Product: "Connectivity Box", Version: "2.1"}}); err != nil {
		t.Fatal(err)
	}
	withAlias := func(c *Config) {
		a := subscribers.DefaultAliases()
		if err := a.Add(subscribers.AliasProduct, "Acme Box", "Connectivity Box"); err != nil {
			t.Fatal(err)
		}
		c.Matcher = subscribers.NewMatcher(a)
	}
	after, _ := newTestEngineAt(t, path, withAlias)
	items, _, err := rekey(after)
	if err != nil || items != 1 {
		t.Fatalf("Rekey = %d items, %v; want the one item re-keyed", items, err)
	}
	adv := &advisory.Advisory{ID: "ACME-1", Revision: "1", Format: "heed", Title: "Acme Box", Severity: "high",
		Affected: []advisory.Affected{{Vendor: "ACME", Product: "Acme Box", Status: advisory.StatusAffected, Versions: []string{"2.1"}}}}
	out, err := after.Cases.ApplyAdvisory(ctx, adv)
	if err != nil || out.Opened != 1 {
		t.Fatalf("apply after re-keying: %+v, %v; want the case opened", out, err)
	}
	again, _ := newTestEngineAt(t, path, withAlias)
	if items, advs, err := rekey(again); err != nil || items+advs != 0 {
		t.Errorf("second start re-keyed %d items and %d advisories (%v); want nothing", items, advs, err)
	}
	assertKeysOf(t, again)

	// Back to the table without the alias: the key it gave is dropped; a
	// Heed whose fingerprint differs but whose keys come out the same
	// writes no item.
	back, _ := newTestEngineAt(t, path)
	if items, _, err := rekey(back); err != nil || items != 1 {
		t.Fatalf("Rekey without the alias = %d items, %v; want the one item re-keyed", items, err)
	}
	assertKeysOf(t, back)
	if err := back.db.Update(ctx, func(tx *store.Tx) error { return tx.SetSetting(keysSetting, "older") }); err != nil {
		t.Fatal(err)
	}
	if items, _, err := rekey(back); err != nil || items != 0 {
		t.Errorf("Rekey with the same keys = %d items, %v; want none written", items, err)
	}
}

// TestAdvisoryWhileItemsAreRekeyed: heed serve starts intake as soon as the
// advisories are re-keyed (Rekey), while the items' keys are recomputed
// beside it (RekeyItems). An advisory applied meanwhile reaches the item
// whose stored keys, computed without the alias, would miss it; its
// near-miss scan waits for the keys; once they are recomputed, the next
// advisory finds the item by its keys.
func TestAdvisoryWhileItemsAreRekeyed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heed.db")
	before, _ := newTestEngineAt(t, path)
	orgID := addOrg(t, before, "Gamma", "9.0R3.3")
	if _, err := before.Orgs.ReplaceInventory(ctx, orgID, []store.Item{{Vendor: "Acme Corp.", Product: "Connectivity Box", Version: "2.1"}}); err != nil {
		t.Fatal(err)
	}
	after, _ := newTestEngineAt(t, path, func(c *Config) {
		a := subscribers.DefaultAliases()
		if err := a.Add(subscribers.AliasProduct, "Acme Box", "Connectivity Box"); err != nil {
			t.Fatal(err)
		}
		c.Matcher = subscribers.NewMatcher(a)
	})
	if _, err := after.Cases.Rekey(ctx); err != nil {
		t.Fatal(err)
	}
	acme := func(id string) *advisory.Advisory {
		return &advisory.Advisory{ID: id, Revision: "1", Format: "heed", Title: "Acme Box", Severity: "high",
			Affected: []advisory.Affected{{Vendor: "ACME", Product: "Acme Box", Status: advisory.StatusAffected, Versions: []string{"2.1"}}}}
	}
	if out, err := after.Cases.ApplyAdvisory(ctx, acme("ACME-1")); err != nil || out.Opened != 1 {
		t.Fatalf("apply while the items are re-keyed: %+v, %v; want the case opened", out, err)
	}
	if n, err := after.Cases.scanNearMisses(ctx); err != nil || n != 0 {
		t.Errorf("near-miss scan while the items are re-keyed: %d, %v; want it to wait", n, err)
	}
	if items, err := after.Cases.RekeyItems(ctx); err != nil || items != 1 {
		t.Fatalf("RekeyItems = %d, %v; want the one item", items, err)
	}
	assertKeysOf(t, after)
	if n, err := after.Cases.scanNearMisses(ctx); err != nil || n != 1 {
		t.Errorf("near-miss scan once re-keyed: %d, %v; want ACME-1 scanned", n, err)
	}
	if out, err := after.Cases.ApplyAdvisory(ctx, acme("ACME-2")); err != nil || out.Opened != 1 {
		t.Fatalf("apply once re-keyed: %+v, %v; want the case opened", out, err)
	}
}

// rekey re-keys as heed serve does: the advisories first (Rekey), then the
// items (RekeyItems); it returns how many of each had keys that differ.
func rekey(e *Engine) (items, advisories int, err error) {
	ctx := context.Background()
	if advisories, err = e.Cases.Rekey(ctx); err != nil {
		return 0, 0, err
	}
	items, err = e.Cases.RekeyItems(ctx)
	return items, advisories, err
}

// assertKeysOf checks that every stored item has exactly the lookup keys
// e's matcher computes for it.
func assertKeysOf(t *testing.T, e *Engine) {
	t.Helper()
	var items []store.Item
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) { items, err = tx.ItemsWithKeysAfter(0, 1000); return err }); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if want := e.matcher.ItemKeys(it); !slices.Equal(it.Keys, want) {
			t.Errorf("item %s %s: stored keys %q, want %q", it.Vendor, it.Product, it.Keys, want)
		}
	}
}
