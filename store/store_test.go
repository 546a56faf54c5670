package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func openTestDB(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "heed.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	db, path := openTestDB(t)
	if _, err := db.sql.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "newer than this Heed supports") {
		t.Fatalf("Open of a newer schema: err = %v", err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, path := openTestDB(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	org := &Org{ID: "o1", Name: "Acme", Language: "ja", Timezone: "Asia/Tokyo", CreatedAt: now,
		Contacts: []Contact{{Email: "sec@acme.example", Role: "primary"}}}
	if err := db.Update(ctx, func(tx *Tx) error { return tx.CreateOrg(org) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got Org
	if err := db.View(ctx, func(tx *Tx) error { got, err = tx.Org("o1"); return err }); err != nil {
		t.Fatal(err)
	}
	if got.Name != "Acme" || !got.CreatedAt.Equal(now) || len(got.Contacts) != 1 || got.Contacts[0].Email != "sec@acme.example" {
		t.Fatalf("reopened org = %+v", got)
	}
}

func TestCaseRoundTripAndUniqueness(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := openTestDB(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.CreateOrg(&Org{ID: "o1", Name: "Acme", Language: "en", Timezone: "UTC", CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.PutAdvisory(&Advisory{ID: "A1", Revision: "1", Publisher: "default", Format: "heed", Title: "t", Severity: "high",
			Keys: []string{"k1"}, Doc: []byte("{}"), ReceivedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		c := &Case{ID: "c1", AdvisoryID: "A1", OrgID: "o1", State: CaseOpen, OpenedAt: now, DueAt: now.Add(time.Hour),
			NextReminderAt: now.Add(time.Minute), UpdatedAt: now}
		if err := tx.CreateCase(c); err != nil {
			return err
		}
		dup := *c
		dup.ID = "c2"
		if err := tx.CreateCase(&dup); !errors.Is(err, ErrConflict) {
			t.Errorf("second case for the same advisory and org: err = %v, want ErrConflict", err)
		}
		c.Answer = &Answer{Status: "patched", At: now, Note: "done", IP: "127.0.0.1"}
		c.State = CaseAnswered
		c.NextReminderAt = time.Time{}
		return tx.UpdateCase(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx *Tx) error {
		c, err := tx.Case("c1")
		if err != nil {
			return err
		}
		if c.State != CaseAnswered || c.Answer == nil || c.Answer.Status != "patched" || !c.NextReminderAt.IsZero() {
			t.Errorf("case after answer = %+v", c)
		}
		if _, err := tx.Case("nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing case: err = %v, want ErrNotFound", err)
		}
		advs, err := tx.AdvisoriesForKeys([]string{"k1", "other"})
		if err != nil || len(advs) != 1 {
			t.Errorf("AdvisoriesForKeys = %v, %v", advs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// oldDB writes a database of the schema just before the migration whose
// file name ends in suffix, at that schema version, runs stmts in it (as
// an older Heed left it: foreign keys not enforced) and returns its path.
func oldDB(t *testing.T, suffix string, stmts ...string) string {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	before := slices.IndexFunc(ms, func(m migration) bool { return strings.HasSuffix(m.name, suffix) })
	if before < 0 {
		t.Fatalf("no migration %s", suffix)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	old.SetMaxOpenConns(1)
	for _, m := range ms[:before] {
		if _, err := old.Exec(m.sql); err != nil {
			t.Fatalf("migration %s: %v", m.name, err)
		}
	}
	for _, stmt := range append([]string{fmt.Sprintf("PRAGMA user_version = %d", before)}, stmts...) {
		if _, err := old.Exec(stmt); err != nil {
			t.Fatalf("%.60s: %v", stmt, err)
		}
	}
	return path
}
