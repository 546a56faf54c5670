package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/store/storetest"
)

// TestDecidedNearMissesLatestFirst: the review page's "last decided" list
// is the decided near misses by their decision, latest first, however many
// are still pending (a list of all, cut at a limit, would show none).
func TestDecidedNearMissesLatestFirst(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		if err := tx.PutAdvisory(&store.Advisory{ID: "SA1", Revision: "1", Publisher: "default", Format: "heed",
			Title: "Flaw", Severity: "high", Doc: []byte("{}"), ReceivedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateOrg(&store.Org{ID: "org_1", Name: "Water works", Language: "en", Timezone: "UTC", CreatedAt: now,
			Contacts: []store.Contact{{Email: "sec@water.test", Role: "primary"}}}); err != nil {
			return err
		}
		var found []store.NearMiss
		for i := range 30 {
			found = append(found, store.NearMiss{ID: fmt.Sprintf("review_%02d", i), AdvisoryID: "SA1", OrgID: "org_1",
				Pair: fmt.Sprintf("pair %02d", i), Vendor: "Siemens", Product: fmt.Sprintf("SCALANCE X-%d", 200+i), Version: "1",
				AdvVendor: "Siemens", AdvProduct: "SCALANCE X-200 switch family", Why: "words_dropped", Words: []string{"switch", "family"},
				Reason: store.Reason{Code: "text", Args: []string{"x"}}})
		}
		// Found one after another: review_29 is the newest found.
		for i, n := range found {
			if _, err := tx.RecordNearMisses("SA1", "org_1", found[:i+1], now.Add(time.Duration(i)*time.Minute)); err != nil {
				return fmt.Errorf("%s: %w", n.ID, err)
			}
		}
		// The oldest found are decided, the first found decided last.
		for i, id := range []string{"review_02", "review_01", "review_00"} {
			state := store.ReviewDismissed
			if i == 1 {
				state = store.ReviewConfirmed
			}
			if err := tx.DecideNearMiss(id, state, "operator", now.Add(time.Hour+time.Duration(i)*time.Minute)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var decided, firstPending []store.NearMiss
	err = db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		if decided, err = tx.NearMisses(store.ReviewDecided, 100); err != nil {
			return err
		}
		firstPending, err = tx.NearMisses("", 3)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range decided {
		got = append(got, n.ID+" "+n.State)
	}
	want := []string{"review_00 dismissed", "review_01 confirmed", "review_02 dismissed"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("decided: %v, want %v", got, want)
	}
	// The list of all, newest found first and cut at 3, holds no decided one.
	for _, n := range firstPending {
		if n.State != store.ReviewPending {
			t.Errorf("the newest found are pending, got %s %s", n.ID, n.State)
		}
	}
}
