package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/clock"
)

const day = 24 * time.Hour

var sa44101Path = "../../testdata/advisories/sa44101.heed.json"

// TestAdvisoryToAnswer is the whole loop: SA44101 published on NATS reaches
// exactly the organization running an affected version, reminds it on the
// critical schedule, escalates, and stops once it answers through its link.
func TestAdvisoryToAnswer(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	clk := clock.NewFake(testStart)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr), clk)

	affected := h.addOrg("Affected Corp", "sec@affected.test", "esc:ciso@affected.test")
	patched := h.addOrg("Patched Corp", "sec@patched.test")
	other := h.addOrg("Other Corp", "sec@other.test")
	silent := h.addOrg("Silent Corp", "sec@silent.test")
	h.putCSV(affected, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn1\n")
	h.putCSV(patched, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.4,,,vpn1\n")
	h.putCSV(other, "vendor,product,version,cpe,purl,asset\nFortinet,FortiOS,6.4.2,,,fw1\n")
	// Silent Corp never answers: its reminders show when a scheduler pass has run.
	h.putCSV(silent, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,8.3R7,,,vpn9\n")

	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))

	notices := mails.nextN(t, 2)
	if notices[0].To != "sec@affected.test" || notices[1].To != "sec@silent.test" {
		t.Fatalf("notices went to %s and %s, want sec@affected.test and sec@silent.test", notices[0].To, notices[1].To)
	}
	notice := notices[0]
	if !strings.Contains(notice.Subject, "SA44101") || !strings.Contains(notice.Text, "9.0R3.3") {
		t.Errorf("notice subject %q / text does not name the advisory and the version:\n%s", notice.Subject, notice.Text)
	}
	link := notice.ackLink(t)

	cs := h.cases("advisory=SA44101&org=" + affected)
	if len(cs) != 1 || cs[0].State != "open" || len(cs[0].Items) != 1 || cs[0].Items[0].Certainty != "affected" {
		t.Fatalf("case of the affected org = %+v", cs)
	}
	for _, org := range []string{patched, other} {
		if got := h.cases("org=" + org); len(got) != 0 {
			t.Errorf("org %s should have no case, has %+v", org, got)
		}
	}

	// SA44101 is known exploited, so the known_exploited schedule: +24h,
	// +48h, then every 48h; escalation from the 2nd.
	steps := []struct {
		at        time.Duration
		reminder  int
		escalated bool
	}{{24 * time.Hour, 1, false}, {48 * time.Hour, 2, true}, {96 * time.Hour, 3, true}}
	for _, s := range steps {
		clk.Set(testStart.Add(s.at))
		want := 2 // one each for the affected and the silent org
		if s.escalated {
			want = 3
		}
		got := mails.nextN(t, want)
		var toAffected []received
		for _, m := range got {
			if strings.HasSuffix(m.To, "@affected.test") {
				toAffected = append(toAffected, m)
			}
		}
		wantTo := []string{"sec@affected.test"}
		if s.escalated {
			wantTo = []string{"ciso@affected.test", "sec@affected.test"}
		}
		if len(toAffected) != len(wantTo) {
			t.Fatalf("reminder %d reached %d affected-org recipients, want %v", s.reminder, len(toAffected), wantTo)
		}
		for i, m := range toAffected {
			if m.To != wantTo[i] {
				t.Errorf("reminder %d went to %s, want %s", s.reminder, m.To, wantTo[i])
			}
			if !strings.Contains(m.Subject, "Reminder") {
				t.Errorf("reminder %d subject %q", s.reminder, m.Subject)
			}
			if m.To == "sec@affected.test" && m.InReplyTo != notice.MessageID {
				t.Errorf("reminder %d In-Reply-To %q, want the notice's %q", s.reminder, m.InReplyTo, notice.MessageID)
			}
		}
	}

	// Opening the link shows the case and changes nothing.
	page := fetch(t, h.http, link)
	if !strings.Contains(page, "SA44101") || !strings.Contains(page, `method="post"`) {
		t.Fatalf("ack page does not show the advisory and a form:\n%s", page)
	}
	if cs := h.cases("org=" + affected); cs[0].State != "open" || cs[0].Answer != nil {
		t.Fatalf("GET of the link changed the case: %+v", cs[0])
	}

	// A POST without the page's CSRF token is refused.
	resp, err := http.PostForm(link, url.Values{"status": {"patched"}})
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF token: status %d, want 403", resp.StatusCode)
	}

	// The person answers through the form.
	answered := h.postForm(t, link, page, url.Values{"status": {"patched"}, "note": {"upgraded to 9.0R3.4"}})
	if !strings.Contains(answered, "patched") {
		t.Errorf("answer page does not confirm:\n%s", answered)
	}
	cs = h.cases("org=" + affected)
	if cs[0].State != "answered" || cs[0].Answer == nil || cs[0].Answer.Status != "patched" || cs[0].NextReminderAt != nil {
		t.Fatalf("case after the answer = %+v", cs[0])
	}
	// Answering again is harmless and shows the answer already given.
	again := fetch(t, h.http, link)
	if !strings.Contains(again, "upgraded to 9.0R3.4") {
		t.Errorf("second visit does not show the answer given")
	}

	// Weeks pass: the silent org keeps being reminded, the answered one hears nothing.
	before := len(outbox(t, h.cfg, cs[0].ID))
	clk.Set(testStart.Add(30 * day))
	late := mails.next(t)
	if late.To != "sec@silent.test" {
		t.Fatalf("after the answer a mail went to %s", late.To)
	}
	if after := len(outbox(t, h.cfg, cs[0].ID)); after != before {
		t.Errorf("the answered case got %d more mails", after-before)
	}

	// The operator's metrics say the same, and are closed without the token.
	req, _ := http.NewRequest("GET", h.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err = h.http.Do(req)
	must(t, err)
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`heed_cases{state="answered"} 1`, `heed_cases{state="open"} 1`,
		`heed_answers_total{status="patched"} 1`, `heed_advisories_total{outcome="applied"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if resp, err := http.Get(h.base + "/metrics"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("metrics without the token: %v %v", resp.StatusCode, err)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// postForm submits the page's form as a browser would: with its CSRF field
// and the cookie set when the page was shown.
func (h *heed) postForm(t *testing.T, link, page string, v url.Values) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%s", page)
	}
	v.Set("csrf", m[1])
	resp, err := h.http.PostForm(link, v)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d\n%s", link, resp.StatusCode, b)
	}
	return string(b)
}
