package notifier

// Guards of the promises in docs/PROMISES.md that the engine keeps: each test
// drives the engine through its exported entry points and watches what a
// real go-smtp server receives, so a break fails here, fast, under its own
// name, and not only in an end-to-end test minutes later.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/emersion/go-smtp"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/relay"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// keptMTA starts a test relay that keeps what it accepts.
func keptMTA(t testing.TB) (*testMTA, *relay.Relay) {
	t.Helper()
	mta, r := startMTA(t)
	mta.keep = true
	return mta, r
}

// refuseData makes the test relay answer DATA with e; nil accepts again.
func (m *testMTA) refuseData(e *smtp.SMTPError) {
	if e == nil {
		m.answer(nil, nil)
		return
	}
	m.answer(nil, func(string) error { return e })
}

// relayedEngine returns an engine built only through Config, delivering
// through the relay client r, on a fake clock at t0.
func relayedEngine(t testing.TB, r *relay.Relay, policies map[string]Policy) (*Engine, *clock.Fake) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "heed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(t0)
	e, err := New(Config{DB: db, Matcher: subscribers.NewMatcher(subscribers.DefaultAliases()), Clock: clk,
		PublicURL: "https://heed.example", From: "Heed <heed@heed.example>", AckSecret: testAckSecret,
		Relay: r, Senders: 1, Policies: policies})
	if err != nil {
		t.Fatal(err)
	}
	return e, clk
}

// deliver runs one delivery round and returns what the server accepted in it.
func deliver(t *testing.T, e *Engine, srv *testMTA) []receivedMail {
	t.Helper()
	before := len(srv.mails())
	if _, err := e.Delivery.deliverDue(context.Background()); err != nil {
		t.Fatalf("deliverDue: %v", err)
	}
	return srv.mails()[before:]
}

func recipientsOf(ms []receivedMail) []string {
	var to []string
	for _, m := range ms {
		to = append(to, m.to)
	}
	slices.Sort(to)
	return to
}

// remindAt moves the clock to at, runs the scheduler and delivers; it
// returns who received the reminder.
func remindAt(t *testing.T, e *Engine, clk *clock.Fake, srv *testMTA, at time.Time) []string {
	t.Helper()
	clk.Set(at)
	if n, err := e.Reminders.remindDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("remindDue at %s = %d, %v; want one case reminded", at.Sub(t0), n, err)
	}
	return recipientsOf(deliver(t, e, srv))
}

// notified returns an engine whose organization Alpha (a primary and an
// escalation contact) has been sent the notice of SA44101 under policy, a
// critical one.
func notified(t *testing.T, policy Policy) (*Engine, *clock.Fake, *testMTA) {
	t.Helper()
	srv, r := keptMTA(t)
	policy.Severity = "critical"
	e, clk := relayedEngine(t, r, map[string]Policy{"critical": policy})
	addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(context.Background(), sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	if got := recipientsOf(deliver(t, e, srv)); !slices.Equal(got, []string{"sec@alpha.test"}) {
		t.Fatalf("notice went to %v, want the primary contact only", got)
	}
	return e, clk, srv
}

// TestEscalationAfterEscalateAfter: the reminders up to escalate_after go to
// the primary contact only; from the next one on, the escalation contact is
// copied too.
func TestEscalationAfterEscalateAfter(t *testing.T) {
	t.Parallel()
	e, clk, srv := notified(t, Policy{Reminders: []time.Duration{day, 2 * day}, Repeat: day, EscalateAfter: 2, Due: 365 * day})
	primary, both := []string{"sec@alpha.test"}, []string{"boss@alpha.test", "sec@alpha.test"}
	for i, want := range [][]string{primary, primary, both, both} {
		if got := remindAt(t, e, clk, srv, t0.Add(time.Duration(i+1)*day)); !slices.Equal(got, want) {
			t.Errorf("reminder %d (escalate_after 2) went to %v, want %v", i+1, got, want)
		}
	}
}

// TestEscalationWhenOverdue: once the due date has passed, the reminder
// copies the escalation contact, however few reminders were sent.
func TestEscalationWhenOverdue(t *testing.T) {
	t.Parallel()
	e, clk, srv := notified(t, Policy{Reminders: []time.Duration{day, 3 * day}, Repeat: day, EscalateAfter: 100, Due: 2 * day})
	if got := remindAt(t, e, clk, srv, t0.Add(day)); !slices.Equal(got, []string{"sec@alpha.test"}) {
		t.Errorf("reminder before the due date went to %v, want the primary contact only", got)
	}
	if got := remindAt(t, e, clk, srv, t0.Add(3*day)); !slices.Equal(got, []string{"boss@alpha.test", "sec@alpha.test"}) {
		t.Errorf("reminder after the due date went to %v, want the escalation contact copied", got)
	}
}

// TestThreadingHeadersOnEveryLaterMail: every mail of a case to a contact
// after the first replies to that first one (In-Reply-To and References),
// so the recipient's mail program shows one thread.
func TestThreadingHeadersOnEveryLaterMail(t *testing.T) {
	t.Parallel()
	e, clk, srv := notified(t, Policy{Reminders: []time.Duration{day, 2 * day}, Repeat: day, EscalateAfter: 1, Due: 365 * day})
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		remindAt(t, e, clk, srv, t0.Add(time.Duration(i)*day))
	}
	withdrawn := sa44101("2", "9.0R3.3")
	withdrawn.Withdrawn = true
	if _, err := e.Cases.ApplyAdvisory(ctx, withdrawn); err != nil {
		t.Fatal(err)
	}
	deliver(t, e, srv)

	byRecipient := map[string][]receivedMail{}
	for _, m := range srv.mails() {
		byRecipient[m.to] = append(byRecipient[m.to], m)
	}
	// The primary contact: notice, 3 reminders, withdrawal. The escalation
	// contact: reminders 2 and 3 and the withdrawal, its own thread.
	for to, want := range map[string]int{"sec@alpha.test": 5, "boss@alpha.test": 3} {
		ms := byRecipient[to]
		if len(ms) != want {
			t.Fatalf("%s received %d mails, want %d", to, len(ms), want)
		}
		first := ms[0].header.Get("Message-ID")
		if first == "" || ms[0].header.Get("In-Reply-To") != "" || ms[0].header.Get("References") != "" {
			t.Errorf("first mail to %s: Message-ID %q, In-Reply-To %q, References %q; want an id and no reply headers",
				to, first, ms[0].header.Get("In-Reply-To"), ms[0].header.Get("References"))
		}
		for i, m := range ms[1:] {
			h := m.header
			if h.Get("In-Reply-To") != first || !strings.Contains(h.Get("References"), first) {
				t.Errorf("mail %d to %s (%s): In-Reply-To %q, References %q; want both to name %s",
					i+2, to, h.Get("Subject"), h.Get("In-Reply-To"), h.Get("References"), first)
			}
			if id := h.Get("Message-ID"); id == "" || id == first {
				t.Errorf("mail %d to %s has Message-ID %q; want its own", i+2, to, id)
			}
		}
	}
}

// TestDataRefusalIsNeverSent: a relay that refuses at DATA has not taken the
// mail. A 4xx is retried after a backoff and only then marked sent; a 5xx
// mailbox fault fails the mail and it is not tried again; a content refusal
// is never recorded as sent.
func TestDataRefusalIsNeverSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	setup := func(t *testing.T, refusal *smtp.SMTPError) (*Engine, *clock.Fake, *testMTA, string) {
		srv, r := keptMTA(t)
		srv.refuseData(refusal)
		e, clk := relayedEngine(t, r, nil)
		org := addOrg(t, e, "Alpha", "9.0R3.3")
		if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
			t.Fatal(err)
		}
		if got := deliver(t, e, srv); len(got) != 0 || srv.dataCommands() != 1 {
			t.Fatalf("with DATA refused the server accepted %d mails after %d DATA commands; want 0 after 1", len(got), srv.dataCommands())
		}
		return e, clk, srv, caseOf(t, e, org).ID
	}
	// onlyMail is the one mail of the case to the primary contact.
	onlyMail := func(t *testing.T, e *Engine, caseID string) store.Mail {
		var mine []store.Mail
		for _, m := range mailsOf(t, e, caseID) {
			if m.Recipient == "sec@alpha.test" {
				mine = append(mine, m)
			}
		}
		if len(mine) != 1 {
			t.Fatalf("outbox of the case has %d mails to the primary contact, want 1", len(mine))
		}
		return mine[0]
	}

	t.Run("4xx retries", func(t *testing.T) {
		t.Parallel()
		e, clk, srv, caseID := setup(t, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"})
		if m := onlyMail(t, e, caseID); m.State != store.MailPending || m.Attempts != 1 || !strings.Contains(m.LastReply, "451") {
			t.Fatalf("after a 451 to DATA the mail is %s, %d attempts, reply %q; want pending, 1, the 451", m.State, m.Attempts, m.LastReply)
		}
		deliver(t, e, srv)
		if n := srv.dataCommands(); n != 1 {
			t.Errorf("the mail was tried again before its backoff: %d DATA commands", n)
		}
		srv.refuseData(nil)
		clk.Advance(2 * time.Hour)
		if got := deliver(t, e, srv); len(got) != 1 {
			t.Fatalf("after the backoff the server accepted %d mails, want the retried one", len(got))
		}
		if m := onlyMail(t, e, caseID); m.State != store.MailSent || m.Attempts != 2 {
			t.Errorf("after the relay's 250 the mail is %s after %d attempts; want sent after 2", m.State, m.Attempts)
		}
	})
	t.Run("5xx mailbox fault fails", func(t *testing.T) {
		t.Parallel()
		e, clk, srv, caseID := setup(t, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 2, 1}, Message: "mailbox disabled"})
		if m := onlyMail(t, e, caseID); m.State != store.MailFailed || !strings.Contains(m.LastReply, "550") {
			t.Fatalf("after a 550 5.2.1 to DATA the mail is %s, reply %q; want failed with the 550", m.State, m.LastReply)
		}
		srv.refuseData(nil)
		clk.Advance(3 * day)
		// The escalation contact gets the notice instead; the refused
		// mail is not tried again.
		if got := recipientsOf(deliver(t, e, srv)); !slices.Equal(got, []string{"boss@alpha.test"}) {
			t.Errorf("after the mailbox fault the relay received mail for %v, want only boss@alpha.test", got)
		}
		if m := onlyMail(t, e, caseID); m.State != store.MailFailed || m.Attempts != 1 {
			t.Errorf("the refused mail is %s after %d attempts; want failed after 1", m.State, m.Attempts)
		}
	})
	t.Run("5xx content refusal is not sent", func(t *testing.T) {
		t.Parallel()
		e, _, _, caseID := setup(t, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "content refused"})
		if m := onlyMail(t, e, caseID); m.State == store.MailSent || !strings.Contains(m.LastReply, "554") {
			t.Errorf("after a 554 5.6.0 to DATA the mail is %s, reply %q; want not sent, with the 554", m.State, m.LastReply)
		}
	})
}

// TestDuplicatePublishSendsNoSecondMail counts the mails the relay receives:
// the same document taken in twice, the same revision applied again, an
// older one, and a newer revision that changes nothing the cases are about
// (the same items, ranges, fixes, severity and due date) each send nothing
// more than the first notice.
func TestDuplicatePublishSendsNoSecondMail(t *testing.T) {
	t.Parallel()
	srv, r := keptMTA(t)
	e, _ := relayedEngine(t, r, nil)
	addOrg(t, e, "Alpha", "9.0R3.3")
	addOrg(t, e, "Beta", "9.0R3.3")
	ctx := context.Background()
	doc, err := os.ReadFile(filepath.Join("formats", "testdata", "sa44101.heed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Intake.ingest(ctx, "advisories.heed", 1, doc, ""); err != nil {
		t.Fatal(err)
	}
	if got := deliver(t, e, srv); len(got) != 2 {
		t.Fatalf("first publish: the relay received %d mails, want 2", len(got))
	}
	if out, err := e.Intake.ingest(ctx, "advisories.heed", 2, doc, ""); err != nil || !out.Unchanged {
		t.Fatalf("the same document again: %+v, %v; want unchanged", out, err)
	}
	var again *advisory.Advisory
	if err := e.db.View(ctx, func(tx *store.Tx) (err error) { again, err = loadAdvisory(tx, "SA44101"); return err }); err != nil {
		t.Fatal(err)
	}
	for _, rev := range []string{"1", "0", "2"} {
		again.Revision = rev
		if out, err := e.Cases.ApplyAdvisory(ctx, again); err != nil || out.Opened != 0 {
			t.Fatalf("revision %s after the first: %+v, %v; want nothing opened", rev, out, err)
		}
	}
	if got := deliver(t, e, srv); len(got) != 0 {
		t.Errorf("after duplicates and a same-items revision the relay received %d more mails (%v), want none", len(got), recipientsOf(got))
	}
}

var ackLink = regexp.MustCompile(`https://heed\.example/ack/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`)

// signedToken builds an ack token as docs/ARCHITECTURE.md describes it,
// with crypto/hmac directly, so that checking the engine's tokens does not
// rest on the engine's own signing code.
func signedToken(secret []byte, caseID string, contactID int64, expires time.Time) string {
	payload := fmt.Sprintf("%s.%d.%d", caseID, contactID, expires.Unix())
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("ack\x00" + payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TestOnlyLinksSignedWithTheSecretAnswer: the link in a mail is signed with
// the configured secret; a token signed with another key (an empty one
// included), moved to another case or contact, or past its expiry is refused.
func TestOnlyLinksSignedWithTheSecretAnswer(t *testing.T) {
	t.Parallel()
	srv, r := keptMTA(t)
	e, clk := relayedEngine(t, r, nil)
	alpha, beta := addOrg(t, e, "Alpha", "9.0R3.3"), addOrg(t, e, "Beta", "9.0R3.3")
	ctx := context.Background()
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	var link Link
	var fromMail string
	for _, m := range deliver(t, e, srv) {
		if m.to != "sec@alpha.test" {
			continue
		}
		found := ackLink.FindStringSubmatch(strings.ReplaceAll(m.body, "=\r\n", ""))
		if found == nil {
			t.Fatalf("no link in the mail:\n%s", m.body)
		}
		fromMail = found[1]
		var err error
		if link, err = e.Links.Verify(fromMail); err != nil {
			t.Fatalf("the link of the mail does not verify: %v", err)
		}
	}
	caseA, caseB := caseOf(t, e, alpha).ID, caseOf(t, e, beta).ID
	if link.CaseID != caseA || !link.Expires.After(t0) {
		t.Fatalf("the mail's link is %+v, want Alpha's case %s, expiring later", link, caseA)
	}
	if want := signedToken(testAckSecret, link.CaseID, link.ContactID, link.Expires); fromMail != want {
		t.Fatalf("the mail's token %s is not HMAC-SHA256 with the configured secret (%s)", fromMail, want)
	}
	if l, err := e.Links.Verify(signedToken(testAckSecret, caseA, link.ContactID, t0.Add(day))); err != nil || l.CaseID != caseA {
		t.Errorf("a token signed with the secret: %+v, %v; want accepted", l, err)
	}

	_, sig, _ := strings.Cut(fromMail, ".")
	moved := func(caseID string, contactID int64) string {
		tok, _, _ := strings.Cut(signedToken(testAckSecret, caseID, contactID, link.Expires), ".")
		return tok + "." + sig
	}
	for name, tok := range map[string]string{
		"signed with an empty key":        signedToken(nil, caseA, link.ContactID, link.Expires),
		"signed with another secret":      signedToken(bytes.Repeat([]byte("x"), 32), caseA, link.ContactID, link.Expires),
		"another case, this signature":    moved(caseB, link.ContactID),
		"another contact, this signature": moved(caseA, link.ContactID+1),
		"past its expiry":                 signedToken(testAckSecret, caseA, link.ContactID, t0.Add(-time.Second)),
	} {
		if l, err := e.Links.Verify(tok); !errors.Is(err, ErrBadLink) {
			t.Errorf("%s: verify = %+v, %v; want ErrBadLink", name, l, err)
		}
		if _, err := e.Answers.CaseForLink(ctx, tok); err == nil {
			t.Errorf("%s: CaseForLink showed the case", name)
		}
		if _, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerPatched}); err == nil {
			t.Errorf("%s: RecordAnswer recorded an answer", name)
		}
	}
	clk.Set(link.Expires.Add(time.Second))
	if _, err := e.Links.Verify(fromMail); !errors.Is(err, ErrBadLink) {
		t.Errorf("the mail's link after its expiry: %v, want ErrBadLink", err)
	}
}

// TestMailInTheOrganizationsLanguage: each organization is mailed in its
// own language, whatever the others speak.
func TestMailInTheOrganizationsLanguage(t *testing.T) {
	t.Parallel()
	srv, r := keptMTA(t)
	e, _ := relayedEngine(t, r, nil)
	ctx := context.Background()
	for _, spec := range []subscribers.OrgSpec{
		{Name: "Nihon KK", Language: "ja", Contacts: []subscribers.ContactSpec{{Email: "sec@nihon.test"}}},
		{Name: "Acme", Language: "en", Contacts: []subscribers.ContactSpec{{Email: "sec@acme.test"}}},
	} {
		org, err := e.Orgs.CreateOrg(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	japanese := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) })
	}
	got := deliver(t, e, srv)
	if len(got) != 2 {
		t.Fatalf("the relay received %d notices, want 2", len(got))
	}
	for _, m := range got {
		subject, err := new(mime.WordDecoder).DecodeHeader(m.header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		if want := m.to == "sec@nihon.test"; japanese(subject) != want {
			t.Errorf("the notice to %s has the subject %q; want it in Japanese: %v", m.to, subject, want)
		}
	}
}

// TestUnknownTokensOpenNothing: a token Heed did not issue, one that differs
// by a character, or one revoked, authenticates as nobody.
func TestUnknownTokensOpenNothing(t *testing.T) {
	t.Parallel()
	e, _ := newTestEngine(t)
	ctx := context.Background()
	const admin = "configured-admin-token-1"
	if err := e.Access.EnsureAdmin(ctx, admin, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, bob, err := e.Access.AddToken(ctx, TokenSpec{Name: "bob", Role: store.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := e.Access.Authenticate(ctx, bob); err != nil || tok.Name != "bob" {
		t.Fatalf("bob's token: %+v, %v; want bob", tok, err)
	}
	if err := e.Access.RevokeToken(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"none": "", "made up": "heed_0123456789abcdef", "one more character": admin + "x",
		"one character less": admin[:len(admin)-1], "revoked": bob} {
		if tok, err := e.Access.Authenticate(ctx, secret); !errors.Is(err, ErrUnknownToken) || tok.Name != "" || tok.Role != "" {
			t.Errorf("%s: Authenticate = %+v, %v; want ErrUnknownToken and no token", name, tok, err)
		}
	}
}
