package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heed-dev/heed/notifier/web/headless"
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

// TestDeactivateButtonInBrowser: an operator signed in in headless
// Chromium deactivates an organization with the button on its page and
// activates it again with the other; the page says what each did, and a
// viewer sees no button.
func TestDeactivateButtonInBrowser(t *testing.T) {
	v := newEnv(t)
	v.notifiedCase("VPN flaw")
	var cases []store.Case
	if err := v.db.View(t.Context(), func(tx *store.Tx) (err error) { cases, err = tx.Cases(store.CaseFilter{}); return err }); err != nil {
		t.Fatal(err)
	}
	org := cases[0].OrgID
	ctx := headless.Start(t)
	err := chromedp.Do(ctx,
		signInTasks(v.srv.URL, token),
		chromedp.Navigate(v.srv.URL+"/orgs/"+org),
		chromedp.Click(chromedp.CSS(`#deactivate button`)),
		chromedp.WaitVisible(chromedp.ID("deactivated")),
	)
	if err != nil {
		t.Fatalf("deactivate with the button: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p[role="status"]`)))
	if err != nil || !strings.Contains(status, "1 case closed, 1 undelivered mail cancelled") || !strings.Contains(status, "nobody was mailed") {
		t.Errorf("after the button the page says %q, %v", status, err)
	}
	headless.Screenshot(ctx, t, "org-deactivated.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#activate button`)), chromedp.WaitVisible(chromedp.ID("deactivate"))); err != nil {
		t.Fatalf("activate with the button: %v", err)
	}
	if status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p[role="status"]`))); err != nil || !strings.Contains(status, "1 case opened and mailed") {
		t.Errorf("after activation the page says %q, %v", status, err)
	}
	if n := v.mailCount(); n != 1 {
		t.Errorf("%d mails held; want the new notice only (the first was cancelled)", n)
	}

	viewer := v.roleTokens()["viewer"]
	if _, body := v.do("GET", "/orgs/"+org, viewer, "", ""); strings.Contains(body, `id="deactivate"`) || strings.Contains(body, `id="activate"`) {
		t.Errorf("a viewer sees a button on the organization's page")
	}
}

// signInTasks signs in at base's login form with tok, in the browser.
func signInTasks(base, tok string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.SetValue(chromedp.ID("token"), tok),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("sign-out")),
	)
}
