package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier/clock"
)

// TestLostAdminTokenIsReplacedOnTheHost: with the generated admin token
// lost, heed token add run on the server's host (with the server's config,
// no token) makes an admin token the running server takes at once; the
// change, and what is done with the new token through the CLI, are in the
// audit log under its name; a revoked token is refused from the next
// request on.
func TestLostAdminTokenIsReplacedOnTheHost(t *testing.T) {
	ns := startNATS(t)
	cfg := testConfig(t, t.TempDir(), ns.ClientURL(), "")
	cfg.HTTP.AdminToken = "" // generated at the first start, printed, and lost
	h := startHeed(t, cfg, clock.NewFake(testStart))
	conf := h.cliConfig()
	t.Setenv("HEED_ADMIN_TOKEN", "")

	code, out, errOut := heedCLI(t, "token", "add", "-config", conf, "-name", "rescue", "-role", "admin")
	if code != 0 {
		t.Fatalf("token add: %d %s", code, errOut)
	}
	m := regexp.MustCompile(`\n    (heed_[0-9a-f]+)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("token add printed no token: %q", out)
	}
	rescue := m[1]
	get := func(tok, path string, out any) int {
		req, _ := http.NewRequest("GET", h.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := h.http.Do(req)
		must(t, err)
		defer resp.Body.Close()
		if out != nil {
			json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	if s := get(rescue, "/api/v1/tokens", nil); s != http.StatusOK {
		t.Fatalf("the new admin token on the running server: %d", s)
	}

	t.Setenv("HEED_TOKEN", rescue)
	if code, _, errOut := heedCLI(t, "org", "add", "-config", conf, "-name", "Rescued KK", "-contact", "sec@rescued.test"); code != 0 {
		t.Fatalf("org add with the new token: %d %s", code, errOut)
	}
	code, out, _ = heedCLI(t, "token", "list", "-config", conf)
	if code != 0 || !regexp.MustCompile(`(?m)^admin\s+admin\s+\(all\)`).MatchString(out) || !regexp.MustCompile(`(?m)^rescue\s+admin\s+\(all\)`).MatchString(out) {
		t.Errorf("token list: %d\n%s", code, out)
	}
	var audit struct {
		Entries []struct{ Token, Via, Action, Object string }
	}
	get(rescue, "/api/v1/audit", &audit)
	if len(audit.Entries) != 3 {
		t.Fatalf("audit log = %+v; want the generated admin, rescue, and the org", audit.Entries)
	}
	if e := audit.Entries[0]; e.Token != "rescue" || e.Via != "cli" || e.Action != "org.create" {
		t.Errorf("newest entry = %+v; want org.create by rescue through the cli", e)
	}
	if e := audit.Entries[1]; !strings.HasPrefix(e.Token, "host:") || e.Via != "cli" || e.Action != "token.add" || e.Object != "rescue" {
		t.Errorf("entry = %+v; want token.add of rescue by host:<user> through the cli", e)
	}

	if code, _, errOut := heedCLI(t, "token", "revoke", "-config", conf, "rescue"); code != 0 {
		t.Fatalf("token revoke: %d %s", code, errOut)
	}
	if s := get(rescue, "/api/v1/orgs", nil); s != http.StatusUnauthorized {
		t.Errorf("a revoked token on the running server: %d, want 401", s)
	}
	code, _, errOut = heedCLI(t, "token", "add", "-config", conf, "-name", "x", "-role", "admin", "-publisher", "ivanti")
	if code == 0 || !strings.Contains(errOut, "only viewer and operator tokens") {
		t.Errorf("an admin token limited to a publisher: %d %q; want refused", code, errOut)
	}
}
