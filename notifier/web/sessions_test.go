package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
)

func readAll(t testing.TB, r *http.Response) string {
	t.Helper()
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// signIn signs in with tok and returns the browser (its cookie jar) and
// the sign-out form's CSRF value from the board.
func (v *env) signIn(tok string) (*http.Client, string) {
	v.t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	r, err := client.PostForm(v.srv.URL+"/login", url.Values{"token": {tok}})
	if err != nil {
		v.t.Fatal(err)
	}
	b := readAll(v.t, r)
	if r.Request.URL.Path != "/board" {
		v.t.Fatalf("sign-in with a good token ended at %s:\n%s", r.Request.URL.Path, b)
	}
	m := regexp.MustCompile(`<form method="post" action="/logout"[^>]*>[\s\S]*?name="csrf" value="([^"]+)"[\s\S]*?Sign out</button>`).FindStringSubmatch(b)
	if m == nil {
		v.t.Fatalf("the board has no sign-out button:\n%s", b)
	}
	return client, m[1]
}

// opens reports whether the browser's session cookie still opens the board
// (without following the redirect to the sign-in form).
func opens(t *testing.T, client *http.Client, base string) bool {
	t.Helper()
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r, err := c.Get(base + "/board")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, r)
	return r.StatusCode == http.StatusOK
}

// TestSignOutEndsTheServerSession: after signing out, the very cookie the
// browser had opens nothing, so a copy of it (a shared machine, a stolen
// cookie) is worth nothing either.
func TestSignOutEndsTheServerSession(t *testing.T) {
	v := newEnv(t)
	client, csrf := v.signIn(token)
	u, _ := url.Parse(v.srv.URL)
	cookies := client.Jar.Cookies(u)
	if len(cookies) != 1 {
		t.Fatalf("cookies after sign-in: %v", cookies)
	}
	stolen := *cookies[0]

	// Another page's form, without the CSRF value, signs nobody out.
	r, err := client.PostForm(v.srv.URL+"/logout", url.Values{"csrf": {"forged"}})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, r)
	if r.StatusCode != http.StatusForbidden || !opens(t, client, v.srv.URL) {
		t.Fatalf("sign-out with a wrong CSRF value: %d; want 403 and the session kept", r.StatusCode)
	}
	r, err = client.PostForm(v.srv.URL+"/logout", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, r)
	if r.Request.URL.Path != "/login" {
		t.Errorf("after sign-out: at %s, want /login", r.Request.URL.Path)
	}
	req, _ := http.NewRequest("GET", v.srv.URL+"/board", nil)
	req.AddCookie(&http.Cookie{Name: stolen.Name, Value: stolen.Value})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("the old cookie after sign-out: %d to %q; want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestRevokingWorksAtOnce: a revoked token opens nothing from the next
// request on, through the API or through a session it opened; an admin can
// list sessions and end one.
func TestRevokingWorksAtOnce(t *testing.T) {
	v := newEnv(t)
	_, body := v.do("POST", "/api/v1/tokens", token, "application/json", `{"name":"alice","role":"viewer"}`)
	var made struct{ Token string }
	json.Unmarshal([]byte(body), &made)
	if resp, _ := v.do("GET", "/api/v1/cases", made.Token, "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("new viewer token: %d", resp.StatusCode)
	}
	browser, _ := v.signIn(made.Token)
	second, _ := v.signIn(token)

	_, body = v.do("GET", "/api/v1/sessions", token, "", "")
	var list struct {
		Sessions []sessionJSON
	}
	json.Unmarshal([]byte(body), &list)
	if len(list.Sessions) != 2 || list.Sessions[0].Token != "admin" || list.Sessions[1].Token != "alice" {
		t.Fatalf("sessions = %s; want admin's and alice's, newest first", body)
	}
	if resp, body := v.do("DELETE", "/api/v1/sessions/"+itoa(list.Sessions[0].ID), token, "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("ending a session: %d %s", resp.StatusCode, body)
	}
	if opens(t, second, v.srv.URL) {
		t.Error("a session ended by an admin still opens the board")
	}

	if resp, body := v.do("DELETE", "/api/v1/tokens/alice", token, "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	if resp, _ := v.do("GET", "/api/v1/cases", made.Token, "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token on the API: %d, want 401", resp.StatusCode)
	}
	if opens(t, browser, v.srv.URL) {
		t.Error("a session of a revoked token still opens the board")
	}
	resp, body := v.do("DELETE", "/api/v1/tokens/admin", token, "", "")
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "http.admin_token") {
		t.Errorf("revoking the configured admin token: %d %s; want 409 saying it comes from http.admin_token", resp.StatusCode, body)
	}
}

// TestPageFormsNeedTheSessionsCSRF: a form of an operator page that
// changes something is refused, and changes nothing, without the CSRF value
// of the session that posts it; with it, it goes through, audited as made
// through the page by the session's token.
func TestPageFormsNeedTheSessionsCSRF(t *testing.T) {
	v := newEnv(t)
	posted := 0
	v.server.page("POST /test-form", needOperator, func(w http.ResponseWriter, r *http.Request) error {
		posted++
		who, _ := store.ActorOf(r.Context())
		w.Write([]byte(who.Name + " via " + who.Via))
		return nil
	})
	client, csrf := v.signIn(token)
	for _, bad := range []string{"", "forged", csrf + "x"} {
		r, err := client.PostForm(v.srv.URL+"/test-form", url.Values{"csrf": {bad}})
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, r)
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("page form with csrf %q: %d, want 403", bad, r.StatusCode)
		}
	}
	if posted != 0 {
		t.Fatalf("a form without the session's CSRF value reached its handler %d times", posted)
	}
	r, err := client.PostForm(v.srv.URL+"/test-form", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, r); r.StatusCode != http.StatusOK || b != "admin via page" {
		t.Errorf("page form with the session's CSRF value: %d %q", r.StatusCode, b)
	}
}

// TestEveryPageHasSignOut opens every operator page (GET) the server
// registers, signed in, and finds the Sign out button on each HTML page
// but the mail's own HTML, served bare in a sandboxed frame.
func TestEveryPageHasSignOut(t *testing.T) {
	v := newEnv(t)
	v.notifiedCase("VPN flaw")
	client, _ := v.signIn(token)
	for _, path := range v.pagePaths() {
		resp, err := client.Get(v.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			continue
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="sign-out"`) {
			t.Errorf("page %s: %d, without the Sign out button", path, resp.StatusCode)
		}
	}
}

// pagePaths is an address of every operator page (GET) the server
// registers, for the one case notifiedCase opened: a test of every page
// covers the pages added later too.
func (v *env) pagePaths() []string {
	t := v.t
	t.Helper()
	var orgID, caseID string
	var mailID int64
	v.db.View(context.Background(), func(tx *store.Tx) error {
		cases, err := tx.Cases(store.CaseFilter{})
		if err != nil || len(cases) != 1 {
			t.Fatalf("cases: %v %v", cases, err)
		}
		orgID, caseID = cases[0].OrgID, cases[0].ID
		mails, err := tx.Mails(store.MailFilter{})
		mailID = mails[0].ID
		return err
	})
	ids := map[string]string{"/outbox/": fmt.Sprint(mailID), "/orgs/": orgID, "/advisories/": "SA1", "/cases/": caseID}
	var paths []string
	for _, r := range v.server.table {
		method, path, _ := strings.Cut(r.pattern, " ")
		if !r.page || method != "GET" {
			continue
		}
		path = strings.TrimSuffix(path, "{$}")
		if i := strings.Index(path, "{"); i >= 0 {
			id, ok := ids[path[:i]]
			if !ok {
				t.Errorf("page %s: give pagePaths an id for %s", r.pattern, path[:i])
				continue
			}
			path = path[:i] + id + path[strings.Index(path, "}")+1:]
		}
		paths = append(paths, path)
	}
	return paths
}

// TestNavigationShowsWhatTheRoleOpens: a viewer's pages do not offer the
// outbox, which would only answer 403; an admin's do.
func TestNavigationShowsWhatTheRoleOpens(t *testing.T) {
	v := newEnv(t)
	_, body := v.do("POST", "/api/v1/tokens", token, "application/json", `{"name":"watcher","role":"viewer"}`)
	var made struct{ Token string }
	json.Unmarshal([]byte(body), &made)
	for tok, want := range map[string]bool{token: true, made.Token: false} {
		client, _ := v.signIn(tok)
		r, err := client.Get(v.srv.URL + "/board")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(readAll(t, r), `href="/outbox"`); got != want {
			t.Errorf("board of %s links the outbox: %v, want %v", map[bool]string{true: "admin", false: "a viewer"}[want], got, want)
		}
	}
}
