package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/publishers"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// The kinds of caller every route is held to, and the token each presents.
var callers = []string{"admin", "operator", "viewer", "metrics", "scoped", "none"}

// roleTokens makes a token of each role, and one viewer limited to the
// publisher ivanti, and returns their secrets by caller ("none": no token).
func (v *env) roleTokens() map[string]string {
	v.t.Helper()
	ctx := store.WithActor(context.Background(), store.Actor{Name: "test", Via: "cli"})
	out := map[string]string{"admin": token, "none": ""}
	for _, spec := range []notifier.TokenSpec{{Name: "ops", Role: "operator"}, {Name: "watcher", Role: "viewer"},
		{Name: "prom", Role: "metrics"}, {Name: "ivanti-watcher", Role: "viewer", Publisher: "ivanti"}} {
		_, secret, err := v.engine.Access.AddToken(ctx, spec)
		if err != nil {
			v.t.Fatal(err)
		}
		caller := map[string]string{"ops": "operator", "watcher": "viewer", "prom": "metrics", "ivanti-watcher": "scoped"}[spec.Name]
		out[caller] = secret
	}
	return out
}

// statuses is what each caller gets, in the order of callers.
type statuses [6]int

// TestEveryRouteByRole holds every route the server registers to the
// status each kind of caller gets: 401 without a token, 403 without the
// role, a redirect to the sign-in form for a page, and the route's own
// answer for those it is for. A route added without a row here fails.
func TestEveryRouteByRole(t *testing.T) {
	v := newEnv(t)
	ackPath := v.notifiedCase("VPN flaw")
	ctx := context.Background()
	var orgID, caseID string
	var mailID, rejectedID int64
	v.db.Update(ctx, func(tx *store.Tx) error {
		cases, err := tx.Cases(store.CaseFilter{})
		if err != nil || len(cases) != 1 {
			t.Fatalf("cases = %v, %v", cases, err)
		}
		orgID, caseID = cases[0].OrgID, cases[0].ID
		mails, _ := tx.Mails(store.MailFilter{})
		mailID = mails[0].ID
		r := store.Rejected{Subject: "advisories.x", StreamSeq: 1, ReceivedAt: time.Now(), Reason: "junk", Payload: []byte("junk")}
		if err := tx.AddRejected(&r); err != nil {
			return err
		}
		docs, err := tx.RejectedDocs(1)
		rejectedID = docs[0].ID
		return err
	})
	tokens := v.roleTokens()
	// An organization without cases, for deactivate and activate.
	spare, err := v.engine.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Spare", Contacts: []subscribers.ContactSpec{{Email: "sec@spare.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	// What the admin's DELETE routes remove: a token, and a session.
	victim, _, err := v.engine.Access.AddToken(ctx, notifier.TokenSpec{Name: "doomed", Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	_, sess, err := v.engine.Access.OpenSession(ctx, victim, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	// The session is ended by the DELETE of its token's row if that comes
	// first: keep a second token's session for the sessions route.
	other, _, _ := v.engine.Access.AddToken(ctx, notifier.TokenSpec{Name: "other", Role: "viewer"})
	_, sess, err = v.engine.Access.OpenSession(ctx, other, "192.0.2.2", "test")
	if err != nil {
		t.Fatal(err)
	}

	const (
		json = "application/json"
		form = "application/x-www-form-urlencoded"
		csv  = "text/csv"
	)
	orgBody := `{"name":"Table KK","contacts":[{"email":"sec@table.test"}]}`
	rows := []struct {
		pattern, path, ctype, body string
		want                       statuses // admin, operator, viewer, metrics, scoped, none
	}{
		{"GET /healthz", "/healthz", "", "", statuses{200, 200, 200, 200, 200, 200}},
		{"POST /api/v1/orgs", "/api/v1/orgs", json, orgBody, statuses{201, 201, 403, 403, 403, 401}},
		{"POST /api/v1/orgs/import", "/api/v1/orgs/import", csv,
			"external_id,name,language,timezone,contacts,escalation\nT-1,Table KK,ja,Asia/Tokyo,sec@table.test,\n", statuses{200, 200, 403, 403, 403, 401}},
		{"GET /api/v1/orgs", "/api/v1/orgs", "", "", statuses{200, 200, 200, 403, 403, 401}},
		{"GET /api/v1/orgs/{id}", "/api/v1/orgs/" + orgID, "", "", statuses{200, 200, 200, 403, 403, 401}},
		{"PUT /api/v1/orgs/{id}", "/api/v1/orgs/" + orgID, json, `{"name":"Acme","contacts":[{"email":"sec@acme.test"}]}`, statuses{200, 200, 403, 403, 403, 401}},
		{"PUT /api/v1/orgs/{id}/inventory", "/api/v1/orgs/" + orgID + "/inventory", csv,
			"vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n", statuses{200, 200, 403, 403, 403, 401}},
		{"GET /api/v1/orgs/{id}/inventory", "/api/v1/orgs/" + orgID + "/inventory", "", "", statuses{200, 200, 403, 403, 403, 401}},
		{"POST /api/v1/orgs/{id}/deactivate", "/api/v1/orgs/" + spare.ID + "/deactivate", "", "", statuses{200, 200, 403, 403, 403, 401}},
		{"POST /api/v1/orgs/{id}/activate", "/api/v1/orgs/" + spare.ID + "/activate", "", "", statuses{200, 200, 403, 403, 403, 401}},
		{"DELETE /api/v1/orgs/{id}", "/api/v1/orgs/" + orgID, "", "", statuses{409, 409, 403, 403, 403, 401}}, // it has a case
		{"GET /api/v1/cases", "/api/v1/cases", "", "", statuses{200, 200, 200, 403, 200, 401}},
		{"GET /api/v1/cases/{id}", "/api/v1/cases/" + caseID, "", "", statuses{200, 200, 200, 403, 404, 401}}, // scoped: another publisher's case
		{"GET /api/v1/advisories", "/api/v1/advisories", "", "", statuses{200, 200, 200, 403, 200, 401}},
		{"GET /api/v1/advisories/{id}", "/api/v1/advisories/SA1", "", "", statuses{200, 200, 200, 403, 404, 401}}, // scoped: another publisher's
		{"POST /api/v1/advisories/{id}/approve", "/api/v1/advisories/NOT-HELD/approve", "", "", statuses{404, 404, 403, 403, 403, 401}},
		{"POST /api/v1/advisories/{id}/discard", "/api/v1/advisories/NOT-HELD/discard", "", "", statuses{404, 404, 403, 403, 403, 401}},
		{"GET /api/v1/review", "/api/v1/review", "", "", statuses{200, 200, 200, 403, 403, 401}},
		{"POST /api/v1/review/{id}/confirm", "/api/v1/review/NO-SUCH/confirm", "", "", statuses{404, 404, 403, 403, 403, 401}},
		{"POST /api/v1/review/{id}/dismiss", "/api/v1/review/NO-SUCH/dismiss", "", "", statuses{404, 404, 403, 403, 403, 401}},
		{"POST /api/v1/kev", "/api/v1/kev", json, `{"vulnerabilities":[{"cveID":"CVE-2019-11510","dateAdded":"2021-11-03","dueDate":"2022-04-15"}]}`,
			statuses{200, 200, 403, 403, 403, 401}},
		{"GET /api/v1/rejected", "/api/v1/rejected", "", "", statuses{200, 200, 403, 403, 403, 401}},
		{"GET /api/v1/rejected/{id}", fmt.Sprint("/api/v1/rejected/", rejectedID), "", "", statuses{200, 200, 403, 403, 403, 401}},
		{"GET /api/v1/audit", "/api/v1/audit", "", "", statuses{200, 403, 403, 403, 403, 401}},
		{"GET /api/v1/replies", "/api/v1/replies", "", "", statuses{200, 200, 403, 403, 403, 401}},
		{"GET /api/v1/tokens", "/api/v1/tokens", "", "", statuses{200, 403, 403, 403, 403, 401}},
		{"POST /api/v1/tokens", "/api/v1/tokens", json, `{"name":"made","role":"viewer"}`, statuses{201, 403, 403, 403, 403, 401}},
		{"DELETE /api/v1/tokens/{name}", "/api/v1/tokens/doomed", "", "", statuses{200, 403, 403, 403, 403, 401}},
		{"GET /api/v1/sessions", "/api/v1/sessions", "", "", statuses{200, 403, 403, 403, 403, 401}},
		{"DELETE /api/v1/sessions/{id}", fmt.Sprint("/api/v1/sessions/", sess.ID), "", "", statuses{200, 403, 403, 403, 403, 401}},
		{"GET /metrics", "/metrics", "", "", statuses{200, 403, 403, 200, 403, 401}},
		{"GET /ack/{token}", ackPath, "", "", statuses{200, 200, 200, 200, 200, 200}},
		{"POST /ack/{token}", ackPath, form, "status=patched", statuses{403, 403, 403, 403, 403, 403}}, // no CSRF cookie
		{"GET /ack/{token}/all", ackPath + "/all", "", "", statuses{200, 200, 200, 200, 200, 200}},
		{"POST /ack/{token}/all", ackPath + "/all", form, "status=patched", statuses{403, 403, 403, 403, 403, 403}}, // no CSRF cookie
		{"GET /login", "/login", "", "", statuses{200, 200, 200, 200, 200, 200}},
		{"POST /login", "/login", form, "token=wrong", statuses{401, 401, 401, 401, 401, 401}},
		{"POST /logout", "/logout", form, "", statuses{303, 303, 303, 303, 303, 303}},
		{"POST /lang", "/lang", form, "lang=ja&back=/board", statuses{303, 303, 303, 403, 303, 303}},
		{"GET /board", "/board", "", "", statuses{200, 200, 200, 403, 200, 303}},
		{"GET /board.csv", "/board.csv", "", "", statuses{200, 200, 200, 403, 200, 303}},
		{"GET /advisories", "/advisories", "", "", statuses{200, 200, 200, 403, 200, 303}},
		{"GET /advisories/{id}", "/advisories/SA1", "", "", statuses{200, 200, 200, 403, 404, 303}}, // scoped: another publisher's
		{"GET /orgs/{id}", "/orgs/" + orgID, "", "", statuses{200, 200, 200, 403, 403, 303}},
		{"GET /advisories/{id}/uptake.svg", "/advisories/SA1/uptake.svg", "", "", statuses{200, 200, 200, 403, 404, 303}},
		// The pages' buttons need the session's CSRF field: a bearer token has none.
		{"POST /advisories/{id}/approve", "/advisories/NOT-HELD/approve", form, "", statuses{403, 403, 403, 403, 403, 303}},
		{"POST /orgs/{id}/deactivate", "/orgs/" + spare.ID + "/deactivate", form, "", statuses{403, 403, 403, 403, 403, 303}}, // no session: no CSRF value
		{"POST /orgs/{id}/activate", "/orgs/" + spare.ID + "/activate", form, "", statuses{403, 403, 403, 403, 403, 303}},
		{"POST /advisories/{id}/discard", "/advisories/NOT-HELD/discard", form, "", statuses{403, 403, 403, 403, 403, 303}},
		{"GET /review", "/review", "", "", statuses{200, 200, 200, 403, 403, 303}},
		{"POST /review/{id}/confirm", "/review/NO-SUCH/confirm", form, "", statuses{403, 403, 403, 403, 403, 303}},
		{"POST /review/{id}/dismiss", "/review/NO-SUCH/dismiss", form, "", statuses{403, 403, 403, 403, 403, 303}},
		{"GET /rejected", "/rejected", "", "", statuses{200, 200, 403, 403, 403, 303}},
		{"GET /outbox", "/outbox", "", "", statuses{200, 200, 403, 403, 403, 303}},
		{"GET /outbox/{id}", fmt.Sprint("/outbox/", mailID), "", "", statuses{200, 200, 403, 403, 403, 303}},
		{"GET /outbox/{id}/html", fmt.Sprint("/outbox/", mailID, "/html"), "", "", statuses{200, 200, 403, 403, 403, 303}},
		{"GET /{$}", "/", "", "", statuses{303, 303, 303, 303, 303, 303}},
	}
	covered := map[string]bool{}
	for _, row := range rows {
		covered[row.pattern] = true
	}
	for _, r := range v.server.table {
		if !covered[r.pattern] {
			t.Errorf("route %q has no row in TestEveryRouteByRole: add the status each caller gets", r.pattern)
		}
	}
	audited := func() int {
		p, err := v.db.AuditPage(ctx, store.AuditQuery{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Entries)
	}
	for _, row := range rows {
		for i, caller := range callers {
			before := audited()
			resp, body := v.do(strings.Fields(row.pattern)[0], row.path, tokens[caller], row.ctype, row.body)
			// Every change is in the audit log: a request that is not a GET
			// and succeeds adds an entry. (What organizations answer through
			// their links is kept with each case instead.)
			if changed := !strings.HasPrefix(row.pattern, "GET ") && resp.StatusCode < 300; changed && row.pattern != "POST /ack/{token}" && audited() == before {
				t.Errorf("%s as %s: %d, and nothing in the audit log", row.pattern, caller, resp.StatusCode)
			}
			if resp.StatusCode != row.want[i] {
				t.Errorf("%s %s as %s: %d, want %d\n%.300s", strings.Fields(row.pattern)[0], row.path, caller, resp.StatusCode, row.want[i], body)
				continue
			}
			if resp.StatusCode == http.StatusForbidden && strings.HasPrefix(row.path, "/api/") && !strings.Contains(body, "role") && !strings.Contains(body, "publisher") {
				t.Errorf("%s as %s: 403 without saying what it lacks: %s", row.path, caller, body)
			}
			if resp.StatusCode == http.StatusSeeOther && row.want[i] == 303 && caller == "none" && strings.HasPrefix(row.path, "/board") &&
				resp.Header.Get("Location") != "/login" {
				t.Errorf("%s without a token: redirect to %q, want /login", row.path, resp.Header.Get("Location"))
			}
		}
	}
}

// testPublishers is a set of agency publishers by these names (the first
// is the one notifier.Cases.ApplyAdvisory applies as).
func testPublishers(t testing.TB, names ...string) *publishers.Set {
	t.Helper()
	var list []publishers.Publisher
	for _, n := range names {
		list = append(list, publishers.Publisher{Name: n, Subjects: []string{"advisories." + n + ".>"}, Role: publishers.Agency, HoldAbove: -1})
	}
	set, err := publishers.NewSet(list, nil)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// applyAs applies adv as published by the named publisher, through an
// engine of its own on the same database.
func (v *env) applyAs(publisher string, adv *advisory.Advisory) {
	v.t.Helper()
	e, err := notifier.New(notifier.Config{DB: v.db, Matcher: subscribers.NewMatcher(subscribers.DefaultAliases()),
		Clock: clock.NewFake(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)), PublicURL: "http://heed.test",
		From: "Heed <heed@heed.test>", AckSecret: bytes.Repeat([]byte("s"), 32), Hold: true, Publishers: testPublishers(v.t, publisher)})
	if err != nil {
		v.t.Fatal(err)
	}
	if _, err := e.Cases.ApplyAdvisory(context.Background(), adv); err != nil {
		v.t.Fatal(err)
	}
}

// TestPublisherScopedTokenSeesOnlyItsOwn: a viewer limited to ivanti sees
// ivanti's advisories and their cases, in the API and on the board, and
// nothing of the other publishers' (another's case is not found, as if it
// did not exist); an operator limited to ivanti cannot change
// organizations.
func TestPublisherScopedTokenSeesOnlyItsOwn(t *testing.T) {
	v := newEnv(t)
	v.withCases(2) // SA1, from the default publisher: two cases
	v.applyAs("ivanti", &advisory.Advisory{ID: "IV1", Revision: "1", Format: "heed", Title: "Ivanti's own", Severity: "high",
		Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Status: advisory.StatusAffected}}})
	ctx := store.WithActor(context.Background(), store.Actor{Name: "test", Via: "cli"})
	_, scoped, err := v.engine.Access.AddToken(ctx, notifier.TokenSpec{Name: "ivanti-watcher", Role: "viewer", Publisher: "ivanti"})
	if err != nil {
		t.Fatal(err)
	}
	_, scopedOps, err := v.engine.Access.AddToken(ctx, notifier.TokenSpec{Name: "ivanti-ops", Role: "operator", Publisher: "ivanti"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := v.engine.Access.AddToken(ctx, notifier.TokenSpec{Name: "x", Role: "viewer", Publisher: "nobody"}); err == nil ||
		!strings.Contains(err.Error(), "no publisher") {
		t.Errorf("a token for an unknown publisher: %v; want refused", err)
	}

	casesOf := func(auth string) []caseJSON {
		_, body := v.do("GET", "/api/v1/cases", auth, "", "")
		var page struct{ Cases []caseJSON }
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return page.Cases
	}
	all, own := casesOf(token), casesOf(scoped)
	if len(all) != 4 {
		t.Fatalf("admin sees %d cases, want 4 (2 of SA1, 2 of IV1)", len(all))
	}
	if len(own) != 2 || own[0].Advisory != "IV1" || own[1].Advisory != "IV1" {
		t.Errorf("the ivanti viewer sees %+v; want IV1's two cases only", own)
	}
	for _, c := range all {
		resp, _ := v.do("GET", "/api/v1/cases/"+c.ID, scoped, "", "")
		if want := map[string]int{"IV1": 200, "SA1": 404}[c.Advisory]; resp.StatusCode != want {
			t.Errorf("the ivanti viewer reading a case of %s: %d, want %d", c.Advisory, resp.StatusCode, want)
		}
	}
	if _, body := v.do("GET", "/api/v1/cases?advisory=SA1", scoped, "", ""); strings.Contains(body, "SA1") {
		t.Errorf("asking for SA1's cases by name shows them: %s", body)
	}
	_, body := v.do("GET", "/api/v1/advisories", scoped, "", "")
	if !strings.Contains(body, `"IV1"`) || strings.Contains(body, `"SA1"`) {
		t.Errorf("the ivanti viewer's advisories: %s; want IV1 only", body)
	}
	for _, path := range []string{"/board", "/board.csv"} {
		_, body := v.do("GET", path, scoped, "", "")
		if !strings.Contains(body, "IV1") || strings.Contains(body, "SA1") {
			t.Errorf("%s for the ivanti viewer shows:\n%s\nwant IV1's cases only", path, body)
		}
	}
	for _, path := range []string{"/api/v1/orgs", "/api/v1/rejected", "/outbox"} {
		if resp, _ := v.do("GET", path, scopedOps, "", ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s for the ivanti operator: %d, want 403", path, resp.StatusCode)
		}
	}
	if resp, body := v.do("POST", "/api/v1/orgs", scopedOps, "application/json", `{"name":"X","contacts":[{"email":"x@x.test"}]}`); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(body, "ivanti") {
		t.Errorf("the ivanti operator creating an org: %d %s; want 403 naming its publisher", resp.StatusCode, body)
	}
}
