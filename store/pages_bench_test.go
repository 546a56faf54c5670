package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// fillCases writes n organizations, each with one case of one advisory and
// two case items.
func fillCases(tb testing.TB, n int) *DB {
	tb.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(tb.TempDir(), "heed.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	err = db.Update(ctx, func(tx *Tx) error {
		if err := tx.PutAdvisory(&Advisory{ID: "SA1", Revision: "1", Format: "heed", Title: "t", Severity: "high", Doc: []byte("{}"), ReceivedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		for i := range n {
			org := &Org{ID: fmt.Sprintf("org_%06d", i), Name: fmt.Sprintf("Org %06d", i), Language: "en", Timezone: "UTC", CreatedAt: now,
				Contacts: []Contact{{Email: fmt.Sprintf("sec@%d.test", i), Role: "primary"}}}
			if err := tx.CreateOrg(org); err != nil {
				return err
			}
			c := &Case{ID: fmt.Sprintf("case_%06d", i), AdvisoryID: "SA1", OrgID: org.ID, State: CaseOpen,
				OpenedAt: now, DueAt: now.Add(time.Duration(i%97) * time.Hour), UpdatedAt: now}
			if err := tx.CreateCase(c); err != nil {
				return err
			}
			items := []CaseItem{{Vendor: "V", Product: "P", Version: "1", Asset: "a", Certainty: "affected", Reason: Reason{Code: "text", Args: []string{"x"}}},
				{Vendor: "V", Product: "P", Version: "2", Asset: "b", Certainty: "affected", Reason: Reason{Code: "text", Args: []string{"y"}}}}
			if _, err := tx.AddCaseItems(c.ID, items); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func TestCasePagesCoverEveryCaseOnce(t *testing.T) {
	db := fillCases(t, 250)
	seen := map[string]bool{}
	q := CaseQuery{Limit: 100}
	for pages := 0; ; pages++ {
		p, err := db.CasePage(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Cases {
			if seen[c.ID] || len(p.Items[c.ID]) != 2 || p.OrgNames[c.OrgID] == "" || p.Advisories[c.AdvisoryID].Title != "t" {
				t.Fatalf("case %s: seen %v, items %d, org name %q", c.ID, seen[c.ID], len(p.Items[c.ID]), p.OrgNames[c.OrgID])
			}
			seen[c.ID] = true
		}
		if p.Next == "" {
			if len(seen) != 250 || pages != 2 {
				t.Errorf("%d cases over %d pages; want 250 over 3", len(seen), pages+1)
			}
			return
		}
		q.Cursor = p.Next
	}
}

// BenchmarkCasePage reads the first page of 1,000 of 100,000 cases the way
// /api/v1/cases does (four statements), and the way it did before (one item
// query per case).
func BenchmarkCasePage(b *testing.B) {
	db := fillCases(b, 100000)
	ctx := context.Background()
	b.Run("paged", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.CasePage(ctx, CaseQuery{Limit: 1000}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("query-per-case", func(b *testing.B) {
		for b.Loop() {
			err := db.View(ctx, func(tx *Tx) error {
				p, err := tx.CasePage(CaseQuery{Limit: 1000})
				for _, c := range p.Cases {
					if _, err := tx.CaseItems(c.ID); err != nil {
						return err
					}
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOrgPage reads the first page of 1,000 of 100,000 organizations,
// as /api/v1/orgs does.
func BenchmarkOrgPage(b *testing.B) {
	db := fillCases(b, 100000)
	ctx := context.Background()
	for b.Loop() {
		if _, err := db.OrgPage(ctx, OrgQuery{Limit: 1000}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCasePageWithoutItems: NoItems reads the same cases and names, and no
// items.
func TestCasePageWithoutItems(t *testing.T) {
	db := fillCases(t, 3)
	p, err := db.CasePage(context.Background(), CaseQuery{Limit: 10, NoItems: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Cases) != 3 || len(p.Items) != 0 || len(p.OrgNames) != 3 || p.Advisories["SA1"].Title != "t" {
		t.Errorf("%d cases, %d with items, %d org names, advisories %v; want 3, 0, 3 and SA1", len(p.Cases), len(p.Items), len(p.OrgNames), p.Advisories)
	}
}
