package notifier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
)

// TestTheAdminTokenAtStart: the first start prints a generated admin token
// once; a later start prints nothing and keeps it; http.admin_token
// replaces it (and a changed one replaces that); removing it from the
// configuration revokes it, and with no admin token left a new one is
// generated and printed.
func TestTheAdminTokenAtStart(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	start := func(configured string) string {
		t.Helper()
		var out bytes.Buffer
		if err := e.Access.EnsureAdmin(ctx, configured, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	opens := func(secret string) bool {
		t.Helper()
		tok, err := e.Access.Authenticate(ctx, secret)
		if err != nil && !errors.Is(err, ErrUnknownToken) {
			t.Fatal(err)
		}
		return err == nil && tok.Name == AdminName && tok.Role == store.RoleAdmin
	}
	printed := regexp.MustCompile(`\n    (heed_[0-9a-f]{48})\n`)

	m := printed.FindStringSubmatch(start(""))
	if m == nil || !opens(m[1]) {
		t.Fatalf("first start: printed %v; want a working admin token", m)
	}
	first := m[1]
	if out := start(""); out != "" || !opens(first) {
		t.Errorf("second start printed %q, or lost the token", out)
	}
	configured := "configured-admin-token-1"
	if out := start(configured); out != "" || !opens(configured) || opens(first) {
		t.Errorf("with http.admin_token: printed %q; want it the admin token, the generated one gone", out)
	}
	if out := start(configured + "x"); out != "" || !opens(configured+"x") || opens(configured) {
		t.Errorf("with a changed http.admin_token: printed %q; want only the new one", out)
	}
	m = printed.FindStringSubmatch(start(""))
	if m == nil || !opens(m[1]) || opens(configured+"x") {
		t.Errorf("http.admin_token removed: printed %v; want the configured token revoked and a new one printed", m)
	}

	// With another admin token, removing the configured one prints nothing.
	start(configured)
	_, bob, err := e.Access.AddToken(ctx, TokenSpec{Name: "bob", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Access.RevokeToken(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Access.Authenticate(ctx, bob); !errors.Is(err, ErrUnknownToken) {
		t.Errorf("a revoked token authenticates: %v", err)
	}
	if _, _, err := e.Access.AddToken(ctx, TokenSpec{Name: "alice", Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if out := start(""); out != "" || opens(configured) {
		t.Errorf("configured token removed while alice is admin: printed %q", out)
	}
	if err := e.Access.RevokeToken(ctx, "alice"); err == nil || !strings.Contains(err.Error(), "last admin token") {
		t.Errorf("revoking the last admin token: %v; want refused", err)
	}
}

func TestTokenSpecsAreChecked(t *testing.T) {
	e, _ := newTestEngine(t)
	for _, tt := range []struct {
		spec TokenSpec
		want string
	}{
		{TokenSpec{Name: "", Role: "viewer"}, "name"},
		{TokenSpec{Name: "has space", Role: "viewer"}, "name"},
		{TokenSpec{Name: "bob", Role: "root"}, `role "root": use one of admin, operator, viewer, metrics`},
		{TokenSpec{Name: "bob", Role: "metrics", Publisher: "default"}, "only viewer and operator"},
		{TokenSpec{Name: "bob", Role: "viewer", Publisher: "ivanti"}, `publisher "ivanti": no publisher`},
	} {
		_, _, err := e.Access.AddToken(context.Background(), tt.spec)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v; want an input error saying %q", tt.spec, err, tt.want)
		}
	}
	if _, _, err := e.Access.AddToken(context.Background(), TokenSpec{Name: "bob", Role: "viewer", Publisher: "default"}); err != nil {
		t.Errorf("a viewer of the default publisher: %v", err)
	}
}

// BenchmarkAuthenticate is what every request pays to look its token up in
// the store (so that a revocation counts at once), among 1,000 tokens.
func BenchmarkAuthenticate(b *testing.B) {
	e, _ := newTestEngine(b)
	ctx := context.Background()
	var secret string
	for i := range 1000 {
		_, s, err := e.Access.AddToken(ctx, TokenSpec{Name: fmt.Sprint("viewer-", i), Role: store.RoleViewer})
		if err != nil {
			b.Fatal(err)
		}
		secret = s
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Access.Authenticate(ctx, secret); err != nil {
			b.Fatal(err)
		}
	}
}
