package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Actor is who asks for a change: the name of the token a request came
// with, and through what it came ("api", "page", "cli"). It travels in the
// request's context, so that the transaction making the change records it
// in the audit log (Tx.Audit) in the same commit.
type Actor struct {
	Name string
	Via  string
}

type actorKey struct{}

// WithActor returns ctx carrying the actor of the changes made under it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorOf returns the actor ctx carries, if any.
func ActorOf(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// AuditEntry is one change in the audit log.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string // the token's name
	Via    string // api, page or cli
	Action string // e.g. org.create, token.revoke
	Object string // what it was done to: an org id, a token name
	Detail string // a short account of the change, never a secret
}

// Audit records a change made in this transaction, by the actor of the
// transaction's context (WithActor). A change made without one, which no
// request or command does, is recorded as made by "unknown", never lost.
func (tx *Tx) Audit(at time.Time, action, object, detail string) error {
	a, ok := ActorOf(tx.ctx)
	if !ok {
		a = Actor{Name: "unknown", Via: "unknown"}
	}
	_, err := tx.exec(`INSERT INTO audit (at, actor, via, action, object, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		ms(at), a.Name, a.Via, action, object, detail)
	if err != nil {
		return fmt.Errorf("record %s in the audit log: %w", action, err)
	}
	return nil
}

// AuditQuery selects one page of the audit log, newest first.
type AuditQuery struct {
	Cursor string
	Limit  int
}

// AuditPage is one page of the audit log.
type AuditPage struct {
	Entries []AuditEntry
	Next    string // empty on the last page
}

// AuditPage reads one page of the audit log, newest first, in one statement.
func (tx *Tx) AuditPage(q AuditQuery) (AuditPage, error) {
	if q.Limit < 1 {
		return AuditPage{}, errors.New("audit page: a limit is required")
	}
	query, args := `SELECT id, at, actor, via, action, object, detail FROM audit`, []any{}
	if q.Cursor != "" {
		var id int64
		if err := decodeCursor(q.Cursor, &id); err != nil {
			return AuditPage{}, err
		}
		query += ` WHERE id < ?`
		args = append(args, id)
	}
	rows, err := tx.query(query+` ORDER BY id DESC LIMIT ?`, append(args, q.Limit+1)...)
	if err != nil {
		return AuditPage{}, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var p AuditPage
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Via, &e.Action, &e.Object, &e.Detail); err != nil {
			return AuditPage{}, fmt.Errorf("read audit log: %w", err)
		}
		e.At = fromMS(at)
		p.Entries = append(p.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return AuditPage{}, fmt.Errorf("read audit log: %w", err)
	}
	if len(p.Entries) > q.Limit {
		p.Entries = p.Entries[:q.Limit]
		p.Next = encodeCursor(p.Entries[q.Limit-1].ID)
	}
	return p, nil
}
