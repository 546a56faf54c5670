package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// notifiedCase opens a case of Acme for an advisory with this title and
// returns the path of the link in its notice.
func (v *env) notifiedCase(title string) string {
	t := v.t
	t.Helper()
	ctx := context.Background()
	org, err := v.engine.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Acme", Contacts: []subscribers.ContactSpec{{Email: "sec@acme.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.engine.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.engine.Cases.ApplyAdvisory(ctx, &advisory.Advisory{ID: "SA1", Revision: "1", Format: "heed", Title: title, Severity: "high",
		Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Status: advisory.StatusAffected}}}); err != nil {
		t.Fatal(err)
	}
	var mails []store.Mail
	var full store.Mail
	if err := v.db.View(ctx, func(tx *store.Tx) (err error) {
		if mails, err = tx.Mails(store.MailFilter{}); err != nil || len(mails) == 0 {
			return err
		}
		full, err = tx.Mail(mails[0].ID)
		return err
	}); err != nil || len(mails) != 1 {
		t.Fatalf("outbox = %d mails, %v; want the notice", len(mails), err)
	}
	msg, err := parseMessage(full.Message)
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`http://heed\.test(/ack/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`).FindStringSubmatch(msg.text)
	if link == nil {
		t.Fatalf("no link in the notice:\n%s", msg.text)
	}
	return link[1]
}

// TestAckGETWithAnyQueryRecordsNothing guards the first promise of
// docs/PROMISES.md: mail scanners open links, with whatever query string a
// rewritten link carries, so a GET of /ack/{token} shows the case and
// records nothing, even when it carries the answer form's fields and the
// browser's own CSRF value.
func TestAckGETWithAnyQueryRecordsNothing(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	ctx := context.Background()
	path := v.notifiedCase(`flaw`)
	var mails []store.Mail

	jar, _ := cookiejar.New(nil)
	scanner := &http.Client{Jar: jar}
	open := func(method, query string) string {
		req, _ := http.NewRequest(method, v.srv.URL+path+query, nil)
		resp, err := scanner.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", method, query, resp.StatusCode)
		}
		return string(b)
	}
	csrf := csrfField.FindStringSubmatch(open("GET", ""))
	if csrf == nil {
		t.Fatal("the page has no CSRF field")
	}
	for _, q := range []url.Values{
		{"status": {"patched"}},
		{"status": {"patched"}, "csrf": {csrf[1]}},
		{"status": {"not_affected"}, "note": {"scanner"}, "csrf": {csrf[1]}},
		{"status": {"mitigated"}, "csrf": {csrf[1]}},
		{"status": {"scheduled"}, "until": {"2026-06-01"}, "csrf": {csrf[1]}},
	} {
		open("GET", "?"+q.Encode())
		open("HEAD", "?"+q.Encode())
	}

	var list struct {
		Cases []struct {
			State          string          `json:"state"`
			Answer         json.RawMessage `json:"answer"`
			NextReminderAt *string         `json:"next_reminder_at"`
		} `json:"cases"`
	}
	_, body := v.do("GET", "/api/v1/cases", token, "", "")
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Cases) != 1 {
		t.Fatalf("cases: %v\n%s", err, body)
	}
	if c := list.Cases[0]; c.State != store.CaseOpen || (len(c.Answer) != 0 && string(c.Answer) != "null") || c.NextReminderAt == nil {
		t.Errorf("after GETs carrying answers the case is %s with answer %s, next reminder %v; want open, unanswered, still reminded",
			c.State, c.Answer, c.NextReminderAt)
	}
	if err := v.db.View(ctx, func(tx *store.Tx) (err error) { mails, err = tx.Mails(store.MailFilter{}); return err }); err != nil {
		t.Fatal(err)
	}
	if len(mails) != 1 || mails[0].State != store.MailHeld {
		t.Errorf("after GETs the outbox is %+v; want the one notice, still held", mails)
	}
}
