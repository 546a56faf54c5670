package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// TestKEVImportThroughTheAPI: POST /api/v1/kev refuses a broken catalog
// whole, saying what is wrong; a good one answers what it did, and the
// cases it names show known_exploited in the API, on the board and on
// their organization's page, due by the catalog's date when it is ahead,
// else by the known-exploited policy's (7 days): none is overdue.
func TestKEVImportThroughTheAPI(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	ctx := context.Background()
	org, err := v.engine.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Acme", Contacts: []subscribers.ContactSpec{{Email: "sec@acme.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.engine.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}}); err != nil {
		t.Fatal(err)
	}
	for id, cve := range map[string]string{"SA1": "CVE-2019-11510", "SA2": "CVE-2021-44228"} {
		if _, err := v.engine.Cases.ApplyAdvisory(ctx, &advisory.Advisory{ID: id, Revision: "1", Format: "heed", Title: "VPN flaw", Severity: "high",
			CVEs: []string{cve}, Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Status: advisory.StatusAffected}}}); err != nil {
			t.Fatal(err)
		}
	}

	resp, body := v.do("POST", "/api/v1/kev", token, "text/csv", "cveID\n")
	if resp.StatusCode != 415 {
		t.Errorf("a CSV body: %d %s; want 415", resp.StatusCode, body)
	}
	resp, body = v.do("POST", "/api/v1/kev", token, "application/json", `{"vulnerabilities":[{"cveID":"CVE-2019-11510","dateAdded":"03/11/2021"}]}`)
	if resp.StatusCode != 400 || !strings.Contains(body, "nothing imported") || !strings.Contains(body, "vulnerabilities[0] (CVE-2019-11510).dateAdded") {
		t.Errorf("a bad date: %d %s; want 400 naming the entry and saying nothing was imported", resp.StatusCode, body)
	}
	resp, body = v.do("POST", "/api/v1/kev", token, "application/json", `{"vulnerabilities":[{"cveID":"CVE-2019-11510","dateAdded":"2021-11-03","dueDate":"2026-05-05"},
		{"cveID":"CVE-2021-44228","dateAdded":"2021-12-10","dueDate":"2021-12-24"}]}`)
	var res struct {
		Added        *int `json:"added"`
		CasesChanged *int `json:"cases_changed"`
	}
	if json.Unmarshal([]byte(body), &res); resp.StatusCode != 200 || res.Added == nil || *res.Added != 2 || res.CasesChanged == nil || *res.CasesChanged != 2 {
		t.Fatalf("the catalog: %d %s; want {\"added\":2,\"cases_changed\":2}", resp.StatusCode, body)
	}

	_, body = v.do("GET", "/api/v1/cases", token, "", "")
	var list struct {
		Cases []struct {
			Advisory       string `json:"advisory"`
			KnownExploited bool   `json:"known_exploited"`
			DueAt          string `json:"due_at"`
		} `json:"cases"`
	}
	due := map[string]string{"SA1": "2026-05-05T00:00:00Z", "SA2": "2026-05-08T00:00:00Z"}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Cases) != 2 {
		t.Fatalf("the cases in the API: %s, %v; want two", body, err)
	}
	for _, c := range list.Cases {
		if !c.KnownExploited || c.DueAt != due[c.Advisory] {
			t.Errorf("%s in the API: known_exploited %v, due %s; want true, due %s", c.Advisory, c.KnownExploited, c.DueAt, due[c.Advisory])
		}
	}
	_, body = v.do("GET", "/api/v1/cases?overdue=true", token, "", "")
	if list.Cases = nil; json.Unmarshal([]byte(body), &list) != nil || len(list.Cases) != 0 {
		t.Errorf("overdue cases after the import: %s; want none", body)
	}
	for _, page := range []string{"/board", "/orgs/" + org.ID} {
		if _, body = v.do("GET", page, token, "", ""); !strings.Contains(body, "KNOWN EXPLOITED") {
			t.Errorf("%s does not mark the case known exploited", page)
		}
	}
}
