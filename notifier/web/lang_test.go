package web

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heed-dev/heed/notifier/web/headless"
	"github.com/heed-dev/heed/templates/pagecheck"
)

// getIn opens u with the browser c, whose Accept-Language is accept.
func getIn(t *testing.T, c *http.Client, u, accept string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if accept != "" {
		req.Header.Set("Accept-Language", accept)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(t, resp)
}

func noRedirects(c *http.Client) *http.Client {
	n := *c
	n.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &n
}

var switchForm = regexp.MustCompile(`<form method="post" action="/lang"[^>]*><input type="hidden" name="csrf" value="([^"]*)"><input type="hidden" name="back" value="([^"]*)">`)

// TestOperatorChoosesTheLanguage: the pages follow the browser's
// Accept-Language until the operator presses the switch, a POST with the
// session's CSRF value that keeps the choice (also across signing out);
// ?lang= shows one page in the other language and stores nothing; the
// switch returns only to a page of this server.
func TestOperatorChoosesTheLanguage(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.withCases(2)
	client, csrf := v.signIn(token)
	if _, b := getIn(t, client, v.srv.URL+"/board", "ja-JP,ja;q=0.9,en;q=0.5"); !strings.Contains(b, `<html lang="ja">`) || !strings.Contains(b, "<h1>案件</h1>") {
		t.Errorf("board for a browser asking for Japanese:\n%s", b)
	}
	if _, b := getIn(t, client, v.srv.URL+"/board", "en-US,ja;q=0.3"); !strings.Contains(b, "<h1>Cases</h1>") {
		t.Errorf("board for a browser asking for English first:\n%s", b)
	}
	resp, b := getIn(t, client, v.srv.URL+"/advisories?lang=ja", "en")
	if !strings.Contains(b, "<h1>勧告</h1>") || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("?lang=ja: Set-Cookie %q; page:\n%s", resp.Header.Get("Set-Cookie"), b)
	}
	m := switchForm.FindStringSubmatch(b)
	if m == nil || m[1] != csrf || m[2] != "/advisories" {
		t.Fatalf("the switch on /advisories?lang=ja: %q; want the session's CSRF value and back to /advisories (without ?lang)", m)
	}

	post := func(form url.Values) *http.Response {
		t.Helper()
		r, err := noRedirects(client).PostForm(v.srv.URL+"/lang", form)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, r)
		return r
	}
	if r := post(url.Values{"lang": {"ja"}, "back": {"/advisories"}}); r.StatusCode != http.StatusForbidden || r.Header.Get("Set-Cookie") != "" {
		t.Errorf("the switch without the CSRF value: %d, Set-Cookie %q; want 403 and nothing kept", r.StatusCode, r.Header.Get("Set-Cookie"))
	}
	if r := post(url.Values{"lang": {"fr"}, "csrf": {csrf}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("lang=fr: %d, want 400", r.StatusCode)
	}
	for back, want := range map[string]string{"/advisories?x=1": "/advisories?x=1", "//evil.test/x": "/board", "https://evil.test/": "/board",
		`/\evil.test`: "/board", "": "/board", "advisories": "/board"} {
		if r := post(url.Values{"lang": {"en"}, "csrf": {csrf}, "back": {back}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != want {
			t.Errorf("back=%q: %d to %q, want 303 to %q", back, r.StatusCode, r.Header.Get("Location"), want)
		}
	}
	if r := post(url.Values{"lang": {"ja"}, "csrf": {csrf}, "back": {"/board"}}); !strings.Contains(r.Header.Get("Set-Cookie"), "heed_lang=ja") {
		t.Errorf("the switch to Japanese keeps nothing: Set-Cookie %q", r.Header.Get("Set-Cookie"))
	}
	if _, b := getIn(t, client, v.srv.URL+"/board", "en"); !strings.Contains(b, "<h1>案件</h1>") || !strings.Contains(b, "サインアウト") {
		t.Errorf("after choosing Japanese, a browser asking for English still gets:\n%s", b)
	}
	// Signed out, the sign-in page keeps the choice.
	if r, err := client.PostForm(v.srv.URL+"/logout", url.Values{"csrf": {csrf}}); err != nil || r.Request.URL.Path != "/login" {
		t.Fatalf("sign out: %v %v", r, err)
	}
	if _, b := getIn(t, client, v.srv.URL+"/login", "en"); !strings.Contains(b, "<h1>Heed 運用者のサインイン</h1>") {
		t.Errorf("sign-in page after choosing Japanese:\n%s", b)
	}
}

// TestSignInPageSwitch: the sign-in page's own switch is a link (?lang=,
// nothing kept), and signing in from the page it shows keeps that choice.
func TestSignInPageSwitch(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	_, b := getIn(t, client, v.srv.URL+"/login", "")
	if !strings.Contains(b, `href="/login?lang=ja"`) || strings.Contains(b, `name="lang"`) {
		t.Errorf("English sign-in page: want a link to the Japanese one and no language field:\n%s", b)
	}
	resp, b := getIn(t, client, v.srv.URL+"/login?lang=ja", "")
	if resp.Header.Get("Set-Cookie") != "" || !strings.Contains(b, `<input type="hidden" name="lang" value="ja">`) || !strings.Contains(b, "トークン") {
		t.Errorf("/login?lang=ja: Set-Cookie %q, page:\n%s", resp.Header.Get("Set-Cookie"), b)
	}
	r, err := client.PostForm(v.srv.URL+"/login", url.Values{"token": {"wrong"}, "lang": {"ja"}})
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, r); r.StatusCode != http.StatusUnauthorized || !strings.Contains(b, "トークンが違います。") {
		t.Errorf("a wrong token from the Japanese page: %d\n%s", r.StatusCode, b)
	}
	r, err = client.PostForm(v.srv.URL+"/login", url.Values{"token": {token}, "lang": {"ja"}})
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, r); r.Request.URL.Path != "/board" || !strings.Contains(b, "<h1>案件</h1>") {
		t.Errorf("signed in from the Japanese page, the board is:\n%s", b)
	}
}

// TestEveryOperatorPageInJapanese opens every operator page the server
// registers, and an error page, with Japanese chosen: each is Japanese
// and shows none of the catalog's English sentences.
func TestEveryOperatorPageInJapanese(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.notifiedCase("VPN flaw")
	client, csrf := v.signIn(v.roleTokens()["operator"]) // named "ops": the admin's name is also a role's English word
	if r, err := client.PostForm(v.srv.URL+"/lang", url.Values{"lang": {"ja"}, "csrf": {csrf}}); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("choose Japanese: %v %v", r, err)
	}
	for _, path := range append(v.pagePaths(), "/orgs/nope", "/outbox/999999") {
		resp, body := getIn(t, client, v.srv.URL+path, "en")
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			continue
		}
		if !strings.Contains(body, `<html lang="ja">`) {
			t.Errorf("%s (%d): not in Japanese", path, resp.StatusCode)
		}
		if left := pagecheck.LeftoverEnglish(body); len(left) > 0 {
			t.Errorf("%s in Japanese still says, in English:\n  %s", path, strings.Join(left, "\n  "))
		}
	}
}

// TestLanguageSwitchInBrowser: in headless Chromium, an operator switches
// the sign-in page to Japanese, signs in, finds the board and the advisory
// in Japanese, switches back to English with the button on the page, and
// leaves screenshots of both in the test's output folder (docs/OPERATING.md
// shows them: HEED_TEST_OUT=$PWD/docs go test ./notifier/web -run
// TestLanguageSwitchInBrowser writes them there).
func TestLanguageSwitchInBrowser(t *testing.T) {
	v, _ := uptakeHistory(t)
	ctx := headless.Start(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(v.srv.URL+"/login"),
		chromedp.Click(chromedp.ID("lang-switch")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"] #token`)),
		chromedp.SetValue(chromedp.ID("token"), token),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"] #sign-out`)),
	)
	if err != nil {
		t.Fatalf("sign in from the Japanese sign-in page: %v", err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || h1 != "案件" {
		t.Errorf("the board's heading %q, %v; want 案件", h1, err)
	}
	headless.Screenshot(ctx, t, "board-ja.png")
	if err := chromedp.Do(ctx, chromedp.Navigate(v.srv.URL+"/advisories/SA1"), chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"] svg.uptake`))); err != nil {
		t.Fatalf("the advisory's page in Japanese: %v", err)
	}
	headless.Screenshot(ctx, t, "advisory-ja.png")
	// The switch returns to the same page, in English, and the choice holds.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] svg.uptake`)),
		chromedp.Navigate(v.srv.URL+"/board"), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #sign-out`))); err != nil {
		t.Fatalf("switch back to English: %v", err)
	}
	if h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1"))); err != nil || h1 != "Cases" {
		t.Errorf("the board's heading after switching back %q, %v; want Cases", h1, err)
	}
	headless.Screenshot(ctx, t, "board-en.png")
}
