package store

import "database/sql"

// Statements are prepared once per transaction and reused within it: SQLite
// spends more time preparing Heed's short statements than running them, and
// one transaction may run the same statement for thousands of cases. The
// cache is bounded because some queries have a variable number of
// placeholders; the transaction closes the statements when it ends.
const maxCachedStmts = 128

func (tx *Tx) stmt(query string) *sql.Stmt {
	if s, ok := tx.stmts[query]; ok {
		return s
	}
	if len(tx.stmts) >= maxCachedStmts {
		return nil
	}
	s, err := tx.tx.PrepareContext(tx.ctx, query)
	if err != nil {
		return nil // the unprepared call below reports the error
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
