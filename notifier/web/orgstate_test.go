package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
)

// TestDeactivatedOrgIsShown: through the API an organization with a case
// cannot be deleted (409 saying why and what to do instead); deactivated,
// the API gives deactivated_at, its page says so, and its link's page
// says why the case closed, in the organization's words; activated again,
// the page no longer says so.
func TestDeactivatedOrgIsShown(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	ack := v.notifiedCase("VPN flaw")
	var cases []store.Case
	err := v.db.View(t.Context(), func(tx *store.Tx) (err error) { cases, err = tx.Cases(store.CaseFilter{}); return err })
	if err != nil || len(cases) != 1 {
		t.Fatalf("cases %v, %v", cases, err)
	}
	org := cases[0].OrgID

	resp, body := v.do("DELETE", "/api/v1/orgs/"+org, token, "", "")
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "it has cases (1)") || !strings.Contains(body, "deactivate it instead") {
		t.Errorf("DELETE an organization with a case: %d %s; want 409 saying to deactivate it", resp.StatusCode, body)
	}
	resp, body = v.do("POST", "/api/v1/orgs/"+org+"/deactivate", token, "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"cases_closed": 1`) {
		t.Fatalf("deactivate: %d %s", resp.StatusCode, body)
	}
	_, body = v.do("GET", "/api/v1/orgs/"+org, token, "", "")
	var o struct {
		DeactivatedAt string `json:"deactivated_at"`
	}
	if json.Unmarshal([]byte(body), &o); !strings.HasPrefix(o.DeactivatedAt, "2026-05-01") {
		t.Errorf("GET the organization: %s; want deactivated_at", body)
	}
	_, body = v.do("GET", "/orgs/"+org, token, "", "")
	if !strings.Contains(body, `id="deactivated"`) || !strings.Contains(body, "heed org activate "+org) {
		t.Errorf("the organization's page does not say it is deactivated:\n%s", body)
	}
	_, body = v.do("GET", ack, "", "", "")
	if !strings.Contains(body, "the service&#39;s operator deactivated it") {
		t.Errorf("the link's page does not say why the case closed:\n%s", body)
	}
	if n := v.mailCount(); n != 0 {
		t.Errorf("%d mails held or sent after deactivation; want none (the notice cancelled, no closing mail)", n)
	}

	if resp, body := v.do("POST", "/api/v1/orgs/"+org+"/activate", token, "", ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"cases_opened": 1`) {
		t.Errorf("activate: %d %s", resp.StatusCode, body)
	}
	if _, body := v.do("GET", "/orgs/"+org, token, "", ""); strings.Contains(body, `id="deactivated"`) {
		t.Errorf("the page still says deactivated after activation")
	}
	if resp, _ := v.do("DELETE", "/api/v1/orgs/org_nope", token, "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("DELETE an unknown organization: %d, want 404", resp.StatusCode)
	}
}
