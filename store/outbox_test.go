package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

// seedCase writes an organization with one contact, an advisory and a case
// of it, for the rows that reference them; it returns the case and contact.
func seedCase(t *testing.T, db *DB) (caseID string, contactID int64) {
	t.Helper()
	err := db.Update(context.Background(), func(tx *Tx) error {
		org := &Org{ID: "o1", Name: "Acme", Language: "en", Timezone: "UTC", CreatedAt: t0,
			Contacts: []Contact{{Email: "sec@acme.example", Role: "primary"}}}
		if err := tx.CreateOrg(org); err != nil {
			return err
		}
		contactID = org.Contacts[0].ID
		if err := tx.PutAdvisory(&Advisory{ID: "A1", Revision: "1", Format: "heed", Title: "t", Severity: "high",
			Doc: []byte("{}"), ReceivedAt: t0, UpdatedAt: t0}); err != nil {
			return err
		}
		return tx.CreateCase(&Case{ID: "c1", AdvisoryID: "A1", OrgID: "o1", State: CaseOpen, OpenedAt: t0,
			DueAt: t0.Add(time.Hour), UpdatedAt: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	return "c1", contactID
}

// update runs fn in a write transaction and fails the test on error.
func update(t *testing.T, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func mailState(t *testing.T, db *DB, id int64) Mail {
	t.Helper()
	var m Mail
	if err := db.View(context.Background(), func(tx *Tx) (err error) { m, err = tx.Mail(id); return err }); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOutboxClaims follows mails through the delivery journal's claim that
// precedes an SMTP exchange and the fold of its outcome into the outbox: a
// claim is taken once and hides the mail from DueMails; an outcome is folded
// once, however often it is folded; a claim whose outcome never came is the
// outbox's claim, due again only once stale.
func TestOutboxClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := openTestDB(t)
	j, err := db.Journal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	caseID, contact := seedCase(t, db)
	const timeout = 10 * time.Minute
	ids := map[string]int64{}
	update(t, db, func(tx *Tx) error {
		for i, spec := range []struct {
			name, state string
			due         time.Time
		}{{"now", MailPending, t0}, {"later", MailPending, t0.Add(time.Hour)}, {"held", MailHeld, t0}} {
			m := &Mail{CaseID: caseID, ContactID: contact, Kind: "notice", Seq: i, Recipient: "sec@acme.example",
				Subject: spec.name, MessageID: fmt.Sprintf("<%s@heed>", spec.name), Message: []byte("body"),
				State: spec.state, NextAttemptAt: spec.due, CreatedAt: t0}
			if err := tx.AddMail(m); err != nil {
				return err
			}
			ids[spec.name] = m.ID
		}
		dup := &Mail{CaseID: caseID, Kind: "notice", Recipient: "x@acme.example", MessageID: "<now@heed>",
			Message: []byte("b"), State: MailPending, NextAttemptAt: t0, CreatedAt: t0}
		if err := tx.AddMail(dup); err == nil {
			t.Error("a second mail with the same Message-ID was accepted")
		}
		return nil
	})
	journaled := func() []int64 {
		t.Helper()
		cs, err := j.Claims(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, c := range cs {
			out = append(out, c.MailID)
		}
		return out
	}
	due := func(now time.Time) []string {
		t.Helper()
		var names []string
		err := db.View(ctx, func(tx *Tx) error {
			ms, err := tx.DueMails(now, now.Add(-timeout), 10, journaled())
			for _, m := range ms {
				names = append(names, m.Subject)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	claim := func(name string, at time.Time) bool {
		t.Helper()
		var claimed bool
		if err := j.Update(ctx, func(jtx *JournalTx) error {
			var ok map[int64]int
			if err := db.View(ctx, func(tx *Tx) (err error) { ok, err = tx.Claimable([]int64{ids[name]}, at, at.Add(-timeout)); return err }); err != nil {
				return err
			}
			attempts, claimable := ok[ids[name]]
			if !claimable {
				return nil
			}
			claimed, err = jtx.Claim(ids[name], at, attempts)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return claimed
	}
	fold := func(c Claim) bool {
		t.Helper()
		var folded bool
		update(t, db, func(tx *Tx) (err error) {
			if c.Outcome == nil {
				return tx.FoldInFlight(c)
			}
			folded, err = tx.FoldOutcome(c)
			return err
		})
		return folded
	}
	if got := due(t0); len(got) != 1 || got[0] != "now" {
		t.Fatalf("due at t0 = %v, want [now]: not the later one, not the held one", got)
	}

	if !claim("now", t0) {
		t.Fatal("the due mail could not be claimed")
	}
	if claim("now", t0) || len(due(t0.Add(time.Minute))) != 0 {
		t.Fatalf("a fresh claim was taken again or listed as due (%v)", due(t0.Add(time.Minute)))
	}
	var next time.Time
	if err := db.View(ctx, func(tx *Tx) (err error) { next, err = tx.NextMailAt(timeout, journaled()); return err }); err != nil {
		t.Fatal(err)
	}
	if !next.Equal(t0.Add(time.Hour)) {
		t.Errorf("next mail at %v, want the later one's %v (the journaled one is in the relay's hands)", next, t0.Add(time.Hour))
	}

	// The outcome of that exchange never came (Heed was killed): at the
	// next start the claim becomes the outbox's, due again once stale, and
	// taken again then.
	first := Claim{MailID: ids["now"], ClaimedAt: t0}
	fold(first)
	if err := j.Forget(ctx, []Claim{first}); err != nil {
		t.Fatal(err)
	}
	if m := mailState(t, db, ids["now"]); m.State != MailSending || !m.ClaimedAt.Equal(t0) || len(due(t0.Add(time.Minute))) != 0 {
		t.Fatalf("an unrecorded claim folded: %s claimed at %v, due %v; want sending at t0, not due", m.State, m.ClaimedAt, due(t0.Add(time.Minute)))
	}
	if err := db.View(ctx, func(tx *Tx) (err error) { next, err = tx.NextMailAt(timeout, nil); return err }); err != nil {
		t.Fatal(err)
	}
	if !next.Equal(t0.Add(timeout)) {
		t.Errorf("next mail at %v, want the claim's timeout %v (before the later mail)", next, t0.Add(timeout))
	}
	later := t0.Add(timeout + time.Minute)
	if got := due(later); len(got) != 1 || got[0] != "now" {
		t.Fatalf("due after the claim timeout = %v, want the stale claim", got)
	}
	if !claim("now", later) {
		t.Fatal("the stale claim could not be taken again")
	}
	// A retry, folded twice (a crash between the fold's commit and the
	// journal forgetting it): one attempt counted, due at its backoff.
	retryAt := later.Add(time.Hour)
	retry := Claim{MailID: ids["now"], ClaimedAt: later, Outcome: &Outcome{State: MailPending, NextAttemptAt: retryAt, Reply: "451 4.3.0 try later"}}
	if !fold(retry) || fold(retry) {
		t.Error("a retry folded twice changed the outbox twice, or never")
	}
	if m := mailState(t, db, ids["now"]); m.State != MailPending || m.Attempts != 1 || !m.NextAttemptAt.Equal(retryAt) {
		t.Errorf("after a retry folded twice the mail is %s after %d attempts, due %v; want pending after 1, due %v", m.State, m.Attempts, m.NextAttemptAt, retryAt)
	}
	if err := j.Forget(ctx, []Claim{retry}); err != nil {
		t.Fatal(err)
	}
	if !claim("now", retryAt) {
		t.Fatal("the retried mail could not be claimed at its next attempt")
	}
	sent := Claim{MailID: ids["now"], ClaimedAt: retryAt, Attempts: 1, Outcome: &Outcome{State: MailSent, NextAttemptAt: retryAt, Reply: "250 ok", SentAt: retryAt}}
	if !fold(sent) || fold(sent) {
		t.Error("an outcome folded twice changed the outbox twice, or never")
	}
	if m := mailState(t, db, ids["now"]); m.State != MailSent || m.Attempts != 2 || m.LastReply != "250 ok" || !m.SentAt.Equal(retryAt) {
		t.Errorf("after the 250 the mail is %+v", m)
	}

	// A mail cancelled during its exchange: if the relay took it, the record
	// says sent; any other outcome leaves it cancelled.
	if !claim("later", t0.Add(time.Hour)) {
		t.Fatal("the later mail could not be claimed at its time")
	}
	update(t, db, func(tx *Tx) error { return tx.CancelMails(caseID, "notice") })
	if m := mailState(t, db, ids["held"]); m.State != MailCancelled {
		t.Errorf("held mail after CancelMails is %s, want cancelled", m.State)
	}
	if m := mailState(t, db, ids["now"]); m.State != MailSent {
		t.Errorf("sent mail after CancelMails is %s, want still sent", m.State)
	}
	retry = Claim{MailID: ids["later"], ClaimedAt: t0.Add(time.Hour), Outcome: &Outcome{State: MailPending, NextAttemptAt: t0.Add(2 * time.Hour), Reply: "451"}}
	if m := mailState(t, db, ids["later"]); fold(retry) || m.State != MailCancelled {
		t.Errorf("a retry outcome of a cancelled mail: state %s; want cancelled kept", m.State)
	}
	took := Claim{MailID: ids["later"], ClaimedAt: t0.Add(time.Hour), Outcome: &Outcome{State: MailSent, Reply: "250 ok", SentAt: t0.Add(time.Hour)}}
	if m := mailState(t, db, ids["later"]); !fold(took) || mailState(t, db, ids["later"]).State != MailSent {
		t.Errorf("the relay took a mail cancelled during the exchange: state %s; want sent", m.State)
	}

	var counts map[string]int
	var exists bool
	if err := db.View(ctx, func(tx *Tx) (err error) {
		if counts, err = tx.MailCounts(); err != nil {
			return err
		}
		exists, err = tx.MailExists("<held@heed>")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if counts[MailSent] != 2 || counts[MailCancelled] != 1 || !exists {
		t.Errorf("counts %v, <held@heed> exists %v; want 2 sent, 1 cancelled, true", counts, exists)
	}
}

// TestPruneMailBodiesKeepsTheRecord: old bodies of finished mails go; the
// row (who, when, the relay's reply) stays, and unfinished mails keep theirs.
func TestPruneMailBodiesKeepsTheRecord(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	caseID, contact := seedCase(t, db)
	var sent, held int64
	update(t, db, func(tx *Tx) error {
		for _, m := range []*Mail{
			{Subject: "sent", State: MailPending, MessageID: "<s@heed>"},
			{Subject: "held", State: MailHeld, MessageID: "<h@heed>"},
		} {
			m.CaseID, m.ContactID, m.Kind, m.Recipient, m.Message = caseID, contact, "notice", "sec@acme.example", []byte("body")
			m.NextAttemptAt, m.CreatedAt = t0, t0
			if err := tx.AddMail(m); err != nil {
				return err
			}
		}
		sent, held = 1, 2
		ok, err := tx.FoldOutcome(Claim{MailID: sent, ClaimedAt: t0, Outcome: &Outcome{State: MailSent, Reply: "250 queued", SentAt: t0}})
		if err != nil || !ok {
			return fmt.Errorf("record the outcome: %v, %v", ok, err)
		}
		return nil
	})
	var n int
	update(t, db, func(tx *Tx) (err error) { n, err = tx.PruneMailBodies(t0.Add(time.Hour), 100); return err })
	s, h := mailState(t, db, sent), mailState(t, db, held)
	if n != 1 || len(s.Message) != 0 || s.State != MailSent || s.LastReply != "250 queued" || s.Recipient != "sec@acme.example" {
		t.Errorf("pruned %d; sent mail now %+v; want its body gone and its record kept", n, s)
	}
	if string(h.Message) != "body" {
		t.Errorf("the held mail lost its body")
	}
}
