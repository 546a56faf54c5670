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
// case it names shows known_exploited in the API, on the board and on its
// organization's page.
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
	if _, err := v.engine.Cases.ApplyAdvisory(ctx, &advisory.Advisory{ID: "SA1", Revision: "1", Format: "heed", Title: "VPN flaw", Severity: "high",
		CVEs: []string{"CVE-2019-11510"}, Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Status: advisory.StatusAffected}}}); err != nil {
		t.Fatal(err)
	}

	resp, body := v.do("POST", "/api/v1/kev", token, "text/csv", "cveID\n")
	if resp.StatusCode != 415 {
		t.Errorf("a CSV body: %d %s; want 415", resp.StatusCode, body)
	}
	resp, body = v.do("POST", "/api/v1/kev", token, "application/json", `{"vulnerabilities":[{"cveID":"CVE-2019-11510","dateAdded":"03/11/2021"}]}`)
	if resp.StatusCode != 400 || !strings.Contains(body, "nothing imported") || !strings.Contains(body, "vulnerabilities[0] (CVE-2019-11510).dateAdded") {
		t.Errorf("a bad date: %d %s; want 400 naming the entry and saying nothing was imported", resp.StatusCode, body)
	}
	resp, body = v.do("POST", "/api/v1/kev", token, "application/json", `{"vulnerabilities":[{"cveID":"CVE-2019-11510","dateAdded":"2021-11-03","dueDate":"2026-05-05"}]}`)
	var res struct {
		Added        *int `json:"added"`
		CasesChanged *int `json:"cases_changed"`
	}
	if json.Unmarshal([]byte(body), &res); resp.StatusCode != 200 || res.Added == nil || *res.Added != 1 || res.CasesChanged == nil || *res.CasesChanged != 1 {
		t.Fatalf("the catalog: %d %s; want {\"added\":1,\"cases_changed\":1}", resp.StatusCode, body)
	}

	_, body = v.do("GET", "/api/v1/cases", token, "", "")
	var list struct {
		Cases []struct {
			KnownExploited bool   `json:"known_exploited"`
			DueAt          string `json:"due_at"`
		} `json:"cases"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Cases) != 1 || !list.Cases[0].KnownExploited || !strings.HasPrefix(list.Cases[0].DueAt, "2026-05-05") {
		t.Errorf("the case in the API: %s; want known_exploited true, due by the catalog's date", body)
	}
	for _, page := range []string{"/board", "/orgs/" + org.ID} {
		if _, body = v.do("GET", page, token, "", ""); !strings.Contains(body, "KNOWN EXPLOITED") {
			t.Errorf("%s does not mark the case known exploited", page)
		}
	}
}
