package web

import (
	"encoding/json"
	"net/http"
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

func TestAuditLogListsEachChange(t *testing.T) {
	v := newEnv(t)
	_, body := v.do("POST", "/api/v1/orgs", token, "application/json", `{"name":"Acme","contacts":[{"email":"sec@acme.test"}]}`)
	var created struct{ ID string }
	json.Unmarshal([]byte(body), &created)
	v.do("PUT", "/api/v1/orgs/"+created.ID, token, "application/json", `{"name":"Acme KK","contacts":[{"email":"sec@acme.test"}]}`)
	v.do("PUT", "/api/v1/orgs/"+created.ID+"/inventory", token, "text/csv", "vendor,product,version,cpe,purl,asset\nIvanti,Connect Secure,9.0R3.3,,,vpn1\n")
	v.do("POST", "/api/v1/orgs", token, "application/json", `{"name":"","contacts":[]}`) // refused: no change, no entry

	got := v.auditLog(token)
	want := []struct{ action, object string }{
		{"inventory.replace", created.ID}, {"org.update", created.ID}, {"org.create", created.ID},
	}
	if len(got) != len(want) {
		t.Fatalf("audit log = %+v; want %d entries", got, len(want))
	}
	for i, w := range want {
		if g := got[i]; g.Action != w.action || g.Object != w.object || g.Token != "admin" || g.Via != "api" || g.At.IsZero() {
			t.Errorf("entry %d = %+v; want %s of %s by admin through the api", i, g, w.action, w.object)
		}
	}
	if got[0].Detail != "items: 1; cases opened: 0, updated: 0" {
		t.Errorf("inventory entry detail = %q", got[0].Detail)
	}
}
