package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
)

// TestRestartKeepsSchedule stops Heed mid-schedule, lets two reminders come
// due while it is down, and checks that the restart sends exactly one
// collapsed reminder, then keeps the schedule: none lost, none doubled.
func TestRestartKeepsSchedule(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	clk := clock.NewFake(testStart)
	cfg := testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr)
	h := startHeed(t, cfg, clk)
	org := h.addOrg("Acme", "sec@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,8.2R12,,,vpn\n")
	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	if m := mails.next(t); !strings.Contains(m.Subject, "SA44101") {
		t.Fatalf("notice subject %q", m.Subject)
	}
	clk.Set(testStart.Add(24 * time.Hour))
	if m := mails.next(t); !strings.Contains(m.Subject, "Reminder 1") {
		t.Fatalf("first reminder subject %q", m.Subject)
	}
	caseID := h.cases("org=" + org)[0].ID
	h.stop()

	// Down across the +48h, +96h and +144h reminders (SA44101 is known
	// exploited: its policy reminds 1 and 2 days after the notice, then
	// every 2 days).
	clk.Set(testStart.Add(150 * time.Hour))
	h = startHeed(t, cfg, clk)
	m := mails.next(t)
	if !strings.Contains(m.Subject, "Reminder 2") {
		t.Fatalf("after restart got %q, want one collapsed Reminder 2", m.Subject)
	}
	c := h.cases("org=" + org)[0]
	if c.RemindersSent != 2 {
		t.Errorf("reminders_sent = %d after the collapsed reminder, want 2", c.RemindersSent)
	}
	if want := testStart.Add(192 * time.Hour); c.NextReminderAt == nil || !c.NextReminderAt.Equal(want) {
		t.Errorf("next reminder at %v, want %v (the next one after now on the schedule)", c.NextReminderAt, want)
	}
	clk.Set(testStart.Add(192 * time.Hour))
	if m := mails.next(t); !strings.Contains(m.Subject, "Reminder 3") {
		t.Fatalf("got %q, want Reminder 3", m.Subject)
	}
	// Every mail of the case exactly once: the notice and reminders 1, 2 and 3.
	seen := map[string]int{}
	sent := waitOutbox(t, cfg, caseID, func(ms []store.Mail) bool {
		for _, m := range ms {
			if m.State != store.MailSent {
				return false
			}
		}
		return true
	})
	for _, m := range sent {
		seen[fmt.Sprintf("%s/%d", m.Kind, m.Seq)]++
	}
	want := map[string]int{"notice/0": 1, "reminder/1": 1, "reminder/2": 1, "reminder/3": 1}
	if len(seen) != len(want) {
		t.Errorf("outbox of the case = %v, want %v", seen, want)
	}
	for k, n := range want {
		if seen[k] != n {
			t.Errorf("outbox has %d of %s, want %d (all: %v)", seen[k], k, n, seen)
		}
	}
	if mails.count() != 4 {
		t.Errorf("the relay received %d mails, want 4", mails.count())
	}
}

// TestGarbageIsRejectedAndIntakeGoesOn publishes documents that cannot be
// used, then a good advisory: the bad ones are recorded with their reasons,
// and the good one is still processed.
func TestGarbageIsRejectedAndIntakeGoesOn(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	clk := clock.NewFake(testStart)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr), clk)
	org := h.addOrg("Acme", "sec@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n")

	publish(t, ns.ClientURL(), "advisories.junk", []byte("this is not JSON at all"))
	publish(t, ns.ClientURL(), "advisories.junk", []byte(`{"heed_advisory": 1, "revision": 1, "title": "no id"}`))
	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	// The same revision again changes nothing; the junk after it marks, once
	// rejected, that intake (which reads in order) has handled it.
	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	publish(t, ns.ClientURL(), "advisories.junk", []byte("the end of this test's documents"))

	if m := mails.next(t); m.To != "sec@acme.test" || !strings.Contains(m.Subject, "SA44101") {
		t.Fatalf("good advisory after garbage: got %q to %s", m.Subject, m.To)
	}
	var rej struct {
		Rejected []struct {
			Subject string `json:"subject"`
			Reason  string `json:"reason"`
		} `json:"rejected"`
	}
	eventually.Check(t, 20*time.Second, func() error {
		if code := h.api("GET", "/api/v1/rejected", "", nil, &rej); code != http.StatusOK || len(rej.Rejected) != 3 {
			return fmt.Errorf("rejected list: %d %+v; want the 3 junk documents", code, rej.Rejected)
		}
		return nil
	})
	for _, r := range rej.Rejected {
		if r.Subject != "advisories.junk" || r.Reason == "" {
			t.Errorf("rejected entry %+v lacks subject or reason", r)
		}
	}
	// Newest first: the marker, then the advisory without an id.
	if !strings.Contains(strings.ToLower(rej.Rejected[1].Reason), "id") {
		t.Errorf("reason for the advisory without id does not name the field: %q", rej.Rejected[1].Reason)
	}
	// The duplicate is handled, and whatever it queued is in the outbox:
	// once the outbox is delivered, the relay has every mail there is.
	cs := h.cases("org=" + org)
	if len(cs) != 1 {
		t.Fatalf("cases = %d, want 1 (the duplicate publish must change nothing)", len(cs))
	}
	waitOutbox(t, h.cfg, cs[0].ID, func(ms []store.Mail) bool {
		return !slices.ContainsFunc(ms, func(m store.Mail) bool { return m.State != store.MailSent })
	})
	if n := mails.count(); n != 1 {
		t.Errorf("the relay received %d mails, want 1: the duplicate publish must send nothing", n)
	}
	// Without the token the API is closed.
	resp, err := http.Get(h.base + "/api/v1/rejected")
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API without token: %d, want 401", resp.StatusCode)
	}
}
