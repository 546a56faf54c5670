package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJournalKeepsClaimsAcrossAReopen: what delivery committed in the
// journal is there after the database is closed and opened again (a
// restart), in the order the mails were claimed, outcome included.
func TestJournalKeepsClaimsAcrossAReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, path := openTestDB(t)
	j, err := db.Journal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Update(ctx, func(jtx *JournalTx) error {
		if _, err := jtx.Claim(7, t0.Add(time.Second), 2); err != nil {
			return err
		}
		if _, err := jtx.Claim(3, t0, 0); err != nil {
			return err
		}
		return jtx.Record(Claim{MailID: 3, ClaimedAt: t0, Outcome: &Outcome{State: MailFailed, Reply: "550 5.1.1 no such user", AddressRefused: true}})
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if j, err = db.Journal(ctx); err != nil {
		t.Fatal(err)
	}
	cs, err := j.Claims(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].MailID != 3 || cs[0].Outcome == nil || !cs[0].Outcome.AddressRefused || cs[0].Outcome.State != MailFailed ||
		cs[1].MailID != 7 || cs[1].Attempts != 2 || cs[1].Outcome != nil || !cs[1].ClaimedAt.Equal(t0.Add(time.Second)) {
		t.Errorf("after a reopen the journal holds %+v", cs)
	}
}

// TestJournalThatCannotBeTrusted: a journal missing although the database
// had one, a file that is not a journal, and another database's journal
// are each refused with an error naming the file and what to do; none is
// replaced by an empty journal, which would forget what the relay took.
func TestJournalThatCannotBeTrusted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	journaled := func(t *testing.T) string {
		t.Helper()
		db, path := openTestDB(t)
		if _, err := db.Journal(ctx); err != nil {
			t.Fatal(err)
		}
		db.Close()
		return path
	}
	reopen := func(t *testing.T, path string) error {
		t.Helper()
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		_, err = db.Journal(ctx)
		return err
	}
	t.Run("missing", func(t *testing.T) {
		path := journaled(t)
		if err := os.Remove(JournalPath(path)); err != nil {
			t.Fatal(err)
		}
		err := reopen(t, path)
		if err == nil || !strings.Contains(err.Error(), JournalPath(path)+" is missing") || !strings.Contains(err.Error(), "put it back beside the database") {
			t.Fatalf("a missing journal: %v; want an error naming it and saying to put it back", err)
		}
		if _, statErr := os.Stat(JournalPath(path)); statErr == nil {
			t.Error("an empty journal was made in place of the missing one")
		}
	})
	t.Run("not a journal", func(t *testing.T) {
		path := journaled(t)
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(JournalPath(path) + suffix)
		}
		if err := os.WriteFile(JournalPath(path), []byte(strings.Repeat("not a database ", 300)), 0o600); err != nil {
			t.Fatal(err)
		}
		err := reopen(t, path)
		if err == nil || !strings.Contains(err.Error(), JournalPath(path)) || !strings.Contains(err.Error(), "not a database") {
			t.Fatalf("a journal that is not one: %v; want an error naming the file and why", err)
		}
	})
	t.Run("another database's", func(t *testing.T) {
		path := journaled(t)
		other := journaled(t)
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(JournalPath(path) + suffix)
			if b, err := os.ReadFile(JournalPath(other) + suffix); err == nil {
				if err := os.WriteFile(JournalPath(path)+suffix, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		err := reopen(t, path)
		if err == nil || !strings.Contains(err.Error(), "belongs to another database") {
			t.Fatalf("another database's journal: %v; want it refused", err)
		}
	})
	t.Run("first use", func(t *testing.T) {
		dir := t.TempDir()
		if err := reopen(t, filepath.Join(dir, "heed.db")); err != nil {
			t.Fatalf("a database that never had a journal: %v; want one made", err)
		}
	})
}

// TestJournalHasTheDatabasesPermissions: the journal names mails and the
// relay's replies; it is made no more readable than the database.
func TestJournalHasTheDatabasesPermissions(t *testing.T) {
	t.Parallel()
	db, path := openTestDB(t)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Journal(context.Background()); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(JournalPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("the journal's permissions are %v; want the database's, %v", info.Mode().Perm(), os.FileMode(0o600))
	}
}
