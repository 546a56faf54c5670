package notifier

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// textOf returns the text part of a mail the test relay accepted, decoded
// and unwrapped (runs of white space as one space).
func textOf(t *testing.T, m receivedMail) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	part, err := multipart.NewReader(msg.Body, params["boundary"]).NextPart()
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(part)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(text)), " ")
}

// refuseMailbox makes the test relay refuse these addresses for good
// (550 5.1.1), as a mail server answers for a mailbox that does not exist.
func refuseMailbox(mta *testMTA, addrs ...string) {
	mta.answer(func(to string) error {
		if slices.Contains(addrs, to) {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	}, nil)
}

// eventsEngine returns an engine recording case events and delivering
// through a real SMTP server on 127.0.0.1 that keeps what it accepts.
func eventsEngine(t *testing.T) (*testMTA, *Engine, *clock.Fake) {
	t.Helper()
	mta, r := keptMTA(t)
	e, clk := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), withEvents)
	e.Delivery.relay, e.Outbox.hold = r, false
	return mta, e, clk
}

// escalatedEvents returns a case's escalated events.
func escalatedEvents(t *testing.T, e *Engine, caseID string) []store.Event {
	t.Helper()
	var evs []store.Event
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) { evs, err = tx.Events(caseID); return err }); err != nil {
		t.Fatal(err)
	}
	var out []store.Event
	for _, ev := range evs {
		if ev.Kind == EventEscalated {
			out = append(out, ev)
		}
	}
	return out
}

// TestFixedAddressEndsABounceEscalation: the primary contact's address
// refused for good (550 5.1.1 from a real SMTP server) sends the notice
// to the escalation contact in its place, saying so and naming the
// refused address. Once the operator gives the
// organization a working primary address, the case's later mails (an
// update of the advisory, its flaw now known exploited) go to the primary
// contact alone and no longer say that the escalation contacts are copied,
// as its reminders do; the escalation contact hears of the case again only
// when the schedule escalates it, and from then on of every change.
func TestFixedAddressEndsABounceEscalation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mta, e, clk := eventsEngine(t)
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, cveAdvisory("SA44101", "CVE-2019-11510")); err != nil {
		t.Fatal(err)
	}
	refuseMailbox(mta, "sec@alpha.test")
	deliver(t, e, mta) // the primary's address refused
	standIn := deliver(t, e, mta)
	if got := recipientsOf(standIn); !slices.Equal(got, []string{"boss@alpha.test"}) {
		t.Fatalf("after the primary's address was refused the notice went to %v; want the escalation contact", got)
	}
	if text := textOf(t, standIn[0]); !strings.Contains(text, "in place of your organization's security contact: mail servers refused its address (sec@alpha.test)") ||
		strings.Contains(text, "no answer") {
		t.Errorf("the escalation contact's notice does not say it stands in for the refused address:\n%s", text)
	}
	caseID := caseOf(t, e, org).ID

	// The organization gives a working address; the operator updates it.
	mta.answer(nil, nil)
	if _, err := e.Orgs.UpdateOrg(ctx, org, subscribers.OrgSpec{Name: "Alpha", Contacts: []subscribers.ContactSpec{
		{Email: "sec@alpha.test"}, {Email: "boss@alpha.test", Role: "escalation"}}}); err != nil {
		t.Fatal(err)
	}

	primaryOnly := func(what string, got []receivedMail) {
		t.Helper()
		if to := recipientsOf(got); !slices.Equal(to, []string{"sec@alpha.test"}) {
			t.Errorf("%s went to %v; want the primary contact alone, its address working again", what, to)
		}
		for _, m := range got {
			if text := textOf(t, m); strings.Contains(text, "escalation contacts are copied") {
				t.Errorf("%s to %s says the escalation contacts are copied:\n%s", what, m.to, text)
			}
		}
	}
	clk.Advance(time.Hour)
	rev := cveAdvisory("SA44101", "CVE-2019-11510")
	rev.Revision = "2"
	rev.Affected[0].Ranges = nil
	rev.Affected = append(rev.Affected, rev.Affected[0])
	rev.Affected[1].Status, rev.Affected[1].Versions = advisory.StatusFixed, []string{"9.0R3.4"}
	if _, err := e.Cases.ApplyAdvisory(ctx, rev); err != nil {
		t.Fatal(err)
	}
	primaryOnly("the updated mail", deliver(t, e, mta))

	clk.Advance(time.Hour)
	if res, err := e.Cases.ImportKEV(ctx, catalog(t0.Add(20*day).Format(time.DateOnly), "CVE-2019-11510")); err != nil || res.CasesChanged != 1 {
		t.Fatalf("import: %+v, %v; want the case marked", res, err)
	}
	primaryOnly("the exploited mail", deliver(t, e, mta))

	// The known-exploited policy reminds after 1 and 2 days and escalates
	// from the second reminder: the escalation contact is copied again,
	// and the case is not escalated a second time.
	clk.Set(t0.Add(day))
	if _, err := e.Reminders.remindDue(ctx); err != nil {
		t.Fatal(err)
	}
	primaryOnly("the first reminder", deliver(t, e, mta))
	clk.Set(t0.Add(2 * day))
	if _, err := e.Reminders.remindDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := recipientsOf(deliver(t, e, mta)); !slices.Equal(got, []string{"boss@alpha.test", "sec@alpha.test"}) {
		t.Errorf("the second reminder went to %v; want both contacts (the schedule escalates it)", got)
	}
	clk.Advance(time.Hour)
	rev.Revision, rev.Affected[1].Versions = "3", []string{"9.0R3.5"}
	if _, err := e.Cases.ApplyAdvisory(ctx, rev); err != nil {
		t.Fatal(err)
	}
	if got := recipientsOf(deliver(t, e, mta)); !slices.Equal(got, []string{"boss@alpha.test", "sec@alpha.test"}) {
		t.Errorf("an update after the schedule escalated the case went to %v; want both contacts", got)
	}
	if evs := escalatedEvents(t, e, caseID); len(evs) != 1 || !strings.Contains(string(evs[0].Data), `"reason":"bounced"`) {
		t.Errorf("escalated events: %+v; want the bounce's one", evs)
	}
}

// TestBouncedDigestReachesTheEscalationContacts: an organization on a
// daily digest whose primary address is refused for good (550 5.1.1 from
// a real SMTP server) at its digest of two cases, one overdue (which the
// escalation contact's own digest already carried) and one not: the
// escalation contact gets one more digest, of the case it had not had,
// saying why it came, with a link that answers it, and that case is escalated once (reason
// "bounced"). Another round of delivery sends nothing more.
func TestBouncedDigestReachesTheEscalationContacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mta, e, clk := eventsEngine(t)
	org := addOrgWith(t, e, subscribers.OrgSpec{Name: "alpha", Digest: subscribers.DigestDaily, DigestTime: "09:00"}, "9.0R3.3")
	for _, id := range []string{"SA1", "SA2"} {
		adv := cveAdvisory(id, "CVE-2019-1151"+id[2:])
		if id == "SA1" {
			adv.Due = t0.Add(2 * day)
		}
		if _, err := e.Cases.ApplyAdvisory(ctx, adv); err != nil {
			t.Fatal(err)
		}
	}
	if got := recipientsOf(deliver(t, e, mta)); !slices.Equal(got, []string{"sec@alpha.test", "sec@alpha.test"}) {
		t.Fatalf("the notices went to %v; want two to the primary contact", got)
	}
	// A high case's first reminder is due after 3 days; the digest waits
	// for 09:00; SA1 is overdue by then, so the escalation contact's
	// digest carries it.
	for _, at := range []time.Time{t0.Add(3 * day), t0.Add(3*day + 9*time.Hour)} {
		clk.Set(at)
		if _, err := e.Reminders.remindDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	refuseMailbox(mta, "sec@alpha.test")
	first := deliver(t, e, mta)
	if to := recipientsOf(first); !slices.Equal(to, []string{"boss@alpha.test"}) || !strings.Contains(textOf(t, first[0]), "SA1") {
		t.Fatalf("the digest round: %v accepted; want the escalation contact's digest of SA1 (the primary's refused)", to)
	}
	got := deliver(t, e, mta)
	if to := recipientsOf(got); !slices.Equal(to, []string{"boss@alpha.test"}) {
		t.Fatalf("after the primary's digest was refused, mails went to %v; want one digest to the escalation contact", to)
	}
	text := textOf(t, got[0])
	links := regexp.MustCompile(`https://heed\.example/ack/\S+`).FindAllString(text, -1)
	if !strings.Contains(text, "in place of your organization's security contact: mail servers refused its address (sec@alpha.test)") {
		t.Errorf("the escalation contact's second digest does not say it stands in for the refused address:\n%s", text)
	}
	if strings.Contains(text, "SA1") || !strings.Contains(text, "SA2") || len(links) != 1 {
		t.Fatalf("the escalation contact's second digest names SA1: %v, SA2: %v, with %d links; want SA2 alone (SA1 it had), with its link:\n%s",
			strings.Contains(text, "SA1"), strings.Contains(text, "SA2"), len(links), text)
	}
	reason := map[string]string{"SA1": "overdue", "SA2": "bounced"}
	for _, c := range casesOf(t, e, org.ID) {
		if evs := escalatedEvents(t, e, c.ID); !c.Escalated || len(evs) != 1 || !strings.Contains(string(evs[0].Data), `"reason":"`+reason[c.AdvisoryID]+`"`) {
			t.Errorf("case of %s: escalated %v, events %+v; want escalated once, reason %s", c.AdvisoryID, c.Escalated, evs, reason[c.AdvisoryID])
		}
	}
	a, err := e.Answers.RecordAnswer(ctx, strings.TrimPrefix(links[0], "https://heed.example/ack/"), AnswerInput{Status: AnswerPatched})
	if err != nil || a.Case.AdvisoryID != "SA2" {
		t.Errorf("the escalation contact's link answered %s, %v; want SA2", a.Case.AdvisoryID, err)
	}
	if got := deliver(t, e, mta); len(got) != 0 {
		t.Errorf("another delivery round sent %d more mails", len(got))
	}
}
