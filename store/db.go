// Package store keeps Heed's state in one SQLite file: organizations and their
// inventories, advisories, cases, the outbox and rejected documents. Every SQL
// statement of Heed lives in this package.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3" // also registers the "sqlite3" driver
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// IsFull reports whether err is SQLite finding no room on the disk: the
// operator's to fix, and the caller's to say so rather than "internal error".
func IsFull(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrFull
}

// IsUnavailable reports whether err is the store failing rather than the
// data: no room on the disk, the write lock held elsewhere past the busy
// timeout, an I/O error. The same work succeeds once the store recovers, so
// it must not count against what was being written.
func IsUnavailable(err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrFull, sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrReadonly:
		return true
	}
	return false
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is an open Heed database.
type DB struct {
	sql  *sql.DB // writes: BEGIN IMMEDIATE
	read *sql.DB // reads: deferred transactions, which WAL lets run beside a writer
	// each pool's prepared statements (stmts.go)
	sqlStmts, readStmts *stmtCache
	bodies              *bodyCache // shared mail bodies read (bodies.go)

	path      string
	journalMu sync.Mutex
	journal   *Journal // delivery's, opened at its first use (journal.go)
}

// Open opens (creating if needed) the SQLite database at path and brings its
// schema up to date. It refuses a database written by a newer Heed.
func Open(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	q := writerPragmas()
	q.Set("_foreign_keys", "on")
	w, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	q.Set("_txlock", "deferred")
	q.Set("_query_only", "1")
	r, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	s := &DB{sql: w, read: r, sqlStmts: newStmtCache(w), readStmts: newStmtCache(r), bodies: &bodyCache{}, path: path}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// writerPragmas are the DSN's pragmas of a pool that writes: they go in
// the DSN so that every pooled connection gets them. _txlock=immediate takes
// the write lock at BEGIN, so two writers queue on the busy timeout instead
// of failing with SQLITE_BUSY on upgrade.
func writerPragmas() url.Values {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	return q
}

// Close closes the database.
func (db *DB) Close() error {
	db.sqlStmts.close()
	db.readStmts.close()
	var jerr error
	db.journalMu.Lock()
	if db.journal != nil {
		jerr = db.journal.Close()
		db.journal = nil
	}
	db.journalMu.Unlock()
	return errors.Join(jerr, db.read.Close(), db.sql.Close())
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this build writes.
func SchemaVersion() int {
	ms, _ := migrations()
	return len(ms)
}

// migrate applies the missing migrations, each in its own transaction, and
// records progress in PRAGMA user_version.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var current int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("database schema version %d is newer than this Heed supports (%d): upgrade Heed", current, len(ms))
	}
	for _, m := range ms[current:] {
		if err := db.apply(ctx, m); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.name, err)
		}
	}
	return nil
}

// foreignKeysOff marks a migration that rebuilds a table other tables
// refer to: with foreign keys on, dropping the old table would delete (ON
// DELETE CASCADE) every row that refers to it. Such a migration runs with
// them off; it copies every row of the old table into the new one, so the
// references hold as before.
const foreignKeysOff = "-- heed: foreign keys off while this runs\n"

// apply runs one migration in its own transaction, on one connection so
// that a pragma set for it applies to that transaction, and records its
// version in PRAGMA user_version.
func (db *DB) apply(ctx context.Context, m migration) (err error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	noFK := strings.HasPrefix(m.sql, foreignKeysOff)
	if noFK {
		// Outside a transaction: SQLite ignores it inside one.
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return err
		}
		defer func() {
			if _, on := conn.ExecContext(ctx, "PRAGMA foreign_keys = ON"); on != nil {
				err = errors.Join(err, fmt.Errorf("foreign keys back on: %w", on))
				// Not back to the pool without them: a connection that
				// says it is bad is closed.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // after a commit, it does nothing
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx is a transaction. Its methods are the statements of Heed.
type Tx struct {
	tx    *sql.Tx
	ctx   context.Context
	cache *stmtCache           // the pool's statements (stmts.go)
	stmts map[string]*sql.Stmt // the transaction's, taken from cache
	// shared mail bodies: read, and written in this transaction (bodies.go)
	bodies    *bodyCache
	sharedIDs map[*SharedBody]int64
}

// Update runs fn in a write transaction, committing if fn returns nil. If fn
// fails or panics, the transaction is rolled back, so that the write lock is
// never left held.
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback() // after a commit, it does nothing
	if err := fn(&Tx{tx: sqlTx, ctx: ctx, cache: db.sqlStmts, bodies: db.bodies}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// View runs fn in a read-only transaction: a consistent snapshot that does not
// wait for writers.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	return fn(&Tx{tx: sqlTx, ctx: ctx, cache: db.readStmts, bodies: db.bodies})
}

// ms converts a time to the stored Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored Unix milliseconds to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// nullMS converts a zero time to NULL.
func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromNullMS converts NULL to the zero time.
func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// Checkpoint copies the write-ahead log into the database file and empties
// it. SQLite does this by itself as the log grows; a bulk import followed
// at once by an advisory would otherwise pay for its copy in the
// advisory's first commit.
func (db *DB) Checkpoint(ctx context.Context) error {
	if _, err := db.sql.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}
