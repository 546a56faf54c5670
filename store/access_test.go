package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestUpgradeKeepsTheAdminToken opens a database of the schema before
// named tokens, whose admin token's hash was a setting, and finds it as the
// token named admin: an upgrade does not lock the operator out.
func TestUpgradeKeepsTheAdminToken(t *testing.T) {
	ctx := context.Background()
	sum := sha256.Sum256([]byte("the-old-admin-token"))
	path := oldDB(t, "_tokens_audit.sql",
		`INSERT INTO settings (key, value) VALUES ('admin_token_sha256', '`+hex.EncodeToString(sum[:])+`')`)
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(ctx, func(tx *Tx) error {
		tok, err := tx.TokenByHash(sum)
		if err != nil {
			return err
		}
		if tok.Name != "admin" || tok.Role != RoleAdmin || tok.Publisher != "" {
			t.Errorf("old admin token after upgrade = %+v; want admin, role admin, every publisher", tok)
		}
		if _, err := tx.Setting("admin_token_sha256"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the old setting is still there: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRevokingATokenEndsItsSessions: a session is only as good as the token
// it was opened with.
func TestRevokingATokenEndsItsSessions(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := WithActor(context.Background(), Actor{Name: "root-token", Via: "cli"})
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	sess := Session{Hash: sha256.Sum256([]byte("cookie")), CreatedAt: now, ExpiresAt: now.Add(time.Hour), IP: "127.0.0.1", Agent: "test"}
	err := db.Update(ctx, func(tx *Tx) error {
		tok := Token{Name: "ops", Role: RoleOperator, Hash: sha256.Sum256([]byte("ops-token")), CreatedAt: now, CreatedBy: "root-token"}
		if err := tx.AddToken(&tok); err != nil {
			return err
		}
		dup := tok
		if err := tx.AddToken(&dup); !errors.Is(err, ErrConflict) {
			t.Errorf("second token named ops: %v; want ErrConflict", err)
		}
		sess.TokenID = tok.ID
		return tx.AddSession(&sess)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(ctx, func(tx *Tx) error {
		s, err := tx.SessionByHash(sess.Hash, now)
		if err != nil || s.Token.Name != "ops" || s.Token.Role != RoleOperator {
			t.Errorf("session before revoking = %+v, %v; want ops's", s, err)
		}
		if _, err := tx.SessionByHash(sess.Hash, now.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired session: %v; want ErrNotFound", err)
		}
		return nil
	})
	if err := db.Update(ctx, func(tx *Tx) error { return tx.RevokeToken("ops") }); err != nil {
		t.Fatal(err)
	}
	db.View(ctx, func(tx *Tx) error {
		if _, err := tx.SessionByHash(sess.Hash, now); !errors.Is(err, ErrNotFound) {
			t.Errorf("session after revoking its token: %v; want ErrNotFound", err)
		}
		return nil
	})
}

// TestAuditLogPagesNewestFirst: every entry once, newest first, with the
// actor from the context of the transaction that made the change.
func TestAuditLogPagesNewestFirst(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := WithActor(context.Background(), Actor{Name: "alice", Via: "api"})
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		if err := db.Update(ctx, func(tx *Tx) error { return tx.Audit(now, "org.create", fmt.Sprint("org_", i), "") }); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	cursor := ""
	for range 4 {
		p, err := db.AuditPage(ctx, AuditQuery{Cursor: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Entries {
			if e.Actor != "alice" || e.Via != "api" {
				t.Errorf("entry %+v: want actor alice via api", e)
			}
			got = append(got, e.Object)
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if want := []string{"org_4", "org_3", "org_2", "org_1", "org_0"}; !slices.Equal(got, want) {
		t.Errorf("audit pages = %v; want %v", got, want)
	}
}
