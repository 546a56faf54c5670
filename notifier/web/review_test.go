package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// TestReviewThroughAPIAndPage: the SCALANCE near miss is listed by
// GET /api/v1/review for a viewer, who may not decide; the operator's
// review page shows it with its buttons; confirm through the page (with the
// session's CSRF field) opens the case and queues its notice; dismiss
// through the API is remembered; both are audited.
func TestReviewThroughAPIAndPage(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	ctx := context.Background()
	tokens := v.roleTokens()
	orgs := v.scalanceNearMisses()

	resp, body := v.do("GET", "/api/v1/review", tokens["viewer"], "", "")
	var list struct {
		Review []struct {
			ID           string `json:"id"`
			Organization struct{ ID, Name string }
			Item         struct{ Vendor, Product, Version string }
			Advisory     struct{ ID string }
			AdvProduct   string   `json:"advisory_product"`
			Why          string   `json:"why"`
			Words        []string `json:"words"`
			Close        string   `json:"close"`
			InRange      string   `json:"in_range"`
		} `json:"review"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != 200 || len(list.Review) != 2 {
		t.Fatalf("GET /api/v1/review as viewer: %d %v\n%s", resp.StatusCode, err, body)
	}
	byOrg := map[string]string{}
	for _, n := range list.Review {
		if n.Item.Product != "SCALANCE X-200" || n.AdvProduct != "SCALANCE X-200 switch family" || n.Advisory.ID != "SSA-9" ||
			n.Close != "the advisory's name adds “switch family”" || n.InRange != "version 5.1 is in range [0, 5.2.1)" {
			t.Errorf("listed: %+v", n)
		}
		byOrg[n.Organization.ID] = n.ID
	}
	golf, hotel := byOrg[orgs[0]], byOrg[orgs[1]]
	if resp, _ := v.do("POST", "/api/v1/review/"+golf+"/confirm", tokens["viewer"], "", ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer confirmed: %d", resp.StatusCode)
	}

	client, csrf := v.signIn(tokens["operator"])
	r, err := client.Get(v.srv.URL + "/review")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, r)
	if !strings.Contains(page, `id="review-`+golf+`"`) || !strings.Contains(page, `action="/review/`+golf+`/confirm"`) ||
		!strings.Contains(page, `<a href="/review">Review</a>`) {
		t.Fatalf("the review page lacks Golf's near miss, its button or the nav link:\n%s", page)
	}
	// Without the session's CSRF value the button does nothing.
	if r, _ := client.PostForm(v.srv.URL+"/review/"+golf+"/confirm", url.Values{}); r.StatusCode != http.StatusForbidden {
		t.Errorf("confirm without CSRF: %d", r.StatusCode)
	}
	r, err = client.PostForm(v.srv.URL+"/review/"+golf+"/confirm", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	if page := readAll(t, r); r.StatusCode != 200 || !regexp.MustCompile(`Confirmed: the case of SSA-9 at Golf is open`).MatchString(page) {
		t.Fatalf("confirm through the page: %d\n%s", r.StatusCode, page)
	}
	// Without JavaScript too, the button's POST was answered with a
	// redirect the client followed with GET: a reload reads, never posts.
	if r.Request.Method != http.MethodGet || r.Request.URL.Path != "/review" || r.Request.URL.Query().Get("done") != "opened" {
		t.Errorf("confirm through the page ended at %s %s; want GET /review?done=opened after a 303", r.Request.Method, r.Request.URL)
	}
	var cases []store.Case
	var mails []store.Mail
	v.db.View(ctx, func(tx *store.Tx) (err error) {
		if cases, err = tx.Cases(store.CaseFilter{OrgID: orgs[0]}); err != nil {
			return err
		}
		if len(cases) == 1 {
			mails, err = tx.Mails(store.MailFilter{CaseID: cases[0].ID})
		}
		return err
	})
	if len(cases) != 1 || cases[0].State != store.CaseOpen || len(mails) != 1 || mails[0].Kind != "notice" {
		t.Fatalf("after confirm: cases %+v, mails %+v; want the case open with its notice", cases, mails)
	}

	if resp, body := v.do("POST", "/api/v1/review/"+hotel+"/dismiss", tokens["operator"], "", ""); resp.StatusCode != 200 {
		t.Fatalf("dismiss: %d %s", resp.StatusCode, body)
	}
	if resp, _ := v.do("POST", "/api/v1/review/"+hotel+"/confirm", tokens["operator"], "", ""); resp.StatusCode != http.StatusConflict {
		t.Errorf("confirm after dismiss: %d, want 409", resp.StatusCode)
	}
	if _, body := v.do("GET", "/api/v1/review", tokens["viewer"], "", ""); strings.Contains(body, hotel) || strings.Contains(body, golf) {
		t.Errorf("decided near misses still pending:\n%s", body)
	}
	audit, err := v.db.AuditPage(ctx, store.AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{}
	for _, e := range audit.Entries {
		actions[e.Action] = e.Actor
	}
	if actions["review.confirm"] != "ops" || actions["review.dismiss"] != "ops" {
		t.Errorf("audit: %v, want review.confirm and review.dismiss by ops", actions)
	}
}

// scalanceNearMisses makes two organizations, Golf and Hotel, each with an
// item whose name is close to the SSA-9 advisory's product but not matched
// by the rules, applies SSA-9, runs the engine and waits for both near
// misses; it returns the organizations' ids.
func (v *env) scalanceNearMisses() []string {
	t := v.t
	t.Helper()
	ctx := context.Background()
	var orgs []string
	for _, name := range []string{"Golf", "Hotel"} {
		org, err := v.engine.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: name, Contacts: []subscribers.ContactSpec{{Email: "sec@" + strings.ToLower(name) + ".test"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.engine.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{{Vendor: "Siemens AG", Product: "SCALANCE X-200", Version: "5.1"}}); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, org.ID)
	}
	adv := &advisory.Advisory{ID: "SSA-9", Revision: "1", Format: "heed", Title: "SCALANCE flaw", Severity: "high",
		Affected: []advisory.Affected{{Vendor: "Siemens", Product: "SCALANCE X-200 switch family", Status: advisory.StatusAffected,
			Ranges: []advisory.Range{{Introduced: "0", Fixed: "5.2.1"}}}}}
	if out, err := v.engine.Cases.ApplyAdvisory(ctx, adv); err != nil || out.Opened != 0 {
		t.Fatalf("apply: %+v, %v", out, err)
	}
	// The near misses are looked for by the engine's loop, after the apply.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- v.engine.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	eventually.True(t, 10*time.Second, "both near misses found", func() bool {
		all, err := v.engine.Review.NearMisses(ctx, store.ReviewPending, 10)
		return err == nil && len(all) == 2
	})

	return orgs
}
