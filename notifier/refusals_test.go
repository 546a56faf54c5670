package notifier

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	dto "github.com/prometheus/client_model/go"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

func contactsOf(t testing.TB, e *Engine, orgID string) map[string]store.Contact {
	t.Helper()
	var cs []store.Contact
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) { cs, err = tx.Contacts(orgID); return err }); err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Contact{}
	for _, c := range cs {
		out[c.Email] = c
	}
	return out
}

// TestRelayRefusalBouncesNobody: a relay answering "554 5.7.1 Relay access
// denied" to every RCPT (an authentication change on its side) bounces
// nobody and mails no escalation contact; the mails wait with a backoff, the
// operator is alerted (the board's alert, the metric), and they go out once
// the relay takes mail again.
func TestRelayRefusalBouncesNobody(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clk, mta := deliveringEngine(t, filepath.Join(t.TempDir(), "heed.db"), "Alpha", "Beta")
	tried := 0
	mta.answer(func(string) error {
		tried++
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay access denied"}
	}, nil)
	for range 3 {
		if _, err := e.Delivery.deliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if tried != 2 {
		t.Errorf("the relay was asked %d times; want each mail once, then a backoff", tried)
	}
	mails := allMails(t, e)
	if len(mails) != 2 {
		t.Errorf("outbox has %d mails, want the 2 notices (no escalation)", len(mails))
	}
	for to, m := range mails {
		if m.State != store.MailPending || !strings.Contains(m.LastReply, "554 5.7.1") || !m.NextAttemptAt.After(t0) {
			t.Errorf("mail to %s: %s, reply %q, next %v; want pending with the refusal, later", to, m.State, m.LastReply, m.NextAttemptAt)
		}
	}
	for _, org := range []string{"Alpha", "Beta"} {
		c := caseOf(t, e, orgIDByName(t, e, org))
		for email, ct := range contactsOf(t, e, c.OrgID) {
			if !ct.Bounced.IsZero() {
				t.Errorf("%s was marked bounced by a relay refusal", email)
			}
		}
	}
	alert, on := e.Delivery.RelayAlert()
	if !on || alert.Refused != 2 || !strings.Contains(alert.Reply, "Relay access denied") || !alert.Since.Equal(t0) {
		t.Errorf("relay alert = %+v, %v; want on, 2 refusals since %v, with the reply", alert, on, t0)
	}
	var refusals dto.Metric
	if err := e.metrics.refusals.Write(&refusals); err != nil || refusals.GetCounter().GetValue() != 2 {
		n := refusals.GetCounter().GetValue()
		t.Errorf("heed_relay_refusals_total = %v, want 2", n)
	}

	mta.answer(nil, nil)
	clk.Set(t0.Add(2 * time.Hour))
	if _, err := e.Delivery.deliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	for to, m := range allMails(t, e) {
		if m.State != store.MailSent || mta.received(to) != 1 {
			t.Errorf("after the relay recovered, mail to %s is %s, received %d times", to, m.State, mta.received(to))
		}
	}
	if _, on := e.Delivery.RelayAlert(); on {
		t.Error("the alert stays up after the relay took mail again")
	}
}

func orgIDByName(t testing.TB, e *Engine, name string) string {
	t.Helper()
	var page store.OrgPage
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) {
		page, err = tx.OrgPage(store.OrgQuery{Limit: 100})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, o := range page.Orgs {
		if o.Name == name {
			return o.ID
		}
	}
	t.Fatalf("no organization %s", name)
	return ""
}

// TestBounceIsClearedByTheOperatorOrAnAnswer: a mailbox fault (550 5.1.1)
// bounces the contact; the operator updating the organization, or an answer
// through that contact's link, shows the address works and clears it.
func TestBounceIsClearedByTheOperatorOrAnAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _, mta := deliveringEngine(t, filepath.Join(t.TempDir(), "heed.db"), "Alpha")
	refuseMailbox(mta, "sec@alpha.test")
	org := orgIDByName(t, e, "Alpha")
	bounce := func() store.Contact {
		t.Helper()
		if err := e.db.Update(ctx, func(tx *store.Tx) error {
			return tx.MarkBounced(contactsOf(t, e, org)["sec@alpha.test"].ID, t0, "relay rcpt: 550 5.1.1 no such user")
		}); err != nil {
			t.Fatal(err)
		}
		return contactsOf(t, e, org)["sec@alpha.test"]
	}
	if _, err := e.Delivery.deliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	primary := contactsOf(t, e, org)["sec@alpha.test"]
	if primary.Bounced.IsZero() || mta.received("boss@alpha.test") != 0 {
		t.Fatalf("after 550 5.1.1: primary bounced at %v, escalation got %d; want bounced, escalation queued",
			primary.Bounced, mta.received("boss@alpha.test"))
	}

	if _, err := e.Orgs.UpdateOrg(ctx, org, subscribers.OrgSpec{Name: "Alpha", Contacts: []subscribers.ContactSpec{
		{Email: "sec@alpha.test"}, {Email: "boss@alpha.test", Role: "escalation"}}}); err != nil {
		t.Fatal(err)
	}
	if c := contactsOf(t, e, org)["sec@alpha.test"]; !c.Bounced.IsZero() || c.ID != primary.ID {
		t.Errorf("after the operator's update the contact is %+v; want the same contact, no longer bounced", c)
	}

	primary = bounce()
	c := caseOf(t, e, org)
	tok := e.Links.ackToken(c.ID, primary.ID, t0.Add(90*day))
	if _, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerPatched}); err != nil {
		t.Fatal(err)
	}
	if c := contactsOf(t, e, org)["sec@alpha.test"]; !c.Bounced.IsZero() {
		t.Errorf("after an answer through its link the contact is still bounced (%v)", c.Bounced)
	}
}

// TestBounceEscalationIsOneEvent: the primary contact's address refused
// for good (550 5.1.1 from a real SMTP server) sends the notice to the
// escalation contact instead, and that escalation is recorded once, in
// the events table and on HEED_EVENTS, with reason "bounced"; the
// reminders that follow, copying the escalation contact, record none
// again; the agency view folding the published events counts the case as
// the database has it.
func TestBounceEscalationIsOneEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	mta, r := startMTA(t)
	e, clk := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), withEvents)
	e.Delivery.relay, e.Outbox.hold = r, false
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	refuseMailbox(mta, "sec@alpha.test")
	for range 2 { // the refusal, then the escalation contact's notice
		if _, err := e.Delivery.deliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := mta.received("boss@alpha.test"); n != 1 {
		t.Fatalf("the escalation contact received %d mails after the primary's address was refused; want the notice", n)
	}
	escalations := func() []store.Event { t.Helper(); return escalatedEvents(t, e, caseOf(t, e, org).ID) }
	if got := escalations(); len(got) != 1 || !strings.Contains(string(got[0].Data), `"reason":"bounced"`) {
		t.Fatalf("escalated events after the bounce: %+v; want one, reason bounced", got)
	}
	if c := caseOf(t, e, org); !c.Escalated {
		t.Errorf("the case is not marked escalated after its escalation contact was mailed")
	}

	// Reminders up to and past the due date: the escalation contact is
	// copied, and the case is not escalated a second time.
	for d := 1; d <= 40; d++ {
		clk.Set(t0.Add(time.Duration(d) * day))
		if _, err := e.Reminders.remindDue(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Delivery.deliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := mta.received("boss@alpha.test"); n < 2 {
		t.Fatalf("the escalation contact received %d mails after 40 days; want reminders too", n)
	}
	if got := escalations(); len(got) != 1 {
		t.Errorf("%d escalated events after the reminders; want the bounce's one", len(got))
	}

	runEvents(t, e, js)
	settle(t, e)
	s, err := js.Stream(ctx, testEvents.Stream)
	if err != nil {
		t.Fatal(err)
	}
	view, published := NewAgencyView(), 0
	for seq := uint64(1); seq <= lastSeq(t, js); seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(m.Data), `"type":"heed.case.escalated"`) {
			published++
		}
		if err := view.Fold(m.Data, seq); err != nil {
			t.Fatal(err)
		}
	}
	if published != 1 {
		t.Errorf("%d escalated events on the stream; want 1", published)
	}
	c := caseOf(t, e, org)
	want := AgencyCounts{Opened: 1, Silent: 1}
	if !c.OverdueAt.IsZero() {
		want.Overdue = 1
	}
	if c.State != store.CaseOpen || c.Answer != nil {
		t.Fatalf("the case is %s, answer %v; the test wants it open and unanswered", c.State, c.Answer)
	}
	if got := view.Advisories("")["SA44101"]; got != want {
		t.Errorf("the agency view counts %+v; the database has %+v", got, want)
	}
}
