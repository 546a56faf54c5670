package notifier

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
)

// Access keeps who may use Heed over HTTP: named tokens with a role and an
// optional publisher, and the sessions the operator pages open with them.
// Tokens are read from the store on every request, so that a revoked token
// (by the API or by the CLI on the server's host, which opens the database
// directly) opens nothing from the next request on.
type Access struct {
	*deps
}

// AdminName is the name of the admin token from http.admin_token, or the
// one Heed generates at its first start.
const AdminName = "admin"

// SessionTTL is how long an operator's sign-in lasts.
const SessionTTL = 12 * time.Hour

// ErrUnknownToken is a token, or a session, that opens nothing.
var ErrUnknownToken = errors.New("unknown token")

var tokenName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// TokenSpec is a token to make.
type TokenSpec struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	Publisher string `json:"publisher"` // empty: every publisher
}

func (s TokenSpec) check(known func(string) bool) error {
	switch {
	case !tokenName.MatchString(s.Name):
		return &InputError{Msg: fmt.Sprintf("name %q: 1 to 64 letters, digits and . _ @ -, starting with a letter or digit", s.Name)}
	case !slices.Contains(store.Roles, s.Role):
		return &InputError{Msg: fmt.Sprintf("role %q: use one of %s", s.Role, strings.Join(store.Roles, ", "))}
	case s.Publisher != "" && (s.Role == store.RoleAdmin || s.Role == store.RoleMetrics):
		return &InputError{Msg: fmt.Sprintf("publisher %q: only viewer and operator tokens can be limited to a publisher (an %s token sees everything it may see)", s.Publisher, s.Role)}
	case s.Publisher != "" && !known(s.Publisher):
		return &InputError{Msg: fmt.Sprintf("publisher %q: no publisher of that name is configured ([[publisher]] name)", s.Publisher)}
	}
	return nil
}

// newSecret returns a new token or session secret: 192 random bits, with a
// prefix that says what it is to whoever finds one in a log or a file.
func newSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "heed_" + hex.EncodeToString(b)
}

// AddToken makes a token and returns it with its secret, which is shown
// this once: only its SHA-256 is kept.
func (a *Access) AddToken(ctx context.Context, spec TokenSpec) (store.Token, string, error) {
	if err := spec.check(func(name string) bool { _, ok := a.publishers.Named(name); return ok }); err != nil {
		return store.Token{}, "", err
	}
	secret := newSecret()
	t := store.Token{Name: spec.Name, Role: spec.Role, Publisher: spec.Publisher, Hash: sha256.Sum256([]byte(secret)),
		CreatedAt: a.now(), CreatedBy: actorName(ctx)}
	err := a.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.AddToken(&t); err != nil {
			return err
		}
		return tx.Audit(t.CreatedAt, "token.add", t.Name, describeToken(t))
	})
	if err != nil {
		return t, "", err
	}
	return t, secret, nil
}

func describeToken(t store.Token) string {
	if t.Publisher == "" {
		return "role " + t.Role
	}
	return "role " + t.Role + ", publisher " + t.Publisher
}

func actorName(ctx context.Context) string {
	if who, ok := store.ActorOf(ctx); ok {
		return who.Name
	}
	return "unknown"
}

// Tokens lists the tokens by name (without their secrets, which Heed does
// not have).
func (a *Access) Tokens(ctx context.Context) (ts []store.Token, err error) {
	err = a.db.View(ctx, func(tx *store.Tx) error { ts, err = tx.Tokens(); return err })
	return ts, err
}

// RevokeToken deletes the named token and ends its sessions. The last admin
// token cannot be revoked (nobody could make another over HTTP), nor the
// one from http.admin_token (the next start would bring it back).
func (a *Access) RevokeToken(ctx context.Context, name string) error {
	return a.db.Update(ctx, func(tx *store.Tx) error {
		t, err := tx.TokenByName(name)
		if err != nil {
			return err
		}
		if t.CreatedBy == createdByConfig {
			return fmt.Errorf("token %q comes from http.admin_token (or HEED_ADMIN_TOKEN): change or remove it there: %w", name, store.ErrConflict)
		}
		if t.Role == store.RoleAdmin {
			n, err := tx.CountTokens(store.RoleAdmin)
			if err != nil {
				return err
			}
			if n == 1 {
				return fmt.Errorf("token %q is the last admin token: make another admin token first: %w", name, store.ErrConflict)
			}
		}
		if err := tx.RevokeToken(name); err != nil {
			return err
		}
		return tx.Audit(a.now(), "token.revoke", name, describeToken(t))
	})
}

// Authenticate returns the token whose secret is presented, or
// ErrUnknownToken.
func (a *Access) Authenticate(ctx context.Context, secret string) (store.Token, error) {
	var t store.Token
	if secret == "" {
		return t, ErrUnknownToken
	}
	err := a.db.View(ctx, func(tx *store.Tx) error {
		var err error
		t, err = tx.TokenByHash(sha256.Sum256([]byte(secret)))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return t, ErrUnknownToken
	}
	return t, err
}

// OpenSession signs in to the pages with a token: it returns the secret for
// the session's cookie. Only its SHA-256 is kept.
func (a *Access) OpenSession(ctx context.Context, t store.Token, ip, agent string) (string, store.Session, error) {
	secret := newSecret()
	now := a.now()
	s := store.Session{Hash: sha256.Sum256([]byte(secret)), TokenID: t.ID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL),
		IP: ip, Agent: agent, Token: t}
	err := a.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PruneSessions(now); err != nil {
			return err
		}
		if err := tx.AddSession(&s); err != nil {
			return err
		}
		return tx.Audit(now, "session.open", fmt.Sprint(s.ID), "from "+ip)
	})
	if err != nil {
		return "", s, err
	}
	return secret, s, nil
}

// Session returns the live session whose cookie holds secret, with its
// token, or ErrUnknownToken.
func (a *Access) Session(ctx context.Context, secret string) (store.Session, error) {
	var s store.Session
	if secret == "" {
		return s, ErrUnknownToken
	}
	err := a.db.View(ctx, func(tx *store.Tx) error {
		var err error
		s, err = tx.SessionByHash(sha256.Sum256([]byte(secret)), a.now())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return s, ErrUnknownToken
	}
	return s, err
}

// Sessions lists the live sessions, newest first.
func (a *Access) Sessions(ctx context.Context) (ss []store.Session, err error) {
	err = a.db.View(ctx, func(tx *store.Tx) error { ss, err = tx.Sessions(a.now()); return err })
	return ss, err
}

// EndSession ends a session (signing out, or an admin revoking it): its
// cookie opens nothing from now on.
func (a *Access) EndSession(ctx context.Context, id int64) error {
	return a.db.Update(ctx, func(tx *store.Tx) error {
		s, err := tx.EndSession(id)
		if err != nil {
			return err
		}
		return tx.Audit(a.now(), "session.end", fmt.Sprint(id), "token "+s.Token.Name)
	})
}

const (
	createdByConfig    = "config"
	createdByGenerated = "generated"
)

// EnsureAdmin runs at the server's start. With configured (http.admin_token
// or HEED_ADMIN_TOKEN), it makes the token named admin that one, replacing
// (and ending the sessions of) any other token of that name; without it, an
// admin token from an earlier configuration is revoked. Then, if no admin token is left (a first
// start), it generates the token named admin and writes it to out, once.
func (a *Access) EnsureAdmin(ctx context.Context, configured string, out io.Writer) error {
	ctx = store.WithActor(ctx, store.Actor{Name: "heed", Via: "serve"})
	var generated string
	err := a.db.Update(ctx, func(tx *store.Tx) error {
		now := a.now()
		old, err := tx.TokenByName(AdminName)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		exists := err == nil
		want := sha256.Sum256([]byte(configured))
		fromConfig := exists && old.CreatedBy == createdByConfig
		stale := configured == "" && fromConfig || configured != "" && exists && !(fromConfig && old.Hash == want)
		if stale {
			if err := tx.RevokeToken(AdminName); err != nil {
				return err
			}
			if err := tx.Audit(now, "token.revoke", AdminName, "http.admin_token changed or removed"); err != nil {
				return err
			}
			exists = false
		}
		if configured != "" && !exists {
			t := store.Token{Name: AdminName, Role: store.RoleAdmin, Hash: want, CreatedAt: now, CreatedBy: createdByConfig}
			if err := tx.AddToken(&t); err != nil {
				return fmt.Errorf("http.admin_token: %w", err)
			}
			return tx.Audit(now, "token.add", AdminName, "role admin, from http.admin_token")
		}
		if n, err := tx.CountTokens(store.RoleAdmin); err != nil || n > 0 {
			return err
		}
		generated = newSecret()
		t := store.Token{Name: AdminName, Role: store.RoleAdmin, Hash: sha256.Sum256([]byte(generated)), CreatedAt: now, CreatedBy: createdByGenerated}
		if err := tx.AddToken(&t); err != nil {
			return fmt.Errorf("generate the admin token: %w (make one with heed token add -role admin -name NAME)", err)
		}
		return tx.Audit(now, "token.add", AdminName, "role admin, generated: no admin token existed")
	})
	if err != nil {
		return err
	}
	if generated != "" {
		fmt.Fprintf(out, "\nGenerated the admin token, named admin (shown only this once; keep it):\n\n    %s\n\n"+
			"Lost it? Run \"heed token add -name NAME -role admin\" on this host, in this folder: it prints a new one.\n\n", generated)
	}
	return nil
}
