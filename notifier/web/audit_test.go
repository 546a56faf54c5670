package web

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"
)

// auditLog reads the whole audit log through the API, newest first.
func (v *env) auditLog(auth string) []auditJSON {
	v.t.Helper()
	var all []auditJSON
	cursor := ""
	for {
		resp, body := v.do("GET", "/api/v1/audit?limit=2&cursor="+cursor, auth, "", "")
		if resp.StatusCode != http.StatusOK {
			v.t.Fatalf("GET /api/v1/audit: %d %s", resp.StatusCode, body)
		}
		var page struct {
			Entries []auditJSON
			Next    string
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			v.t.Fatal(err)
		}
		all = append(all, page.Entries...)
		if cursor = page.Next; cursor == "" {
			return all
		}
	}
}

// TestAuditLogListsEachChange: each change through the API and the pages is
// listed, newest first, with the name of the token that made it; a refused
// request changes nothing and leaves no entry.
func TestAuditLogListsEachChange(t *testing.T) {
	v := newEnv(t)
	_, body := v.do("POST", "/api/v1/tokens", token, "application/json", `{"name":"ops","role":"operator"}`)
	var made struct{ Token string }
	json.Unmarshal([]byte(body), &made)
	ops := made.Token

	_, body = v.do("POST", "/api/v1/orgs", ops, "application/json", `{"name":"Acme","contacts":[{"email":"sec@acme.test"}]}`)
	var created struct{ ID string }
	json.Unmarshal([]byte(body), &created)
	v.do("PUT", "/api/v1/orgs/"+created.ID, ops, "application/json", `{"name":"Acme KK","contacts":[{"email":"sec@acme.test"}]}`)
	v.do("PUT", "/api/v1/orgs/"+created.ID+"/inventory", ops, "text/csv", "vendor,product,version,cpe,purl,asset\nIvanti,Connect Secure,9.0R3.3,,,vpn1\n")
	v.do("POST", "/api/v1/orgs", ops, "application/json", `{"name":"","contacts":[]}`)     // refused: no change, no entry
	v.do("POST", "/api/v1/tokens", ops, "application/json", `{"name":"x","role":"admin"}`) // 403: no entry

	// A sign-in and a sign-out through the pages.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	r, err := client.PostForm(v.srv.URL+"/login", url.Values{"token": {ops}})
	if err != nil {
		t.Fatal(err)
	}
	b := readAll(t, r)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(b)
	if csrf == nil {
		t.Fatalf("board after sign-in has no sign-out form:\n%s", b)
	}
	r, err = client.PostForm(v.srv.URL+"/logout", url.Values{"csrf": {csrf[1]}})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, r)
	v.do("DELETE", "/api/v1/tokens/ops", token, "", "")

	got := v.auditLog(token)
	want := []struct{ token, via, action, object string }{
		{"admin", "api", "token.revoke", "ops"},
		{"ops", "page", "session.end", "1"},
		{"ops", "page", "session.open", "1"},
		{"ops", "api", "inventory.replace", created.ID},
		{"ops", "api", "org.update", created.ID},
		{"ops", "api", "org.create", created.ID},
		{"admin", "api", "token.add", "ops"},
		{"heed", "serve", "token.add", "admin"},
	}
	if len(got) != len(want) {
		t.Fatalf("audit log = %+v; want %d entries", got, len(want))
	}
	for i, w := range want {
		if g := got[i]; g.Action != w.action || g.Object != w.object || g.Token != w.token || g.Via != w.via || g.At.IsZero() {
			t.Errorf("entry %d = %+v; want %s of %s by %s through %s", i, g, w.action, w.object, w.token, w.via)
		}
	}
	if got[3].Detail != "items: 1; cases opened: 0, updated: 0, resolved: 0" || got[6].Detail != "role operator" {
		t.Errorf("details: %q, %q", got[3].Detail, got[6].Detail)
	}
}
