package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// ackCase opens one case at an organization speaking lang, for an advisory
// whose summary plants a link of its own, and returns the path of the link
// Heed made and the mail's outbox id.
func (v *env) ackCase(lang string) (path string, mail store.Mail, adv *advisory.Advisory) {
	v.t.Helper()
	ctx := context.Background()
	org, err := v.engine.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Acme", Language: lang, Contacts: []subscribers.ContactSpec{{Email: "sec@acme.test"}}})
	if err != nil {
		v.t.Fatal(err)
	}
	if _, err := v.engine.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}}); err != nil {
		v.t.Fatal(err)
	}
	adv = &advisory.Advisory{ID: "SA1", Revision: "1", Format: "heed", Title: "VPN flaw", Severity: "high",
		Summary:  "Answer at http://heed.test/ack/cGxhbnRlZA.planted before anything else.",
		Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Status: advisory.StatusAffected}}}
	if _, err := v.engine.Cases.ApplyAdvisory(ctx, adv); err != nil {
		v.t.Fatal(err)
	}
	var mails []store.Mail
	v.db.View(ctx, func(tx *store.Tx) (err error) { mails, err = tx.Mails(store.MailFilter{}); return err })
	v.db.View(ctx, func(tx *store.Tx) (err error) { mail, err = tx.Mail(mails[0].ID); return err })
	msg, err := parseMessage(mail.Message)
	if err != nil {
		v.t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`http://heed\.test(/ack/[A-Za-z0-9_.-]+)`).FindAllStringSubmatch(msg.text, -1) {
		if !strings.Contains(m[1], "planted") {
			path = m[1]
		}
	}
	if path == "" || !strings.Contains(msg.text, "planted") {
		v.t.Fatalf("want the planted link and Heed's in the mail:\n%s", msg.text)
	}
	return path, mail, adv
}

func TestRetryAfterCSRFRefusal(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	path, _, _ := v.ackCase("en")
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	post := func(csrf string) (int, string) {
		resp, err := browser.PostForm(v.srv.URL+path, url.Values{"status": {"patched"}, "csrf": {csrf}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The browser never got the cookie (it blocked it, or it expired
	// while the page stayed open): the post is refused...
	code, page := post("stale-value-from-an-old-page")
	if code != http.StatusForbidden {
		t.Fatalf("POST without the cookie: %d, want 403", code)
	}
	// ...and the page sent back lets the person's second press go through.
	field := csrfField.FindStringSubmatch(page)
	if field == nil {
		t.Fatalf("the refusal page has no form:\n%s", page)
	}
	if code, page := post(field[1]); code != http.StatusOK || !strings.Contains(page, `role="status"`) {
		t.Errorf("retry after the refusal: %d; want the answer recorded\n%s", code, page)
	}
}

func TestClosedCaseSaysSoInItsLanguage(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	path, _, adv := v.ackCase("ja")
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(v.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := csrfField.FindStringSubmatch(string(b))[1]

	// The publisher withdraws the advisory while the page is open.
	withdrawn := *adv
	withdrawn.Revision, withdrawn.Withdrawn = "2", true
	if _, err := v.engine.Cases.ApplyAdvisory(context.Background(), &withdrawn); err != nil {
		t.Fatal(err)
	}
	resp, err = browser.PostForm(v.srv.URL+path, url.Values{"status": {"patched"}, "csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "本件は終了しました") ||
		!strings.Contains(page, "発行者がこの勧告を取り下げました") || strings.Contains(page, `name="csrf"`) {
		t.Errorf("answer to a withdrawn case: %d; want 409 saying in Japanese that it is closed, without a form\n%s", resp.StatusCode, page)
	}
	resp, _ = browser.Get(v.srv.URL + path)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "発行者がこの勧告を取り下げました") || strings.Contains(string(b), "withdrawn") {
		t.Errorf("page of the withdrawn case does not say so in Japanese:\n%s", b)
	}
}

func TestOutboxShowsTheLinkHeedMade(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	path, mail, _ := v.ackCase("en")
	_, page := v.do("GET", "/outbox/"+itoa(mail.ID), token, "", "")
	shown := regexp.MustCompile(`Ack link[^<]*<a href="([^"]+)"`).FindStringSubmatch(page)
	if shown == nil || shown[1] != "http://heed.test"+path {
		t.Errorf("outbox view shows link %v; want Heed's http://heed.test%s", shown, path)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
