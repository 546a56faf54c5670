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

// TestMailIsClaimedBeforeTheExchange: while the relay holds a mail, its row
// already says sending, with the time of the claim; after the relay's 250 it
// says sent, with the relay's reply.
func TestMailIsClaimedBeforeTheExchange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clk, mta := deliveringEngine(t, filepath.Join(t.TempDir(), "heed.db"), "Alpha")
	clk.Set(t0.Add(time.Second))
	var during store.Mail
	mta.answer(nil, func(to string) error {
		during = allMails(t, e)[to]
		return nil
	})
	if n, err := e.Delivery.deliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("deliverDue = %d, %v", n, err)
	}
	if during.State != store.MailSending || !during.ClaimedAt.Equal(t0.Add(time.Second)) {
		t.Errorf("during the exchange the mail is %s claimed at %v; want sending, claimed at %v", during.State, during.ClaimedAt, t0.Add(time.Second))
	}
	after := allMails(t, e)["sec@alpha.test"]
	if after.State != store.MailSent || after.Attempts != 1 || after.LastReply == "" || mta.received("sec@alpha.test") != 1 {
		t.Errorf("after the exchange: %s, %d attempts, reply %q, relay got %d; want sent once with the reply",
			after.State, after.Attempts, after.LastReply, mta.received("sec@alpha.test"))
	}
}

// TestAnOutcomeThatCannotBeCommittedIsNotSentAgain: when the store refuses
// to record what the relay answered (a full disk, here a trigger), delivery
// stops instead of sending the same mail every round; once the store works
// again, the outcome kept in memory is recorded and the rest goes out, each
// mail exactly once.
func TestAnOutcomeThatCannotBeCommittedIsNotSentAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heed.db")
	e, _, mta := deliveringEngine(t, path, "Alpha", "Beta", "Gamma")
	e.Delivery.senders = 1
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER disk_full BEFORE UPDATE OF state ON outbox
		WHEN NEW.state = 'sent' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		if _, err := e.Delivery.deliverDue(ctx); err == nil {
			t.Fatalf("round %d: deliverDue reported no error while the store refuses the outcome", round)
		}
	}
	if got := mta.total(); got != 1 {
		t.Fatalf("the relay got %d mails in 5 rounds of a failing store; want the first one only", got)
	}
	sending := 0
	for _, m := range allMails(t, e) {
		if m.State == store.MailSending {
			sending++
		}
	}
	if sending != 1 {
		t.Errorf("%d mails are claimed; want the one whose outcome is unrecorded", sending)
	}

	if _, err := raw.Exec(`DROP TRIGGER disk_full`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Delivery.deliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	for to, m := range allMails(t, e) {
		if m.State != store.MailSent || mta.received(to) != 1 {
			t.Errorf("mail to %s is %s, received %d times; want sent once", to, m.State, mta.received(to))
		}
	}
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
	if err := e.db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.ClaimMail(alpha.ID, t0, t0)
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
