package notifier

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// testAckSecret signs the links of test engines.
var testAckSecret = bytes.Repeat([]byte("k"), 32)

// newTestEngine returns an engine on a real SQLite file, with mail held in
// the outbox and a fake clock.
func newTestEngine(t testing.TB) (*Engine, *clock.Fake) {
	t.Helper()
	return newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"))
}

func newTestEngineAt(t testing.TB, path string, opts ...func(*Config)) (*Engine, *clock.Fake) {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(t0)
	cfg := Config{DB: db, Matcher: subscribers.NewMatcher(subscribers.DefaultAliases()), Clock: clk,
		PublicURL: "https://heed.example", From: "Heed <heed@heed.example>",
		AckSecret: testAckSecret, Hold: true}
	for _, o := range opts {
		o(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, clk
}

func sa44101(revision string, versions ...string) *advisory.Advisory {
	return &advisory.Advisory{ID: "SA44101", Revision: revision, Format: "heed", Title: "Pulse Connect Secure file read",
		Severity: "critical", Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure",
			Scheme: "generic", Versions: versions, Status: advisory.StatusAffected}}}
}

// addOrg registers an organization with one primary contact and an inventory.
func addOrg(t testing.TB, e *Engine, name string, versions ...string) string {
	t.Helper()
	ctx := context.Background()
	org, err := e.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: name, Contacts: []subscribers.ContactSpec{
		{Email: "sec@" + strings.ToLower(name) + ".test"}, {Email: "boss@" + strings.ToLower(name) + ".test", Role: "escalation"}}})
	if err != nil {
		t.Fatal(err)
	}
	var items []store.Item
	for _, v := range versions {
		items = append(items, store.Item{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: v})
	}
	if _, err := e.Orgs.ReplaceInventory(ctx, org.ID, items); err != nil {
		t.Fatal(err)
	}
	return org.ID
}

func caseOf(t testing.TB, e *Engine, orgID string) store.Case {
	t.Helper()
	var cs []store.Case
	err := e.db.View(context.Background(), func(tx *store.Tx) (err error) {
		cs, err = tx.Cases(store.CaseFilter{OrgID: orgID})
		return err
	})
	if err != nil || len(cs) != 1 {
		t.Fatalf("cases of %s = %v, %v; want one", orgID, cs, err)
	}
	return cs[0]
}

func mailsOf(t testing.TB, e *Engine, caseID string) []store.Mail {
	t.Helper()
	var ms []store.Mail
	err := e.db.View(context.Background(), func(tx *store.Tx) (err error) {
		ms, err = tx.Mails(store.MailFilter{CaseID: caseID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestRevisionsUpdateAndWithdrawCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newTestEngine(t)
	a := addOrg(t, e, "Alpha", "9.0R3.3")
	b := addOrg(t, e, "Beta", "9.0R2")

	out, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3", "9.0R2"))
	if err != nil || out.Opened != 2 {
		t.Fatalf("revision 1: %+v, %v; want 2 opened", out, err)
	}
	ca := caseOf(t, e, a)

	// The same revision again, and an older one, change nothing.
	for _, rev := range []string{"1", "0"} {
		out, err := e.Cases.ApplyAdvisory(ctx, sa44101(rev))
		if err != nil || !out.Unchanged {
			t.Fatalf("revision %s after 1: %+v, %v; want unchanged", rev, out, err)
		}
	}

	// Revision 2 no longer lists 9.0R2: Beta's case closes and Beta is told;
	// Alpha's case keeps its schedule.
	out, err = e.Cases.ApplyAdvisory(ctx, sa44101("2", "9.0R3.3"))
	if err != nil || out.Closed != 1 || out.Opened != 0 {
		t.Fatalf("revision 2: %+v, %v; want 1 closed", out, err)
	}
	if c := caseOf(t, e, a); !c.NextReminderAt.Equal(ca.NextReminderAt) || c.State != store.CaseOpen {
		t.Errorf("unchanged case changed: %+v", c)
	}
	cb := caseOf(t, e, b)
	if cb.State != store.CaseClosed {
		t.Errorf("Beta's case is %s, want closed", cb.State)
	}
	if ms := mailsOf(t, e, cb.ID); len(ms) != 2 || ms[0].Kind != templates.KindClosed {
		t.Errorf("Beta's mails = %+v, want the notice then a closed mail", ms)
	}

	// Withdrawn: every case closes and its recipients are told.
	w := sa44101("3", "9.0R3.3")
	w.Withdrawn = true
	if out, err := e.Cases.ApplyAdvisory(ctx, w); err != nil || out.Closed != 1 {
		t.Fatalf("withdrawal: %+v, %v; want Alpha's case closed", out, err)
	}
	ca = caseOf(t, e, a)
	if ca.State != store.CaseClosed || !ca.NextReminderAt.IsZero() {
		t.Errorf("Alpha's case after withdrawal = %+v", ca)
	}
	if ms := mailsOf(t, e, ca.ID); ms[0].Kind != templates.KindWithdrawn {
		t.Errorf("Alpha's last mail is %s, want withdrawn", ms[0].Kind)
	}
}

func TestInventoryChangeOpensCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newTestEngine(t)
	org := addOrg(t, e, "Late", "9.1R1")
	if out, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil || out.Opened != 0 {
		t.Fatalf("apply: %+v, %v", out, err)
	}
	res, err := e.Orgs.ReplaceInventory(ctx, org, []store.Item{
		{Vendor: "pulse secure", Product: "Pulse Connect Secure", Version: "9.0R3.3", Asset: "vpn2"}})
	if err != nil || res.Opened != 1 {
		t.Fatalf("inventory change: %+v, %v; want one case opened", res, err)
	}
	c := caseOf(t, e, org)
	if ms := mailsOf(t, e, c.ID); len(ms) != 1 || ms[0].State != store.MailHeld || ms[0].Recipient != "sec@late.test" {
		t.Errorf("mails of the new case = %+v, want one held notice to the primary contact", ms)
	}
}

func TestLinksCannotBeForgedMovedOrKeptForever(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clk := newTestEngine(t)
	a := addOrg(t, e, "Alpha", "9.0R3.3")
	b := addOrg(t, e, "Beta", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	ca, cb := caseOf(t, e, a), caseOf(t, e, b)
	good := e.Links.ackToken(ca.ID, 1, t0.Add(day))
	if l, err := e.Links.Verify(good); err != nil || l.CaseID != ca.ID {
		t.Fatalf("verify(good) = %+v, %v", l, err)
	}
	enc, sig, _ := strings.Cut(good, ".")
	other := e.Links.ackToken(cb.ID, 1, t0.Add(day))
	otherEnc, _, _ := strings.Cut(other, ".")
	for name, tok := range map[string]string{
		"another case's payload with this signature": otherEnc + "." + sig,
		"truncated signature":                        enc + "." + sig[:10],
		"no signature":                               enc,
		"garbage":                                    "not-a-token",
		"empty":                                      "",
	} {
		if _, err := e.Links.Verify(tok); !errors.Is(err, ErrBadLink) {
			t.Errorf("%s: err = %v, want ErrBadLink", name, err)
		}
	}
	clk.Set(t0.Add(2 * day))
	if _, err := e.Links.Verify(good); !errors.Is(err, ErrBadLink) {
		t.Errorf("expired link: err = %v, want ErrBadLink", err)
	}
}

func TestAnswerStopsRemindersAndScheduledPauses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clk := newTestEngine(t)
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	c := caseOf(t, e, org)
	tok := e.Links.ackToken(c.ID, 1, t0.Add(90*day))

	if _, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerNotAffected, Note: "fine"}); err == nil {
		t.Error("not_affected without a justification was accepted")
	}
	if _, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerNotAffected, Justification: "not_my_problem"}); err == nil {
		t.Error("not_affected with a justification outside the CSAF/OpenVEX set was accepted")
	}
	if _, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerScheduled, Until: t0.Add(-day)}); err == nil {
		t.Error("scheduled with a past date was accepted")
	}
	if _, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: "done"}); err == nil {
		t.Error("an unknown status was accepted")
	}
	v, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerScheduled, Until: t0.Add(10 * day), IP: "192.0.2.1", UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Case.State != store.CaseScheduled || !v.Case.NextReminderAt.Equal(t0.Add(10*day+9*time.Hour)) {
		t.Fatalf("scheduled case = %+v", v.Case)
	}
	clk.Set(t0.Add(5 * day))
	if n, err := e.Reminders.remindDue(ctx); err != nil || n != 0 {
		t.Fatalf("reminders while paused: %d, %v", n, err)
	}
	clk.Set(t0.Add(10*day + 9*time.Hour))
	if n, err := e.Reminders.remindDue(ctx); err != nil || n != 1 {
		t.Fatalf("reminders when the pause ends: %d, %v; want 1", n, err)
	}
	if _, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerPatched, Version: "9.0\nR3.4"}); err == nil {
		t.Error("a version of two lines was accepted")
	}
	if v, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerPatched, Version: " 9.0R3.4 "}); err != nil || v.Case.Answer.Version != "9.0R3.4" {
		t.Fatalf("patched, running 9.0R3.4: %+v, %v", v.Case.Answer, err)
	}
	clk.Set(t0.Add(60 * day))
	if n, err := e.Reminders.remindDue(ctx); err != nil || n != 0 {
		t.Fatalf("reminders after patched: %d, %v; want none", n, err)
	}
}

func TestComposeKeepsAdvisoryTextOutOfHeaders(t *testing.T) {
	t.Parallel()
	from, _ := mail.ParseAddress("Heed <heed@heed.example>")
	to, _ := mail.ParseAddress("sec@acme.test")
	msg := compose(envelope{From: from, To: to, Date: t0, MessageID: "<a@heed.example>", CaseID: "case_x"},
		templates.Mail{Subject: "Title\r\nBcc: victim@evil.test\r\n\r\nbody", Text: "x", HTML: "<p>x</p>"})
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Bcc") != "" {
		t.Fatalf("advisory text injected a Bcc header:\n%s", msg)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if !strings.Contains(subject, "Bcc: victim@evil.test") {
		t.Errorf("subject %q lost the text instead of keeping it on one line", subject)
	}
}

// TestApplyResumesAfterAStop: if Heed stops after some of an advisory's
// batches, the redelivered message (same revision) finishes the work without
// mailing anyone twice.
func TestApplyResumesAfterAStop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newTestEngine(t)
	orgs := []string{addOrg(t, e, "Alpha", "9.0R3.3"), addOrg(t, e, "Beta", "9.0R3.3"), addOrg(t, e, "Gamma", "9.0R3.3")}
	adv := sa44101("1", "9.0R3.3")

	// The first transaction and one organization's batch commit; then Heed stops.
	var work []orgWork
	if err := e.db.Update(ctx, func(tx *store.Tx) (err error) {
		work, _, err = e.Cases.planApply(tx, adv, Source{Publisher: e.publishers.All()[0]}, &Outcome{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.Outbox.update(ctx, func(tx *writeTx) error { return e.Cases.writeBatch(tx, adv, work[:1], nil, &Outcome{}) }); err != nil {
		t.Fatal(err)
	}

	out, err := e.Cases.ApplyAdvisory(ctx, adv)
	if err != nil || out.Unchanged || out.Opened != 2 {
		t.Fatalf("redelivery of the half-applied revision: %+v, %v; want the 2 missing cases opened", out, err)
	}
	for _, org := range orgs {
		c := caseOf(t, e, org)
		if ms := mailsOf(t, e, c.ID); len(ms) != 1 {
			t.Errorf("org %s got %d notices, want 1", org, len(ms))
		}
	}
	if out, err := e.Cases.ApplyAdvisory(ctx, adv); err != nil || !out.Unchanged {
		t.Errorf("once applied, the same revision: %+v, %v; want unchanged", out, err)
	}
}
