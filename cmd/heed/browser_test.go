package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/web/headless"
)

func browser(t *testing.T) context.Context { return headless.Start(t) }

// TestAckLinkInBrowser follows the link of a received mail in a real
// headless Chromium, answers "will patch by" with the form (no JavaScript is
// involved in submitting), and checks that the answer is recorded with the
// browser's user agent and that reminders pause until that date.
func TestAckLinkInBrowser(t *testing.T) {
	ctx := browser(t)
	ns := startNATS(t)
	mails := startSink(t)
	clk := clock.NewFake(testStart)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr), clk)
	org := h.addOrg("Acme", "sec@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nIvanti,Connect Secure,9.0R3.3,,,vpn\n")
	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	link := mails.next(t).ackLink(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open the link: %v", err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	// A person picks "will patch by", a date, and presses the button.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("status-scheduled")),
		chromedp.SetValue(chromedp.CSS(`input[name="until"]`), "2026-11-20"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	if err != nil {
		t.Fatalf("answer in the browser: %v", err)
	}
	confirmation, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p[role="status"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(shown, "SA44101") || !strings.Contains(shown, "9.0R3.3") {
		t.Errorf("page does not show the advisory and the affected item:\n%s", shown)
	}
	c := h.cases("org=" + org)[0]
	if c.State != "scheduled" || c.Answer == nil || c.Answer.Status != "scheduled" {
		t.Fatalf("case after the browser's answer = %+v", c)
	}
	if !strings.Contains(confirmation, "2026") {
		t.Errorf("confirmation %q does not say until when reminders pause", confirmation)
	}
	// Reminders resume at 09:00 in the organization's time zone (Asia/Tokyo).
	if want := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC); c.NextReminderAt == nil || !c.NextReminderAt.Equal(want) {
		t.Errorf("reminders resume at %v, want %v", c.NextReminderAt, want)
	}
}

// TestSignOutInBrowser signs in with the form in a real headless Chromium,
// presses Sign out on the board, and finds that the browser's session no
// longer opens the board, and that the server ended it (no session left).
func TestSignOutInBrowser(t *testing.T) {
	ctx := browser(t)
	ns := startNATS(t)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), ""), clock.NewFake(testStart))
	err := chromedp.Do(ctx,
		chromedp.Navigate(h.base+"/login"),
		chromedp.SetValue(chromedp.ID("token"), testToken),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("sign-out")),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	var list struct{ Sessions []struct{ Token string } }
	if h.api("GET", "/api/v1/sessions", "", nil, &list); len(list.Sessions) != 1 || list.Sessions[0].Token != "admin" {
		t.Fatalf("sessions after signing in: %+v", list.Sessions)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("sign-out")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.Navigate(h.base+"/board"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
	)
	if err != nil {
		t.Fatalf("sign out, then open the board: %v", err)
	}
	if h.api("GET", "/api/v1/sessions", "", nil, &list); len(list.Sessions) != 0 {
		t.Errorf("sessions after signing out: %+v; want none", list.Sessions)
	}
}

// TestOrgPageInBrowser follows one mail's link in a real headless Chromium to
// the organization's page and answers both of its open cases there, one
// form each, in one visit.
func TestOrgPageInBrowser(t *testing.T) {
	ctx := browser(t)
	ns := startNATS(t)
	mails := startSink(t)
	clk := clock.NewFake(testStart)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr), clk)
	org := h.addOrg("Acme", "sec@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n")
	doc := readFile(t, sa44101Path)
	publish(t, ns.ClientURL(), "advisories.heed", doc)
	publish(t, ns.ClientURL(), "advisories.heed", bytes.ReplaceAll(doc, []byte(`"id": "SA44101"`), []byte(`"id": "SA44102"`)))
	link := mails.nextN(t, 2)[0].ackLink(t)

	err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.ID("org-page")),
		chromedp.WaitVisible(chromedp.ID("submit-1")),
	)
	if err != nil {
		t.Fatalf("open the organization's page from the link: %v", err)
	}
	listed, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(listed, "SA44101") || !strings.Contains(listed, "SA44102") {
		t.Fatalf("the organization's page does not list both cases:\n%s", listed)
	}
	// The first form answers "patched"; the page comes back with the other
	// case, whose form answers "mitigated".
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("status-0-patched")),
		chromedp.Click(chromedp.ID("submit-0")),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
		chromedp.Click(chromedp.ID("status-0-mitigated")),
		chromedp.Click(chromedp.ID("submit-0")),
		chromedp.WaitVisible(chromedp.ID("org-none")),
	)
	if err != nil {
		t.Fatalf("answer both cases on the page: %v", err)
	}
	got := map[string]string{}
	for _, c := range h.cases("org=" + org) {
		if c.Answer != nil {
			got[c.Advisory] = c.Answer.Status
		}
	}
	if len(got) != 2 || got["SA44101"] == got["SA44102"] {
		t.Errorf("answers after one visit = %v; want one patched and one mitigated", got)
	}
}
