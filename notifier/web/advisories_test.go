package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/publishers"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// holdingEnv is a server whose one publisher holds an advisory that would
// open more than one case.
func holdingEnv(t *testing.T) *env {
	set, err := publishers.NewSet([]publishers.Publisher{{Name: "agency", Subjects: []string{">"}, Role: publishers.Agency, HoldAbove: 1}},
		subscribers.DefaultAliases())
	if err != nil {
		t.Fatal(err)
	}
	return newEnv(t, func(c *notifier.Config) { c.Publishers = set })
}

func (v *env) mailCount() int {
	v.t.Helper()
	var n int
	for _, s := range []string{"held", "pending", "sent"} {
		ms, err := v.db.Mails(v.t.Context(), store.MailFilter{State: s})
		if err != nil {
			v.t.Fatal(err)
		}
		n += len(ms)
	}
	return n
}

func TestHeldAdvisoryIsListedThenApprovedThroughTheAPI(t *testing.T) {
	t.Parallel()
	v := holdingEnv(t)
	v.withCases(3)

	resp, body := v.do("GET", "/api/v1/advisories", token, "", "")
	var list struct{ Advisories []advisoryJSON }
	if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/advisories: %d %s", resp.StatusCode, body)
	}
	if len(list.Advisories) != 1 || list.Advisories[0].State != "held" || list.Advisories[0].WouldOpen != 3 || list.Advisories[0].Publisher != "agency" {
		t.Fatalf("advisories: %s; want SA1 held, would_open 3, from agency", body)
	}
	if !strings.Contains(body, `"state": "held"`) || !strings.Contains(body, `"would_open": 3`) {
		t.Errorf("the JSON does not say \"state\":\"held\" and \"would_open\": %s", body)
	}
	if n := v.mailCount(); n != 0 {
		t.Fatalf("%d mails while held, want none", n)
	}

	if resp, body := v.do("POST", "/api/v1/advisories/SA1/approve", "", "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("approve without a token: %d %s", resp.StatusCode, body)
	}
	resp, body = v.do("POST", "/api/v1/advisories/SA1/approve", token, "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"opened": 3`) {
		t.Fatalf("approve: %d %s; want 3 opened", resp.StatusCode, body)
	}
	if n := v.mailCount(); n != 3 {
		t.Errorf("%d mails after approval, want 3", n)
	}
	if resp, _ := v.do("POST", "/api/v1/advisories/SA1/approve", token, "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("approving again: %d, want 404", resp.StatusCode)
	}
	_, body = v.do("GET", "/api/v1/advisories", token, "", "")
	if !strings.Contains(body, `"state": "applied"`) || strings.Contains(body, `"held"`) {
		t.Errorf("after approval: %s; want SA1 applied, nothing held", body)
	}
	var found bool
	for _, e := range v.auditLog(token) {
		found = found || e.Action == "advisory.approve" && e.Object == "SA1"
	}
	if !found {
		t.Error("the approval is not in the audit log")
	}
}

var operatorCSRFField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestHeldAdvisoryPageDiscardsWithItsButton(t *testing.T) {
	t.Parallel()
	v := holdingEnv(t)
	v.withCases(2)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	if resp, err := browser.PostForm(v.srv.URL+"/login", url.Values{"token": {token}}); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %v %v", resp, err)
	}
	page := pageText(t, browser, v.srv.URL+"/advisories")
	if !strings.Contains(page, `id="held-SA1"`) || !strings.Contains(page, "Approve: open 2") || !strings.Contains(page, "<strong>2 cases</strong>") {
		t.Fatalf("the advisories page does not show SA1 held with its numbers:\n%s", page)
	}
	// A viewer sees the held advisory and its numbers, and no button.
	_, viewerToken, err := v.engine.Access.AddToken(store.WithActor(t.Context(), store.Actor{Name: "test", Via: "cli"}), notifier.TokenSpec{Name: "watcher", Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	viewerJar, _ := cookiejar.New(nil)
	viewer := &http.Client{Jar: viewerJar}
	if resp, err := viewer.PostForm(v.srv.URL+"/login", url.Values{"token": {viewerToken}}); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("viewer login: %v %v", resp, err)
	}
	if vp := pageText(t, viewer, v.srv.URL+"/advisories"); !strings.Contains(vp, `id="held-SA1"`) || strings.Contains(vp, "Approve: open") {
		t.Errorf("a viewer's advisories page: want SA1 held without buttons:\n%s", vp)
	}
	csrf := operatorCSRFField.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("no CSRF field on the page")
	}
	resp, err := browser.PostForm(v.srv.URL+"/advisories/SA1/discard", url.Values{"csrf": {"forged"}})
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("discard with a forged CSRF value: %v %v; want 403", resp, err)
	}
	resp, err = browser.PostForm(v.srv.URL+"/advisories/SA1/discard", url.Values{"csrf": {csrf[1]}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("discard: %v %v", resp, err)
	}
	if resp.Request.Method != http.MethodGet || resp.Request.URL.Path != "/advisories" {
		t.Errorf("discard ended at %s %s; want GET /advisories after a 303", resp.Request.Method, resp.Request.URL)
	}
	if page := readAll(t, resp); !strings.Contains(page, "The held advisory was discarded") {
		t.Errorf("after the discard the page does not say so:\n%s", page)
	}
	if page := pageText(t, browser, v.srv.URL+"/advisories"); strings.Contains(page, `id="held-SA1"`) {
		t.Error("SA1 still held after discard")
	}
	if n := v.mailCount(); n != 0 {
		t.Errorf("%d mails after discard, want none", n)
	}
}

func pageText(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAckPageNamesThePublisher: the page behind the link says who
// published the advisory and that Heed only relayed it.
func TestAckPageNamesThePublisher(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	path := v.notifiedCase("VPN flaw")
	resp, body := v.do("GET", path, "", "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Published by default (agency) and relayed to you by Heed; Heed did not write it.") {
		t.Errorf("ack page: %d, does not name the publisher:\n%s", resp.StatusCode, body)
	}
}
