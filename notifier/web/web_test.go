package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/prometheus/client_golang/prometheus"
)

const token = "web-test-admin-token-0123"

type env struct {
	t      testing.TB
	server *Server
	srv    *httptest.Server
	engine *notifier.Engine
	db     *store.DB
}

func newEnv(t testing.TB, opts ...func(*notifier.Config)) *env {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "heed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := notifier.Config{DB: db, Matcher: subscribers.NewMatcher(subscribers.DefaultAliases()),
		Clock: clock.NewFake(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)), PublicURL: "http://heed.test",
		From: "Heed <heed@heed.test>", AckSecret: bytes.Repeat([]byte("s"), 32), Hold: true,
		Publishers: testPublishers(t, "default", "ivanti")}
	for _, o := range opts {
		o(&cfg)
	}
	e, err := notifier.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Access.EnsureAdmin(context.Background(), token, io.Discard); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Records: db, Orgs: e.Orgs, Answers: e.Answers, Links: e.Links, Access: e.Access, Approvals: e.Cases, Subjects: e.Intake, Review: e.Review, KEV: e.Cases, Now: e.Now,
		Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &env{t: t, server: s, srv: srv, engine: e, db: db}
}

func (v *env) do(method, path, auth, ctype, body string) (*http.Response, string) {
	v.t.Helper()
	req, _ := http.NewRequest(method, v.srv.URL+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestAPIIsClosedWithoutItsToken(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	for _, auth := range []string{"", "wrong-token-wrong-token", token + "x"} {
		resp, body := v.do("GET", "/api/v1/orgs", auth, "", "")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "admin token") {
			t.Errorf("token %q: %d %s; want 401 naming the admin token", auth, resp.StatusCode, body)
		}
	}
	resp, _ := v.do("GET", "/api/v1/orgs", token, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with the token: %d", resp.StatusCode)
	}
	for _, h := range []string{"Content-Security-Policy", "Referrer-Policy", "X-Content-Type-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("response lacks %s", h)
		}
	}
}

func TestAPIClearErrors(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	tests := []struct {
		name, method, path, ctype, body string
		status                          int
		want                            string
	}{
		{"unknown field", "POST", "/api/v1/orgs", "application/json", `{"name":"A","contact":[]}`, 400, "unknown field"},
		{"no primary", "POST", "/api/v1/orgs", "application/json", `{"name":"A","contacts":[{"email":"x@y.test","role":"escalation"}]}`, 400, "primary contact"},
		{"bad email", "POST", "/api/v1/orgs", "application/json", `{"name":"A","contacts":[{"email":"not an address"}]}`, 400, "contacts[0].email"},
		{"bad timezone", "POST", "/api/v1/orgs", "application/json", `{"name":"A","timezone":"Mars/Olympus","contacts":[{"email":"x@y.test"}]}`, 400, "timezone"},
		{"unknown org", "GET", "/api/v1/orgs/org_nope", "", "", 404, "not found"},
		{"bad state", "GET", "/api/v1/cases?state=silent", "", "", 400, "state"},
		{"xml inventory", "PUT", "/api/v1/orgs/org_nope/inventory", "application/xml", "<x/>", 415, "text/csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := v.do(tt.method, tt.path, token, tt.ctype, tt.body)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s; want %d containing %q", resp.StatusCode, body, tt.status, tt.want)
			}
		})
	}
}

func TestBrokenCSVImportsNothing(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	resp, body := v.do("POST", "/api/v1/orgs", token, "application/json", `{"name":"Acme","contacts":[{"email":"sec@acme.test"}]}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var created struct{ ID string }
	json.Unmarshal([]byte(body), &created)
	good := "vendor,product,version,cpe,purl,asset\nFortinet,FortiOS,6.4.2,,,fw1\n"
	if resp, body := v.do("PUT", "/api/v1/orgs/"+created.ID+"/inventory", token, "text/csv", good); resp.StatusCode != 200 {
		t.Fatalf("good CSV: %d %s", resp.StatusCode, body)
	}
	broken := good + "Fortinet,FortiOS,7.0.1,,,fw2\nFortinet,FortiOS,\"7.0,,,fw3\n"
	resp, body = v.do("PUT", "/api/v1/orgs/"+created.ID+"/inventory", token, "text/csv", broken)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "line 4") {
		t.Errorf("broken CSV: %d %s; want 400 naming line 4", resp.StatusCode, body)
	}
	_, body = v.do("GET", "/api/v1/orgs/"+created.ID+"/inventory", token, "", "")
	if !strings.Contains(body, "6.4.2") || strings.Contains(body, "7.0.1") {
		t.Errorf("after a refused import the inventory changed: %s", body)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestAckPage(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	ctx := context.Background()
	path := v.notifiedCase(`<script>alert("x")</script> flaw`)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	get := func() string {
		resp, err := browser.Get(v.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET ack: %d", resp.StatusCode)
		}
		return string(b)
	}
	page := get()
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("advisory title not escaped on the page")
	}
	get() // a mail scanner opening the link twice changes nothing
	caseState := func() store.Case {
		var cs []store.Case
		v.db.View(ctx, func(tx *store.Tx) (err error) { cs, err = tx.Cases(store.CaseFilter{}); return err })
		return cs[0]
	}
	if c := caseState(); c.State != store.CaseOpen || c.Answer != nil {
		t.Fatalf("GET changed the case: %+v", c)
	}

	csrf := csrfField.FindStringSubmatch(page)[1]
	post := func(client *http.Client, form url.Values) (int, string) {
		resp, err := client.PostForm(v.srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Another site cannot post for the person: it has neither the cookie nor the field.
	if code, _ := post(http.DefaultClient, url.Values{"status": {"patched"}, "csrf": {csrf}}); code != http.StatusForbidden {
		t.Errorf("POST without the cookie: %d, want 403", code)
	}
	if code, _ := post(browser, url.Values{"status": {"patched"}, "csrf": {"forged"}}); code != http.StatusForbidden {
		t.Errorf("POST with a wrong csrf field: %d, want 403", code)
	}
	if code, body := post(browser, url.Values{"status": {"not_affected"}, "note": {"we are fine"}, "csrf": {csrf}}); code != http.StatusBadRequest || !strings.Contains(body, "why") {
		t.Errorf("not_affected without a justification: %d; want 400 asking why", code)
	}
	if code, _ := post(browser, url.Values{"status": {"not_affected"}, "justification": {"trust_me"}, "csrf": {csrf}}); code != http.StatusBadRequest {
		t.Errorf("not_affected with a justification outside the CSAF/OpenVEX set: %d; want 400", code)
	}
	if c := caseState(); c.Answer != nil {
		t.Fatalf("refused posts changed the case: %+v", c)
	}
	code, body := post(browser, url.Values{"status": {"not_affected"}, "justification": {"vulnerable_code_not_in_execute_path"},
		"note": {"=HYPERLINK(\"http://evil.test\") we run 9.1R1"}, "csrf": {csrf}})
	if code != http.StatusOK || !strings.Contains(body, `role="status"`) {
		t.Fatalf("answer: %d\n%s", code, body)
	}
	c := caseState()
	if c.State != store.CaseAnswered || c.Answer.Status != "not_affected" || c.Answer.Justification != "vulnerable_code_not_in_execute_path" ||
		c.Answer.IP != "127.0.0.1" || c.Answer.UserAgent == "" {
		t.Errorf("recorded answer = %+v", c.Answer)
	}
	if !strings.Contains(body, "The vulnerable code cannot be executed") {
		t.Errorf("the page does not word the justification it recorded:\n%s", body)
	}
	if _, detail := v.do("GET", "/api/v1/cases/"+c.ID, token, "", ""); !regexp.MustCompile(`"justification": ?"vulnerable_code_not_in_execute_path"`).MatchString(detail) {
		t.Errorf("the API's case shows no justification: %s", detail)
	}

	// The agency's export has the answer, and the note cannot run as a formula.
	resp, csvBody := v.do("GET", "/api/v1/cases?format=csv", token, "", "")
	if resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(csvBody, "not_affected") ||
		!strings.Contains(csvBody, `'=HYPERLINK`) || !strings.Contains(csvBody, "vulnerable_code_not_in_execute_path") {
		t.Errorf("CSV export:\n%s", csvBody)
	}

	// A link edited to point elsewhere is refused.
	resp, _ = http.Get(v.srv.URL + path + "x")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("edited link: %d, want 404", resp.StatusCode)
	}
}

func TestOperatorPagesNeedLogin(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	for _, p := range []string{"/board", "/outbox", "/outbox/1"} {
		resp, _ := v.do("GET", p, "", "", "")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("%s without login: %d %s; want a redirect to /login", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, _ := v.do("POST", "/login", "", "application/x-www-form-urlencoded", "token=wrong")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("login with a wrong token: %d", resp.StatusCode)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	r, err := client.PostForm(v.srv.URL+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK || r.Request.URL.Path != "/board" {
		t.Errorf("after login: %d at %s\n%s", r.StatusCode, r.Request.URL.Path, b)
	}
}

func TestUpdateOrgAndListAdvisories(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	_, body := v.do("POST", "/api/v1/orgs", token, "application/json",
		`{"name":"Acme","contacts":[{"email":"old@acme.test"},{"email":"boss@acme.test","role":"escalation"}]}`)
	var created struct{ ID string }
	json.Unmarshal([]byte(body), &created)

	resp, body := v.do("PUT", "/api/v1/orgs/"+created.ID, token, "application/json",
		`{"name":"Acme KK","language":"ja","timezone":"Asia/Tokyo","contacts":[{"email":"new@acme.test","name":"Hanako"},{"email":"boss@acme.test","role":"escalation"}]}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update: %d %s", resp.StatusCode, body)
	}
	var org orgJSON
	json.Unmarshal([]byte(body), &org)
	var emails []string
	for _, c := range org.Contacts {
		emails = append(emails, c.Email+"/"+c.Role)
	}
	if org.Name != "Acme KK" || org.Language != "ja" || strings.Join(emails, ",") != "new@acme.test/primary,boss@acme.test/escalation" {
		t.Errorf("after update: %+v", org)
	}
	if resp, body := v.do("PUT", "/api/v1/orgs/"+created.ID, token, "application/json", `{"name":"Acme","contacts":[]}`); resp.StatusCode != 400 || !strings.Contains(body, "primary contact") {
		t.Errorf("update without contacts: %d %s", resp.StatusCode, body)
	}
	if resp, _ := v.do("PUT", "/api/v1/orgs/org_nope", token, "application/json", `{"name":"X","contacts":[{"email":"a@b.test"}]}`); resp.StatusCode != 404 {
		t.Errorf("update of an unknown org: %d", resp.StatusCode)
	}

	ctx := context.Background()
	v.engine.Orgs.ReplaceInventory(ctx, created.ID, []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}})
	v.engine.Cases.ApplyAdvisory(ctx, &advisory.Advisory{ID: "SA1", Revision: "1", Format: "heed", Title: "t", Severity: "high",
		Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Status: advisory.StatusAffected}}})
	v.engine.Cases.ApplyAdvisory(ctx, &advisory.Advisory{ID: "SA2", Revision: "1", Format: "heed", Title: "t2", Severity: "low",
		Affected: []advisory.Affected{{Vendor: "Nobody", Product: "Nothing", Status: advisory.StatusAffected}}})
	var list struct{ Advisories []advisoryJSON }
	_, body = v.do("GET", "/api/v1/advisories", token, "", "")
	json.Unmarshal([]byte(body), &list)
	got := map[string]map[string]int{}
	for _, a := range list.Advisories {
		got[a.ID] = a.Cases
	}
	if len(got) != 2 || got["SA1"]["open"] != 1 || len(got["SA2"]) != 0 {
		t.Errorf("advisories = %s", body)
	}
	// The new primary contact got the notice, not the removed one.
	var mails []store.Mail
	v.db.View(ctx, func(tx *store.Tx) (err error) { mails, err = tx.Mails(store.MailFilter{}); return err })
	if len(mails) != 1 || mails[0].Recipient != "new@acme.test" {
		t.Errorf("mails after the update = %+v", mails)
	}
}
