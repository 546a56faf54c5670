package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/store/storetest"
)

// TestFilteredPagesKeepTheListOrder: for each filter of the board, the
// pages read one after the other give exactly the cases Cases lists for
// it, in its order (filters of one state read another index, in an order
// without the state); and a cursor of one list used with a filter of one
// state starts where that cursor says, not before.
func TestFilteredPagesKeepTheListOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	storetest.FillBoard(t, db, 700, now)
	ids := func(cases []store.Case) []string {
		var out []string
		for _, c := range cases {
			out = append(out, c.ID)
		}
		return out
	}
	paged := func(q store.CaseQuery) []string {
		var out []string
		for {
			p, err := db.CasePage(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ids(p.Cases)...)
			if p.Next == "" {
				return out
			}
			q.Cursor = p.Next
		}
	}
	for name, f := range map[string]store.CaseFilter{
		"none": {}, "open": {State: store.CaseOpen}, "answered": {State: store.CaseAnswered}, "silent": {Silent: true},
		"overdue": {OverdueAt: now}, "advisory": {AdvisoryID: storetest.BigAdvisory}, "closed of SA0": {State: store.CaseClosed, AdvisoryID: storetest.BigAdvisory},
	} {
		var want []store.Case
		if err := db.View(ctx, func(tx *store.Tx) (err error) { want, err = tx.Cases(f); return err }); err != nil {
			t.Fatal(err)
		}
		if got := paged(store.CaseQuery{CaseFilter: f, Limit: 37}); len(want) == 0 || !slices.Equal(got, ids(want)) {
			t.Errorf("%s: pages give %d cases, Cases %d, or not in the same order", name, len(got), len(want))
		}
	}

	// The first page of all cases ends among the open ones; of the closed
	// ones among those not open.
	first, err := db.CasePage(ctx, store.CaseQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	closed, err := db.CasePage(ctx, store.CaseQuery{CaseFilter: store.CaseFilter{State: store.CaseClosed}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	all := paged(store.CaseQuery{CaseFilter: store.CaseFilter{State: store.CaseAnswered}, Limit: 1000})
	if got := paged(store.CaseQuery{CaseFilter: store.CaseFilter{State: store.CaseAnswered}, Cursor: first.Next, Limit: 1000}); !slices.Equal(got, all) {
		t.Errorf("answered cases after a cursor among the open ones: %d, want all %d", len(got), len(all))
	}
	if got := paged(store.CaseQuery{CaseFilter: store.CaseFilter{Silent: true}, Cursor: closed.Next, Limit: 1000}); len(got) != 0 {
		t.Errorf("silent cases after a cursor among the closed ones: %d, want none", len(got))
	}
}
