package store

import (
	"context"
	"slices"
	"testing"
)

// TestChangeItemKeys: re-keying reads each item with its stored keys,
// sorted; the keys it drops are gone and those it adds carry the item's
// copy, so the item is found under them as it is; an item deleted since
// it was read gets no key back.
func TestChangeItemKeys(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	ctx := context.Background()
	update(t, db, func(tx *Tx) error {
		for _, org := range []string{"o1", "o2"} {
			if err := tx.CreateOrg(&Org{ID: org, Name: org, Language: "en", Timezone: "UTC", CreatedAt: t0}); err != nil {
				return err
			}
		}
		if err := tx.ReplaceInventory("o1", []Item{
			{Vendor: "Pulse Secure", Product: "PCS", Version: "9.0", Asset: "vpn-1", Keys: []string{"product:pcs", "name:pulse/pcs"}},
			{Vendor: "Fortinet", Product: "FortiOS", Version: "6.4", Keys: []string{"name:fortinet/fortios"}},
		}); err != nil {
			return err
		}
		return tx.ReplaceInventory("o2", []Item{{Vendor: "Citrix", Product: "ADC", Version: "13", Keys: []string{"name:citrix/adc"}}})
	})
	var page []Item
	if err := db.View(ctx, func(tx *Tx) (err error) { page, err = tx.ItemsWithKeysAfter(0, 10); return err }); err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || !slices.Equal(page[0].Keys, []string{"name:pulse/pcs", "product:pcs"}) ||
		!slices.Equal(page[1].Keys, []string{"name:fortinet/fortios"}) || !slices.Equal(page[2].Keys, []string{"name:citrix/adc"}) {
		t.Fatalf("items with keys = %+v", page)
	}
	update(t, db, func(tx *Tx) error { return tx.ReplaceInventory("o2", nil) }) // the Citrix item is deleted
	update(t, db, func(tx *Tx) error {
		return tx.ChangeItemKeys([]KeyChange{
			{ItemID: page[0].ID, Drop: []string{"name:pulse/pcs"}, Add: []string{"name:ivanti/pcs"}},
			{ItemID: page[2].ID, Drop: []string{"name:citrix/adc"}, Add: []string{"name:netscaler/adc"}},
		})
	})
	find := func(key string) []Item {
		var items []Item
		if err := db.View(ctx, func(tx *Tx) (err error) { items, err = tx.ItemsByKeys([]string{key}, false); return err }); err != nil {
			t.Fatal(err)
		}
		return items
	}
	if got := find("name:pulse/pcs"); len(got) != 0 {
		t.Errorf("found under the dropped key: %+v", got)
	}
	if got := find("name:ivanti/pcs"); len(got) != 1 || got[0].ID != page[0].ID || got[0].OrgID != "o1" ||
		got[0].Vendor != "Pulse Secure" || got[0].Version != "9.0" || got[0].Asset != "vpn-1" {
		t.Errorf("under the added key: %+v, want the Pulse Secure item as it is", got)
	}
	if got := find("product:pcs"); len(got) != 1 {
		t.Errorf("under the key kept: %+v, want the item", got)
	}
	if got := find("name:netscaler/adc"); len(got) != 0 {
		t.Errorf("a deleted item got a key: %+v", got)
	}
}

// TestItemsByKeysWhileRekeying: while the items' keys are recomputed, the
// items the re-keying has not reached are each a candidate, whatever keys
// they hold (those may have been computed another way); the ones it has
// reached are found by their keys alone; done, only by keys again.
func TestItemsByKeysWhileRekeying(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	ctx := context.Background()
	update(t, db, func(tx *Tx) error {
		if err := tx.CreateOrg(&Org{ID: "o1", Name: "o1", Language: "en", Timezone: "UTC", CreatedAt: t0}); err != nil {
			return err
		}
		return tx.ReplaceInventory("o1", []Item{
			{Vendor: "Pulse Secure", Product: "PCS", Keys: []string{"name:pulse/pcs"}},
			{Vendor: "Fortinet", Product: "FortiOS", Keys: []string{"name:fortinet/fortios"}},
			{Vendor: "Citrix", Product: "ADC", Keys: []string{"name:citrix/adc"}},
		})
	})
	products := func(key string) []string {
		var items []Item
		if err := db.View(ctx, func(tx *Tx) (err error) { items, err = tx.ItemsByKeys([]string{key}, false); return err }); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.Product)
		}
		return out
	}
	var first int64
	update(t, db, func(tx *Tx) error {
		items, err := tx.ItemsAfter(0, 1)
		if err != nil {
			return err
		}
		first = items[0].ID
		return tx.SetKeysStaleAfter(first)
	})
	for key, want := range map[string][]string{
		"name:pulse/pcs":        {"PCS", "FortiOS", "ADC"},
		"name:fortinet/fortios": {"FortiOS", "ADC"},
		"name:ivanti/pcs":       {"FortiOS", "ADC"},
	} {
		if got := products(key); !slices.Equal(got, want) {
			t.Errorf("re-keyed up to the first item, %s finds %q, want %q", key, got, want)
		}
	}
	update(t, db, func(tx *Tx) error { return tx.KeysRecomputed() })
	if got := products("name:fortinet/fortios"); !slices.Equal(got, []string{"FortiOS"}) {
		t.Errorf("re-keyed, name:fortinet/fortios finds %q, want FortiOS alone", got)
	}
	if err := db.View(ctx, func(tx *Tx) error {
		if _, stale, err := tx.KeysStaleAfter(); err != nil || stale {
			t.Errorf("KeysStaleAfter = %v, %v after KeysRecomputed", stale, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
