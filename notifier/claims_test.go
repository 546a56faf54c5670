package notifier

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/store"
)

// allMails returns every row of the outbox, by recipient.
func allMails(t testing.TB, e *Engine) map[string]store.Mail {
	t.Helper()
	var ms []store.Mail
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) {
		ms, err = tx.Mails(store.MailFilter{Limit: 10000})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Mail{}
	for _, m := range ms {
		out[m.Recipient] = m
	}
	return out
}

// deliveringEngine returns an engine on the SQLite file at path that
// delivers to a test relay, with one open case, and one mail, per
// organization named.
func deliveringEngine(t testing.TB, path string, orgs ...string) (*Engine, *clock.Fake, *testMTA) {
	t.Helper()
	mta, r := startMTA(t)
	e, clk := newTestEngineAt(t, path)
	e.Delivery.relay, e.Outbox.hold = r, false
	for _, name := range orgs {
		addOrg(t, e, name, "9.0R3.3")
	}
	if _, err := e.Cases.ApplyAdvisory(context.Background(), sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	return e, clk, mta
}

// journalClaims returns the delivery journal's claims, by mail.
func journalClaims(t testing.TB, e *Engine) map[int64]store.Claim {
	t.Helper()
	j, err := e.db.Journal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cs, err := j.Claims(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]store.Claim{}
	for _, c := range cs {
		out[c.MailID] = c
	}
	return out
}

// refuseSent makes the SQLite file at path refuse, as a full disk would,
// to write state 'sent' into table, until the returned function lifts it.
func refuseSent(t testing.TB, path, table, reason string) (lift func()) {
	t.Helper()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	if _, err := raw.Exec(`CREATE TRIGGER refuse_sent BEFORE UPDATE OF state ON ` + table + `
		WHEN NEW.state = 'sent' BEGIN SELECT RAISE(ABORT, '` + reason + `'); END`); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := raw.Exec(`DROP TRIGGER refuse_sent`); err != nil {
			t.Fatal(err)
		}
	}
}

// wantEachSentOnce checks that every mail of the outbox says sent and
// that the relay received each once.
func wantEachSentOnce(t testing.TB, e *Engine, mta *testMTA) {
	t.Helper()
	for to, m := range allMails(t, e) {
		if m.State != store.MailSent || m.Attempts != 1 || mta.received(to) != 1 {
			t.Errorf("mail to %s is %s after %d attempts, received %d times; want sent once", to, m.State, m.Attempts, mta.received(to))
		}
	}
}

// TestMailIsClaimedBeforeTheExchange: while the relay holds a mail, the
// delivery journal already holds its claim, with the time of the claim;
// after the relay's 250 the outbox says sent, with the relay's reply, and
// the journal has forgotten it.
func TestMailIsClaimedBeforeTheExchange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clk, mta := deliveringEngine(t, filepath.Join(t.TempDir(), "heed.db"), "Alpha")
	clk.Set(t0.Add(time.Second))
	var during store.Claim
	var claimed bool
	mta.answer(nil, func(to string) error {
		during, claimed = journalClaims(t, e)[allMails(t, e)[to].ID]
		return nil
	})
	if n, err := e.Delivery.deliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("deliverDue = %d, %v", n, err)
	}
	if !claimed || during.Outcome != nil || !during.ClaimedAt.Equal(t0.Add(time.Second)) {
		t.Errorf("during the exchange the journal holds %+v (claimed %v); want the claim at %v, no outcome", during, claimed, t0.Add(time.Second))
	}
	after := allMails(t, e)["sec@alpha.test"]
	if after.State != store.MailSent || after.Attempts != 1 || after.LastReply == "" || mta.received("sec@alpha.test") != 1 {
		t.Errorf("after the exchange: %s, %d attempts, reply %q, relay got %d; want sent once with the reply",
			after.State, after.Attempts, after.LastReply, mta.received("sec@alpha.test"))
	}
	if left := journalClaims(t, e); len(left) != 0 {
		t.Errorf("the journal still holds %v after the round", left)
	}
}

// TestAnOutcomeThatCannotBeCommittedIsNotSentAgain: when the delivery
// journal refuses to record what the relay answered (a full disk, here a
// trigger), delivery stops instead of sending the same mail every round;
// once the journal works again, the outcome kept in memory is recorded and
// the rest goes out, each mail exactly once.
func TestAnOutcomeThatCannotBeCommittedIsNotSentAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heed.db")
	e, _, mta := deliveringEngine(t, path, "Alpha", "Beta", "Gamma")
	e.Delivery.senders = 1
	if _, err := e.db.Journal(ctx); err != nil {
		t.Fatal(err)
	}
	lift := refuseSent(t, store.JournalPath(path), "claims", "database or disk is full")
	for round := range 5 {
		if _, err := e.Delivery.deliverDue(ctx); err == nil {
			t.Fatalf("round %d: deliverDue reported no error while the journal refuses the outcome", round)
		}
	}
	if got := mta.total(); got != 1 {
		t.Fatalf("the relay got %d mails in 5 rounds of a failing journal; want the first one only", got)
	}
	if cs := journalClaims(t, e); len(cs) != 1 {
		t.Errorf("the journal holds %d claims; want the one whose outcome is unrecorded", len(cs))
	}

	lift()
	if _, err := e.Delivery.deliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	wantEachSentOnce(t, e, mta)
}

// TestAnOutboxThatRefusesTheOutcomesStopsDelivery: when the database will
// not take the journal's outcomes (the fold fails: a full disk, here a
// trigger), the journal keeps them, no mail is sent twice, and nothing new
// is claimed until the outbox takes them; then it says sent, once each.
func TestAnOutboxThatRefusesTheOutcomesStopsDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heed.db")
	e, _, mta := deliveringEngine(t, path, "Alpha", "Beta")
	e.Delivery.senders = 1
	lift := refuseSent(t, path, "outbox", "database or disk is full")
	if _, err := e.Delivery.deliverDue(ctx); err == nil {
		t.Fatal("deliverDue reported no error while the outbox refuses the outcomes")
	}
	addOrg(t, e, "Gamma", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("2", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		if _, err := e.Delivery.deliverDue(ctx); err == nil {
			t.Fatalf("round %d: deliverDue reported no error while the outbox refuses the outcomes", round)
		}
	}
	if mta.total() != 2 || mta.received("sec@gamma.test") != 0 {
		t.Fatalf("the relay got %d mails (Gamma %d) while the outbox refused the outcomes; want Alpha's and Beta's once, nothing new",
			mta.total(), mta.received("sec@gamma.test"))
	}
	if cs := journalClaims(t, e); len(cs) != 2 {
		t.Errorf("the journal holds %d claims; want the two outcomes the outbox refused", len(cs))
	}

	lift()
	if _, err := e.Delivery.deliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	wantEachSentOnce(t, e, mta)
}

// TestAnUnrecordedClaimWaitsForTheClaimTimeout: a mail claimed by a process
// that died during the exchange is neither lost nor sent at once again; it
// goes out when its claim is as old as the claim timeout.
func TestAnUnrecordedClaimWaitsForTheClaimTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clk, mta := deliveringEngine(t, filepath.Join(t.TempDir(), "heed.db"), "Alpha", "Beta")
	// The process before this one claimed Alpha's mail and was killed.
	alpha := allMails(t, e)["sec@alpha.test"]
	j, err := e.db.Journal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Update(ctx, func(jtx *store.JournalTx) error {
		_, err := jtx.Claim(alpha.ID, t0, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(time.Minute))
	for range 3 {
		if _, err := e.Delivery.deliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if mta.received("sec@alpha.test") != 0 || mta.received("sec@beta.test") != 1 {
		t.Fatalf("before the claim timeout: Alpha got %d, Beta %d; want 0 and 1",
			mta.received("sec@alpha.test"), mta.received("sec@beta.test"))
	}
	if m := allMails(t, e)["sec@alpha.test"]; m.State != store.MailSending || !m.ClaimedAt.Equal(t0) {
		t.Errorf("Alpha's mail is %s claimed at %v; want the dead process's claim, sending since %v", m.State, m.ClaimedAt, t0)
	}
	next, err := e.Delivery.next(ctx)
	if err != nil || !next.Equal(t0.Add(defaultClaimTimeout)) {
		t.Fatalf("next delivery at %v, %v; want when the claim times out, %v", next, err, t0.Add(defaultClaimTimeout))
	}
	clk.Set(next)
	if n, err := e.Delivery.deliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("at the claim timeout: deliverDue = %d, %v", n, err)
	}
	if m := allMails(t, e)["sec@alpha.test"]; m.State != store.MailSent || mta.received("sec@alpha.test") != 1 {
		t.Errorf("Alpha's mail is %s, received %d times; want sent once", m.State, mta.received("sec@alpha.test"))
	}
}

// TestACrashBetweenTheJournalAndTheFold: Heed is killed after the journal
// recorded that the relay took a mail and before the outbox did (the fold
// failed, then nothing ran), and again after a fold's outbox commit and
// before the journal forgot what it folded. The next start folds what the
// journal holds first: each mail was received once, and the outbox says
// sent, after one attempt.
func TestACrashBetweenTheJournalAndTheFold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heed.db")
	e, _, mta := deliveringEngine(t, path, "Alpha", "Beta")
	lift := refuseSent(t, path, "outbox", "killed before the fold")
	if _, err := e.Delivery.deliverDue(ctx); err == nil {
		t.Fatal("deliverDue reported no error while the fold fails")
	}
	lift()
	// Beta's outcome reached the outbox, but the journal still has it, as
	// if Heed died between the fold's two commits.
	beta := allMails(t, e)["sec@beta.test"]
	cs := journalClaims(t, e)
	if len(cs) != 2 || cs[beta.ID].Outcome == nil || cs[beta.ID].Outcome.State != store.MailSent {
		t.Fatalf("the journal after the failed fold holds %+v; want both outcomes, sent", cs)
	}
	if err := e.db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.FoldOutcome(cs[beta.ID])
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// The next process, on the same files.
	next, _ := newTestEngineAt(t, path)
	next.Delivery.relay, next.Outbox.hold = e.Delivery.relay, false
	if _, err := next.Delivery.deliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	wantEachSentOnce(t, next, mta)
	if left := journalClaims(t, next); len(left) != 0 {
		t.Errorf("the journal still holds %v after the start's fold", left)
	}
}

// TestAMailAnsweredBeforeItsClaimIsNotSent: the round read two due mails;
// while the relay holds the first, the second's case is answered through
// its link. The second is not claimed (the outbox, read when it would be,
// says cancelled) and never reaches the relay; the first is sent.
func TestAMailAnsweredBeforeItsClaimIsNotSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _, mta := deliveringEngine(t, filepath.Join(t.TempDir(), "heed.db"), "Alpha", "Beta")
	e.Delivery.senders = 1
	mails := allMails(t, e)
	first, second := mails["sec@alpha.test"], mails["sec@beta.test"]
	if second.ID < first.ID {
		first, second = second, first
	}
	mta.answer(nil, func(to string) error {
		if to != first.Recipient {
			return nil
		}
		tok := e.Links.ackToken(second.CaseID, second.ContactID, t0.Add(90*day))
		_, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerPatched})
		return err
	})
	if _, err := e.Delivery.deliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	if mta.received(first.Recipient) != 1 || mta.received(second.Recipient) != 0 {
		t.Errorf("the relay got %d mails to %s and %d to %s (answered before its claim); want 1 and 0",
			mta.received(first.Recipient), first.Recipient, mta.received(second.Recipient), second.Recipient)
	}
	after := allMails(t, e)
	if after[first.Recipient].State != store.MailSent || after[second.Recipient].State != store.MailCancelled {
		t.Errorf("outbox: %s %s, %s %s; want sent and cancelled", first.Recipient, after[first.Recipient].State,
			second.Recipient, after[second.Recipient].State)
	}
}
