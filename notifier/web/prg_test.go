package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heed-dev/heed/notifier/web/headless"
	"github.com/heed-dev/heed/store"
)

// clickThenReload opens the page at u in the browser and presses its
// button (after press, say a choice), waits for the page it lands on to
// say what was done, reloads that page, and returns where the browser is
// and what the status line says after the reload.
func clickThenReload(ctx context.Context, t *testing.T, u, button string, press ...chromedp.Action[chromedp.Void]) (at, status string) {
	t.Helper()
	steps := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(u)}, press...)
	steps = append(steps,
		chromedp.Click(chromedp.CSS(button)),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: press %s, then reload: %v", u, button, err)
	}
	var err error
	if at, err = chromedp.Run(ctx, chromedp.Location()); err != nil {
		t.Fatal(err)
	}
	if status, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p[role="status"]`))); err != nil {
		t.Fatal(err)
	}
	return at, status
}

// auditCount is how many entries of action the audit log holds.
func (v *env) auditCount(action string) int {
	v.t.Helper()
	p, err := v.db.AuditPage(v.t.Context(), store.AuditQuery{Limit: 1000})
	if err != nil {
		v.t.Fatal(err)
	}
	n := 0
	for _, e := range p.Entries {
		if e.Action == action {
			n++
		}
	}
	return n
}

// TestButtonThenReloadDoesItOnce: in headless Chromium, an operator
// approves a held advisory, deactivates an organization and confirms a
// near miss with the pages' buttons, and a recipient answers through the
// link's page; after each, the browser is on a page it got with GET (the
// button's POST answered 303 See Other), that page says what was done,
// and reloading it says so again without doing it again: one audit entry
// per decision, one answer.
func TestButtonThenReloadDoesItOnce(t *testing.T) {
	v := holdingEnv(t)
	v.withCases(2)
	ctx := headless.Start(t)
	if err := chromedp.Do(ctx, signInTasks(v.srv.URL, token)); err != nil {
		t.Fatal(err)
	}

	at, status := clickThenReload(ctx, t, v.srv.URL+"/advisories", `#held-SA1 form[action$="/approve"] button`)
	if !strings.HasPrefix(at, v.srv.URL+"/advisories?") || !strings.Contains(status, "Advisory SA1 was approved: 2 cases opened and mailed") {
		t.Errorf("after approving and reloading: at %s, the page says %q", at, status)
	}
	if n := v.auditCount("advisory.approve"); n != 1 {
		t.Errorf("%d approvals in the audit log after the button and a reload; want 1", n)
	}

	var cases []store.Case
	if err := v.db.View(t.Context(), func(tx *store.Tx) (err error) { cases, err = tx.Cases(store.CaseFilter{}); return err }); err != nil {
		t.Fatal(err)
	}
	org := cases[0].OrgID
	at, status = clickThenReload(ctx, t, v.srv.URL+"/orgs/"+org, `#deactivate button`)
	if !strings.HasPrefix(at, v.srv.URL+"/orgs/"+org+"?") || !strings.Contains(status, "Deactivated: 1 case closed, 1 undelivered mail cancelled") {
		t.Errorf("after deactivating and reloading: at %s, the page says %q", at, status)
	}
	if n := v.auditCount("org.deactivate"); n != 1 {
		t.Errorf("%d deactivations in the audit log after the button and a reload; want 1", n)
	}
	// The sentence follows the state, not the link: once the organization
	// is active again, the same address says nothing was deactivated.
	if _, err := v.engine.Orgs.Activate(t.Context(), org); err != nil {
		t.Fatal(err)
	}
	if _, body := v.do("GET", strings.TrimPrefix(at, v.srv.URL), token, "", ""); strings.Contains(body, "Deactivated:") {
		t.Errorf("the deactivation's address still says so after activation")
	}

	// A near miss on a server of its own (no publisher holds there).
	w := newEnv(t)
	orgs := w.scalanceNearMisses()
	if err := chromedp.Do(ctx, signInTasks(w.srv.URL, token)); err != nil {
		t.Fatal(err)
	}
	misses, err := w.engine.Review.NearMisses(t.Context(), store.ReviewPending, 10)
	if err != nil {
		t.Fatal(err)
	}
	golf := ""
	for _, n := range misses {
		if n.OrgID == orgs[0] {
			golf = n.ID
		}
	}
	at, status = clickThenReload(ctx, t, w.srv.URL+"/review", `#review-`+golf+` form[action$="/confirm"] button`)
	if !strings.HasPrefix(at, w.srv.URL+"/review?") || !strings.Contains(status, "Confirmed: the case of SSA-9 at Golf is open") {
		t.Errorf("after confirming and reloading: at %s, the page says %q", at, status)
	}
	if n := w.auditCount("review.confirm"); n != 1 {
		t.Errorf("%d confirmations in the audit log after the button and a reload; want 1", n)
	}

	// The recipient's page: one answer however often it is reloaded.
	a := newEnv(t)
	link, _, _ := a.ackCase("en")
	at, status = clickThenReload(ctx, t, a.srv.URL+link, `#submit`, chromedp.Click(chromedp.ID("status-patched")))
	if at != a.srv.URL+link+"?done=recorded" || status == "" {
		t.Errorf("after answering and reloading: at %s, the page says %q", at, status)
	}
	var answers []store.Answer
	if err := a.db.View(t.Context(), func(tx *store.Tx) error {
		cases, err := tx.Cases(store.CaseFilter{})
		if err != nil || len(cases) != 1 {
			return err
		}
		answers, err = tx.Answers(cases[0].ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(answers) != 1 || answers[0].Status != "patched" {
		t.Errorf("answers after the button and a reload: %+v; want one, patched", answers)
	}
}
