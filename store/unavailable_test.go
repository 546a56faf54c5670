package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnavailableIsTheStoreNotTheData: a disk with no room left is the
// store's trouble (intake retries without counting it against the
// document); a refused row is the data's.
func TestUnavailableIsTheStoreNotTheData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heed.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A database that may not grow: the disk is full as far as SQLite knows.
	if _, err := conn.ExecContext(ctx, `PRAGMA max_page_count = 1`); err != nil {
		t.Fatal(err)
	}
	_, full := conn.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('k', ?)`, strings.Repeat("x", 1<<20))
	if full == nil || !IsUnavailable(full) || !IsFull(full) {
		t.Errorf("writing past the database's room: %v; want unavailable (full)", full)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA max_page_count = 1000000`); err != nil {
		t.Fatal(err)
	}
	_, refused := conn.ExecContext(ctx, `INSERT INTO outbox (kind) VALUES ('notice')`)
	if refused == nil || IsUnavailable(refused) {
		t.Errorf("a row the schema refuses: %v; want an error that is not the store's", refused)
	}
}
