package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestUpdateIsAllOrNothing: an error inside Update leaves nothing of the
// transaction behind, and View cannot write.
func TestUpdateIsAllOrNothing(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.SetSetting("k", "v"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want the function's error", err)
	}
	err = db.View(ctx, func(tx *Tx) error { _, err := tx.Setting("k"); return err })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("setting after a failed Update: %v, want ErrNotFound", err)
	}
	if err := db.View(ctx, func(tx *Tx) error { return tx.SetSetting("k", "v") }); err == nil {
		t.Error("View wrote a setting")
	}
	update(t, db, func(tx *Tx) error { return tx.SetSetting("k", "v1") })
	update(t, db, func(tx *Tx) error { return tx.SetSetting("k", "v2") })
	var v string
	if err := db.View(ctx, func(tx *Tx) (err error) { v, err = tx.Setting("k"); return err }); err != nil || v != "v2" {
		t.Errorf("setting = %q, %v; want the last value v2", v, err)
	}
}

// TestItemsByKeys finds an organization's items by any of their lookup
// keys, once each, in organization order, also when the keys asked for are
// more than one statement may carry.
func TestItemsByKeys(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	update(t, db, func(tx *Tx) error {
		for _, org := range []string{"o2", "o1"} {
			if err := tx.CreateOrg(&Org{ID: org, Name: org, Language: "en", Timezone: "UTC", CreatedAt: t0}); err != nil {
				return err
			}
			if err := tx.ReplaceInventory(org, []Item{
				{Vendor: "Pulse Secure", Product: "PCS", Version: "9.0", Keys: []string{"name:pulse", "cpe:pulse"}},
				{Vendor: "Fortinet", Product: "FortiOS", Version: "6.4", Keys: []string{"name:fortios"}},
			}); err != nil {
				return err
			}
		}
		// Replacing an inventory drops the old items and their keys.
		return tx.ReplaceInventory("o2", []Item{{Vendor: "Pulse Secure", Product: "PCS", Version: "9.1", Keys: []string{"name:pulse"}}})
	})
	// The two keys of one item in different chunks of the statement.
	many := []string{"cpe:pulse"}
	for i := range 1200 {
		many = append(many, fmt.Sprintf("name:other%d", i))
	}
	many = append(many, "name:pulse")
	for name, keys := range map[string][]string{"two keys of one item": {"cpe:pulse", "name:pulse"}, "1,202 keys": many} {
		var items []Item
		if err := db.View(context.Background(), func(tx *Tx) (err error) { items, err = tx.ItemsByKeys(keys, false); return err }); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			got = append(got, it.OrgID+"/"+it.Version)
		}
		if strings.Join(got, " ") != "o1/9.0 o2/9.1" {
			t.Errorf("%s: items = %v, want o1/9.0 o2/9.1 once each", name, got)
		}
	}
	var all []Item
	if err := db.View(context.Background(), func(tx *Tx) (err error) { all, err = tx.ItemsByKeys(nil, true); return err }); err != nil || len(all) != 3 {
		t.Errorf("every item: %d, %v; want 3", len(all), err)
	}
}

// TestInItemOrder: candidates read as several runs in item order (one per
// key), an item in more than one of them, come out by id, once each, each
// id with its own item.
func TestInItemOrder(t *testing.T) {
	t.Parallel()
	item := func(id int64) Item { return Item{ID: id, OrgID: fmt.Sprintf("o%d", id%7), Version: fmt.Sprint(id)} }
	var in, want []Item
	for _, run := range [][]int64{{3, 9, 12, 40}, {1, 2, 9, 10, 41}, {}, {12, 13}, {0, 40, 41}} {
		for _, id := range run {
			in = append(in, item(id))
		}
	}
	for _, id := range []int64{0, 1, 2, 3, 9, 10, 12, 13, 40, 41} {
		want = append(want, item(id))
	}
	if got := inItemOrder(in); !reflect.DeepEqual(got, want) {
		t.Errorf("several runs:\n got %v\nwant %v", got, want)
	}
	if got := inItemOrder([]Item{item(1), item(1), item(5)}); !reflect.DeepEqual(got, []Item{item(1), item(5)}) {
		t.Errorf("one run with an item twice: %v", got)
	}
	if got := inItemOrder(nil); len(got) != 0 {
		t.Errorf("no items: %v", got)
	}
}

// TestItemsByKeysReadsTrueCopies: the candidates come from the copies the
// keys carry (migration 19); a key written without its copy and an item
// changed in place still give the item as it is in items.
func TestItemsByKeysReadsTrueCopies(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	update(t, db, func(tx *Tx) error {
		if err := tx.CreateOrg(&Org{ID: "o1", Name: "o1", Language: "en", Timezone: "UTC", CreatedAt: t0}); err != nil {
			return err
		}
		if err := tx.ReplaceInventory("o1", []Item{{Vendor: "Pulse Secure", Product: "PCS", Version: "9.0", CPE: "cpe:/a:p:pcs",
			PURL: "pkg:generic/pcs", Asset: "vpn-1", Keys: []string{"name:pulse"}}}); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO item_keys (key, item_id) SELECT 'name:bare', id FROM items`); err != nil {
			return err
		}
		_, err := tx.exec(`UPDATE items SET version = '9.1', asset = 'vpn-2'`)
		return err
	})
	for _, key := range []string{"name:pulse", "name:bare"} {
		var items []Item
		if err := db.View(context.Background(), func(tx *Tx) (err error) { items, err = tx.ItemsByKeys([]string{key}, false); return err }); err != nil {
			t.Fatal(err)
		}
		want := Item{OrgID: "o1", Vendor: "Pulse Secure", Product: "PCS", Version: "9.1", CPE: "cpe:/a:p:pcs", PURL: "pkg:generic/pcs", Asset: "vpn-2"}
		if len(items) != 1 || items[0].ID == 0 {
			t.Fatalf("%s: items = %+v, want one", key, items)
		}
		items[0].ID = 0
		if items[0].OrgID != want.OrgID || items[0].Vendor != want.Vendor || items[0].Version != want.Version ||
			items[0].CPE != want.CPE || items[0].PURL != want.PURL || items[0].Asset != want.Asset || items[0].Product != want.Product {
			t.Errorf("%s: item = %+v, want %+v", key, items[0], want)
		}
	}
}

// TestRejectedOncePerSequence: a redelivered document is recorded once; a
// large one is kept cut, with the size and digest of the whole; the list
// leaves the payloads out.
func TestRejectedOncePerSequence(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	big := []byte(strings.Repeat("j", MaxRejectedPayload+100))
	update(t, db, func(tx *Tx) error {
		for range 2 {
			if err := tx.AddRejected(&Rejected{Subject: "advisories.x", StreamSeq: 9, ReceivedAt: t0, Reason: "junk", Payload: big}); err != nil {
				return err
			}
		}
		return tx.AddRejected(&Rejected{Subject: "advisories.y", StreamSeq: 10, ReceivedAt: t0, Reason: "no id", Payload: []byte("{}")})
	})
	err := db.View(context.Background(), func(tx *Tx) error {
		list, err := tx.RejectedDocs(10)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].StreamSeq != 10 || list[1].Payload != nil {
			t.Errorf("rejected list = %+v; want 2, newest first, without payloads", list)
		}
		r, err := tx.RejectedDoc(list[1].ID)
		if err != nil {
			return err
		}
		if len(r.Payload) != MaxRejectedPayload || r.Size != int64(len(big)) || len(r.SHA256) != 64 {
			t.Errorf("large rejected document: kept %d bytes, size %d, digest %q", len(r.Payload), r.Size, r.SHA256)
		}
		if _, err := tx.RejectedDoc(999); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown rejected document: %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDueCasesAreOpenOrScheduled: the scheduler sees only open and
// scheduled cases whose reminder has come, earliest first.
func TestDueCasesAreOpenOrScheduled(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	update(t, db, func(tx *Tx) error {
		if err := tx.PutAdvisory(&Advisory{ID: "A1", Revision: "1", Format: "heed", Title: "t", Severity: "high",
			Doc: []byte("{}"), ReceivedAt: t0, UpdatedAt: t0}); err != nil {
			return err
		}
		for i, spec := range []struct {
			state string
			at    time.Duration
		}{{CaseOpen, 2 * time.Hour}, {CaseScheduled, time.Hour}, {CaseAnswered, time.Hour}, {CaseClosed, time.Hour},
			{CaseWatching, time.Hour}, {CaseOpen, 5 * time.Hour}} {
			org := fmt.Sprintf("o%d", i)
			if err := tx.CreateOrg(&Org{ID: org, Name: org, Language: "en", Timezone: "UTC", CreatedAt: t0}); err != nil {
				return err
			}
			if err := tx.CreateCase(&Case{ID: "c" + org, AdvisoryID: "A1", OrgID: org, State: spec.state, OpenedAt: t0,
				DueAt: t0, NextReminderAt: t0.Add(spec.at), UpdatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	err := db.View(context.Background(), func(tx *Tx) error {
		due, err := tx.DueCases(t0.Add(3*time.Hour), 10)
		if err != nil {
			return err
		}
		var got []string
		for _, c := range due {
			got = append(got, c.ID+"/"+c.State)
		}
		if strings.Join(got, " ") != "co1/scheduled co0/open" {
			t.Errorf("due cases = %v, want co1/scheduled co0/open", got)
		}
		next, err := tx.NextReminderAt()
		if err != nil || !next.Equal(t0.Add(time.Hour)) {
			t.Errorf("next reminder at %v, %v; want %v", next, err, t0.Add(time.Hour))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
