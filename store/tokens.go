package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Roles a token may have. Admin may do everything, tokens included;
// operator manages organizations, inventories and approvals and uses the
// pages; viewer reads cases, advisories, organizations and the board;
// metrics reads /metrics only.
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
	RoleViewer   = "viewer"
	RoleMetrics  = "metrics"
)

// Roles lists the roles, most powerful first.
var Roles = []string{RoleAdmin, RoleOperator, RoleViewer, RoleMetrics}

// Token is a named token. Only the SHA-256 of the token itself is kept.
type Token struct {
	ID        int64
	Name      string
	Role      string
	Publisher string // empty: every publisher
	Hash      [32]byte
	CreatedAt time.Time
	CreatedBy string // the actor that made it, "config" or "generated"
}

const tokenColumns = `id, name, role, publisher, hash, created_at, created_by`

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var hash []byte
	var created int64
	if err := row.Scan(&t.ID, &t.Name, &t.Role, &t.Publisher, &hash, &created, &t.CreatedBy); err != nil {
		return t, err
	}
	copy(t.Hash[:], hash)
	t.CreatedAt = fromMS(created)
	return t, nil
}

// AddToken stores a new token; ErrConflict if its name is taken.
func (tx *Tx) AddToken(t *Token) error {
	err := tx.queryRow(`INSERT INTO tokens (name, role, publisher, hash, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`,
		t.Name, t.Role, t.Publisher, t.Hash[:], ms(t.CreatedAt), t.CreatedBy).Scan(&t.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("token %q: a token of that name exists: %w", t.Name, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store token %q: %w", t.Name, err)
	}
	return nil
}

// TokenByHash returns the token whose SHA-256 is hash, or ErrNotFound.
func (tx *Tx) TokenByHash(hash [32]byte) (Token, error) {
	t, err := scanToken(tx.queryRow(`SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hash[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("read token: %w", err)
	}
	return t, nil
}

// TokenByName returns the named token, or ErrNotFound.
func (tx *Tx) TokenByName(name string) (Token, error) {
	t, err := scanToken(tx.queryRow(`SELECT `+tokenColumns+` FROM tokens WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("read token %q: %w", name, err)
	}
	return t, nil
}

// Tokens lists every token by name.
func (tx *Tx) Tokens() ([]Token, error) {
	rows, err := tx.query(`SELECT ` + tokenColumns + ` FROM tokens ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CountTokens counts the tokens of a role.
func (tx *Tx) CountTokens(role string) (int, error) {
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM tokens WHERE role = ?`, role).Scan(&n); err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	return n, nil
}

// RevokeToken deletes the named token, and with it its sessions; ErrNotFound
// if there is none.
func (tx *Tx) RevokeToken(name string) error {
	res, err := tx.exec(`DELETE FROM tokens WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("revoke token %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("token %q: %w", name, ErrNotFound)
	}
	return nil
}
