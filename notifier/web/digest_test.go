package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// answerThrough opens an answer link as a browser does and posts status
// through the page's form.
func (v *env) answerThrough(link, status string) {
	v.t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(link)
	if err != nil {
		v.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	field := csrfField.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || field == nil {
		v.t.Fatalf("GET %s: %d, no form\n%s", link, resp.StatusCode, page)
	}
	resp, err = browser.PostForm(link, url.Values{"status": {status}, "csrf": {string(field[1])}})
	if err != nil {
		v.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		v.t.Fatalf("POST %s: %d", link, resp.StatusCode)
	}
}

// runEngine runs the engine's loops until the test ends.
func (v *env) runEngine() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); v.engine.Run(ctx) }()
	v.t.Cleanup(func() { cancel(); wg.Wait() })
}

// TestDailyDigestListsEachDueCaseWithItsOwnLink: an organization in Tokyo
// with a daily digest at 09:00 has three reminders fall due during one
// day. It gets one mail, at 09:00 the next morning, listing the three most
// urgent first; each link answers its own case.
func TestDailyDigestListsEachDueCaseWithItsOwnLink(t *testing.T) {
	t.Parallel()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	day0 := time.Date(2026, 5, 4, 0, 0, 0, 0, tokyo)
	clk := clock.NewFake(day0)
	v := newEnv(t, func(c *notifier.Config) {
		c.Clock = clk
		c.PublicURL = v0URL
		// Medium reminded after three days, like high, so the three fall due the same day.
		c.Policies = map[string]notifier.Policy{"medium": {Severity: "medium", Reminders: []time.Duration{72 * time.Hour},
			Repeat: 14 * 24 * time.Hour, EscalateAfter: 3, Due: 60 * 24 * time.Hour}}
	})
	ctx := context.Background()
	org, err := v.engine.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Example KK", Timezone: "Asia/Tokyo",
		Digest: "daily", DigestTime: "09:00", Contacts: []subscribers.ContactSpec{{Email: "sec@example.jp"}, {Email: "ciso@example.jp", Role: "escalation"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.engine.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}}); err != nil {
		t.Fatal(err)
	}
	v.runEngine()
	apply := func(at time.Time, id, severity string) {
		clk.Set(at)
		if _, err := v.engine.Cases.ApplyAdvisory(ctx, &advisory.Advisory{ID: id, Revision: "1", Format: "heed",
			Title: id + " flaw", Severity: severity, Affected: []advisory.Affected{{Vendor: "Pulse Secure",
				Product: "Pulse Connect Secure", Status: advisory.StatusAffected}}}); err != nil {
			t.Fatal(err)
		}
	}
	// Reminders fall due on day 3 at 14:00 (critical, one day after day 2),
	// 16:00 (high) and 20:00 (medium), Tokyo time.
	apply(day0.Add(16*time.Hour), "A-HIGH", "high")
	apply(day0.Add(20*time.Hour), "A-MEDIUM", "medium")
	apply(day0.Add(2*24*time.Hour+14*time.Hour), "A-CRITICAL", "critical")

	digests := func() []store.Mail {
		var ms []store.Mail
		v.db.View(ctx, func(tx *store.Tx) (err error) { ms, err = tx.Mails(store.MailFilter{}); return err })
		var out []store.Mail
		for _, m := range ms {
			if m.Kind == "digest" {
				out = append(out, m)
			}
		}
		return out
	}
	held := time.Date(2026, 5, 8, 9, 0, 0, 0, tokyo)
	clk.Set(time.Date(2026, 5, 7, 21, 0, 0, 0, tokyo))
	eventually.True(t, 5*time.Second, "the three reminders held for 09:00", func() bool {
		var cs []store.Case
		v.db.View(ctx, func(tx *store.Tx) (err error) { cs, err = tx.Cases(store.CaseFilter{OrgID: org.ID}); return err })
		for _, c := range cs {
			if !c.NextReminderAt.Equal(held) {
				return false
			}
		}
		return len(cs) == 3
	})
	if d := digests(); len(d) != 0 {
		t.Fatalf("a digest went before 09:00: %+v", d)
	}

	clk.Set(held)
	eventually.True(t, 5*time.Second, "the digest at 09:00", func() bool { return len(digests()) > 0 })
	d := digests()
	if len(d) != 1 || d[0].Recipient != "sec@example.jp" || !d[0].CreatedAt.Equal(held) {
		t.Fatalf("digests = %+v; want one, to the primary contact, at 09:00 in Tokyo", d)
	}
	var full store.Mail
	v.db.View(ctx, func(tx *store.Tx) (err error) { full, err = tx.Mail(d[0].ID); return err })
	msg, err := parseMessage(full.Message)
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(v0URL)+`/ack/\S+$`).FindAllString(msg.text, -1)
	order := []string{"A-CRITICAL", "A-HIGH", "A-MEDIUM"}
	for i, id := range order[1:] {
		if strings.Index(msg.text, id) < strings.Index(msg.text, order[i]) {
			t.Errorf("%s comes before %s: most urgent first", id, order[i])
		}
	}
	if len(links) != 3 {
		t.Fatalf("links in the digest: %q; want 3\n%s", links, msg.text)
	}
	statuses := []string{"patched", "mitigated", "patched"}
	for i, link := range links {
		v.answerThrough(strings.Replace(link, v0URL, v.srv.URL, 1), statuses[i])
	}
	for i, id := range order {
		var c store.Case
		var carried []store.Mail
		v.db.View(ctx, func(tx *store.Tx) (err error) {
			if c, err = tx.CaseFor(id, org.ID); err != nil {
				return err
			}
			carried, err = tx.DigestsOf(c.ID)
			return err
		})
		if c.Answer == nil || c.Answer.Status != statuses[i] {
			t.Errorf("%s answered %+v; want %s, through its own link", id, c.Answer, statuses[i])
		}
		if c.RemindersSent != 1 || len(carried) != 1 || carried[0].ID != d[0].ID {
			t.Errorf("%s: %d reminders sent, carried by %+v; want the digest recorded as its reminder", id, c.RemindersSent, carried)
		}
	}
}

// v0URL is the public address in the links of the digest test's mail,
// replaced by the test server's.
const v0URL = "http://heed.test"
