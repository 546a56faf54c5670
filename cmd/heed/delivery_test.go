package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
)

func (s *sink) setRefusal(addr string, e *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e == nil {
		delete(s.refuse, addr)
	} else {
		s.refuse[addr] = e
	}
}

// waitOutbox waits until the case's outbox satisfies ok, reading the
// database Heed writes; it returns the last rows read.
func waitOutbox(t *testing.T, cfg Config, caseID string, ok func([]store.Mail) bool) []store.Mail {
	t.Helper()
	var ms []store.Mail
	eventually.Check(t, 20*time.Second, func() error {
		if ms = outbox(t, cfg, caseID); !ok(ms) {
			return fmt.Errorf("outbox of %s never reached the expected state: %+v", caseID, ms)
		}
		return nil
	})
	return ms
}

// TestRelayRefusals: a 4xx is retried after a backoff and then delivered; a
// 5xx marks the address bounced and the case moves on to the escalation
// contact.
func TestRelayRefusals(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	clk := clock.NewFake(testStart)
	cfg := testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr)
	h := startHeed(t, cfg, clk)
	busy := h.addOrg("Busy", "sec@busy.test")
	gone := h.addOrg("Gone", "sec@gone.test", "esc:boss@gone.test")
	h.putCSV(busy, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n")
	h.putCSV(gone, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n")
	mails.setRefusal("sec@busy.test", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"})
	mails.setRefusal("sec@gone.test", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})

	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))

	// The 5xx: the escalation contact gets the notice instead.
	if m := mails.next(t); m.To != "boss@gone.test" {
		t.Fatalf("after the primary bounced the notice went to %s, want boss@gone.test", m.To)
	}
	goneCase := h.cases("org=" + gone)[0].ID
	ms := outbox(t, cfg, goneCase)
	var refused store.Mail
	for _, m := range ms {
		if m.Recipient == "sec@gone.test" {
			refused = m
		}
	}
	if refused.State != store.MailFailed || !strings.Contains(refused.LastReply, "550") {
		t.Errorf("refused mail = %s %q; want failed with the relay's 550", refused.State, refused.LastReply)
	}

	// The 4xx: pending, with the reply kept, until the backoff passes.
	busyCase := h.cases("org=" + busy)[0].ID
	waitOutbox(t, cfg, busyCase, func(ms []store.Mail) bool {
		return len(ms) == 1 && ms[0].Attempts == 1 && strings.Contains(ms[0].LastReply, "451")
	})
	mails.setRefusal("sec@busy.test", nil)
	clk.Set(testStart.Add(time.Minute))
	if m := mails.next(t); m.To != "sec@busy.test" {
		t.Fatalf("retried mail went to %s", m.To)
	}
	ms = waitOutbox(t, cfg, busyCase, func(ms []store.Mail) bool { return ms[0].State == store.MailSent })
	if ms[0].Attempts != 2 || !strings.HasPrefix(ms[0].LastReply, "2") {
		t.Errorf("delivered mail: attempts %d, reply %q; want 2 attempts and the relay's 2xx", ms[0].Attempts, ms[0].LastReply)
	}
	var contacts []store.Contact
	db, err := store.Open(context.Background(), cfg.Store.Path)
	must(t, err)
	defer db.Close()
	must(t, db.View(context.Background(), func(tx *store.Tx) (err error) { contacts, err = tx.Contacts(gone); return err }))
	if contacts[0].Email != "sec@gone.test" || contacts[0].Bounced.IsZero() {
		t.Errorf("bounced contact not marked: %+v", contacts[0])
	}
}

// TestRelayPolicyRefusalAlertsAndBouncesNobody: the relay answers
// "554 5.7.1 Relay access denied" to every RCPT (its owner changed the
// authentication). Nobody is marked bounced, no escalation contact is
// mailed, the board says what the relay answers, the metric counts it, and
// the mail leaves once the relay takes mail again.
func TestRelayPolicyRefusalAlertsAndBouncesNobody(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	clk := clock.NewFake(testStart)
	cfg := testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr)
	h := startHeed(t, cfg, clk)
	org := h.addOrg("Acme", "sec@acme.test", "esc:boss@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n")
	denied := &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay access denied"}
	mails.setRefusal("sec@acme.test", denied)
	mails.setRefusal("boss@acme.test", denied)

	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	eventually.True(t, 20*time.Second, "the case", func() bool { return len(h.cases("org="+org)) == 1 })
	caseID := h.cases("org=" + org)[0].ID
	waitOutbox(t, cfg, caseID, func(ms []store.Mail) bool {
		return len(ms) == 1 && ms[0].State == store.MailPending && strings.Contains(ms[0].LastReply, "554 5.7.1")
	})

	resp, err := h.http.PostForm(h.base+"/login", url.Values{"token": {testToken}})
	must(t, err)
	resp.Body.Close()
	if board := fetch(t, h.http, h.base+"/board"); !strings.Contains(board, `id="relay-alert"`) || !strings.Contains(board, "Relay access denied") {
		t.Errorf("the board does not warn that the relay refuses mail:\n%s", board)
	}
	req, _ := http.NewRequest(http.MethodGet, h.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err = h.http.Do(req)
	must(t, err)
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`(?m)^heed_relay_refusals_total [1-9]`).Match(metrics) {
		t.Errorf("heed_relay_refusals_total does not count the refusal:\n%s", metrics)
	}
	if log := h.log.String(); !strings.Contains(log, "nobody is marked bounced") {
		t.Errorf("no log line says the relay refuses mail:\n%s", log)
	}

	mails.setRefusal("sec@acme.test", nil)
	mails.setRefusal("boss@acme.test", nil)
	clk.Set(testStart.Add(2 * time.Hour))
	if m := mails.next(t); m.To != "sec@acme.test" {
		t.Fatalf("once the relay takes mail, the notice went to %s, want the primary contact", m.To)
	}
	ms := waitOutbox(t, cfg, caseID, func(ms []store.Mail) bool { return ms[0].State == store.MailSent })
	if len(ms) != 1 {
		t.Errorf("the case has %d mails; want only the notice (no escalation)", len(ms))
	}
	db, err := store.Open(context.Background(), cfg.Store.Path)
	must(t, err)
	defer db.Close()
	var contacts []store.Contact
	must(t, db.View(context.Background(), func(tx *store.Tx) (err error) { contacts, err = tx.Contacts(org); return err }))
	for _, c := range contacts {
		if !c.Bounced.IsZero() {
			t.Errorf("%s was marked bounced by the relay's policy refusal", c.Email)
		}
	}
	if board := fetch(t, h.http, h.base+"/board"); strings.Contains(board, `id="relay-alert"`) {
		t.Error("the board still warns after the relay took mail again")
	}
}
