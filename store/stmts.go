package store

import (
	"database/sql"
	"sync"
)

// Statements are prepared once per connection and reused by every
// transaction on it: SQLite spends more time preparing Heed's short
// statements than running them, and delivery commits two or three of them
// (a claim, an outcome) in each of its many small transactions. A
// transaction takes the connection's statement from its pool's cache
// (database/sql prepares it on a connection the first time it is used
// there) and keeps it for the rest of the transaction.
//
// Both caches are bounded, because some queries have a variable number of
// placeholders: a query the pool's cache has no room for is prepared for
// the transaction alone, and one the transaction's cache has no room for
// is run unprepared.
const (
	maxPoolStmts    = 256
	maxTxStmts      = 128
	poolStmtsEvicts = maxPoolStmts / 8
)

// stmtCache holds the statements prepared on a pool (sql.DB), for every
// transaction of that pool.
type stmtCache struct {
	pool  *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, stmts: map[string]*sql.Stmt{}}
}

// get returns the pool's statement for query, preparing it if needed, or
// nil if it cannot be prepared.
func (c *stmtCache) get(tx *Tx, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s
	}
	if len(c.stmts) >= maxPoolStmts {
		// Make room by closing a few, in the map's random order: the
		// statements in constant use come back at their next use. A
		// statement closed while a transaction uses it is finalized once
		// that transaction ends (database/sql counts its users).
		n := 0
		for q, s := range c.stmts {
			if n == poolStmtsEvicts {
				break
			}
			s.Close()
			delete(c.stmts, q)
			n++
		}
	}
	s, err := c.pool.PrepareContext(tx.ctx, query)
	if err != nil {
		return nil // the unprepared call reports the error
	}
	c.stmts[query] = s
	return s
}

// close closes every statement of the cache.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
}

// stmt returns the transaction's statement for query, or nil: the caller
// then runs the query unprepared.
func (tx *Tx) stmt(query string) *sql.Stmt {
	if s, ok := tx.stmts[query]; ok {
		return s
	}
	if len(tx.stmts) >= maxTxStmts {
		return nil
	}
	var s *sql.Stmt
	if p := tx.cache.get(tx, query); p != nil {
		// The pool's statement, on this transaction's connection: prepared
		// there the first time, found there every later time.
		s = tx.tx.StmtContext(tx.ctx, p)
	} else {
		var err error
		if s, err = tx.tx.PrepareContext(tx.ctx, query); err != nil {
			return nil // the unprepared call below reports the error
		}
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = s
	return s
}

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	if s := tx.stmt(query); s != nil {
		return s.ExecContext(tx.ctx, args...)
	}
	return tx.tx.ExecContext(tx.ctx, query, args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	if s := tx.stmt(query); s != nil {
		return s.QueryContext(tx.ctx, args...)
	}
	return tx.tx.QueryContext(tx.ctx, query, args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	if s := tx.stmt(query); s != nil {
		return s.QueryRowContext(tx.ctx, args...)
	}
	return tx.tx.QueryRowContext(tx.ctx, query, args...)
}
