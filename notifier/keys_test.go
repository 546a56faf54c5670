package notifier

import (
	"context"
	"path/filepath"
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
	items, _, err := after.Cases.Rekey(ctx)
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
	if items, advs, err := again.Cases.Rekey(ctx); err != nil || items+advs != 0 {
		t.Errorf("second start re-keyed %d items and %d advisories (%v); want nothing", items, advs, err)
	}
}
