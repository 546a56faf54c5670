package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is an operator's sign-in to the pages, opened with a token. The
// cookie holds a random secret; only its SHA-256 (Hash) is kept.
type Session struct {
	ID        int64
	Hash      [32]byte
	TokenID   int64
	CreatedAt time.Time
	ExpiresAt time.Time
	IP        string
	Agent     string
	Token     Token // read with the session: whose it is, with which role
}

// AddSession stores a new session.
func (tx *Tx) AddSession(s *Session) error {
	err := tx.queryRow(`INSERT INTO sessions (hash, token_id, created_at, expires_at, ip, agent)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		s.Hash[:], s.TokenID, ms(s.CreatedAt), ms(s.ExpiresAt), s.IP, s.Agent).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	return nil
}

const sessionColumns = `s.id, s.hash, s.token_id, s.created_at, s.expires_at, s.ip, s.agent, ` +
	`t.id, t.name, t.role, t.publisher, t.hash, t.created_at, t.created_by`

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var s Session
	var hash, thash []byte
	var created, expires, tcreated int64
	t := &s.Token
	err := row.Scan(&s.ID, &hash, &s.TokenID, &created, &expires, &s.IP, &s.Agent,
		&t.ID, &t.Name, &t.Role, &t.Publisher, &thash, &tcreated, &t.CreatedBy)
	if err != nil {
		return s, err
	}
	copy(s.Hash[:], hash)
	copy(t.Hash[:], thash)
	s.CreatedAt, s.ExpiresAt, t.CreatedAt = fromMS(created), fromMS(expires), fromMS(tcreated)
	return s, nil
}

// SessionByHash returns the session, not expired at now, whose secret has
// the SHA-256 hash, with its token; ErrNotFound if there is none (never
// opened, signed out, revoked, its token revoked, or expired).
func (tx *Tx) SessionByHash(hash [32]byte, now time.Time) (Session, error) {
	s, err := scanSession(tx.queryRow(`SELECT `+sessionColumns+`
		FROM sessions s JOIN tokens t ON t.id = s.token_id WHERE s.hash = ? AND s.expires_at > ?`, hash[:], ms(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("read session: %w", err)
	}
	return s, nil
}

// Sessions lists the sessions not expired at now, newest first.
func (tx *Tx) Sessions(now time.Time) ([]Session, error) {
	rows, err := tx.query(`SELECT `+sessionColumns+`
		FROM sessions s JOIN tokens t ON t.id = s.token_id WHERE s.expires_at > ? ORDER BY s.id DESC`, ms(now))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// EndSession deletes a session by id, returning it; ErrNotFound if there is
// none.
func (tx *Tx) EndSession(id int64) (Session, error) {
	s, err := scanSession(tx.queryRow(`SELECT `+sessionColumns+`
		FROM sessions s JOIN tokens t ON t.id = s.token_id WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("session %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("read session %d: %w", id, err)
	}
	if _, err := tx.exec(`DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return s, fmt.Errorf("end session %d: %w", id, err)
	}
	return s, nil
}

// PruneSessions deletes the sessions expired at now.
func (tx *Tx) PruneSessions(now time.Time) error {
	if _, err := tx.exec(`DELETE FROM sessions WHERE expires_at <= ?`, ms(now)); err != nil {
		return fmt.Errorf("prune sessions: %w", err)
	}
	return nil
}
