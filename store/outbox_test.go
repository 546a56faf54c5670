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

// TestOutboxClaims follows mails through the claim that precedes an SMTP
// exchange: a claim is taken once, is due again only once stale, and an
// outcome is recorded only under the claim that made the exchange.
func TestOutboxClaims(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
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
	due := func(now time.Time) []string {
		t.Helper()
		var names []string
		err := db.View(context.Background(), func(tx *Tx) error {
			ms, err := tx.DueMails(now, now.Add(-timeout), 10)
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
	if got := due(t0); len(got) != 1 || got[0] != "now" {
		t.Fatalf("due at t0 = %v, want [now]: not the later one, not the held one", got)
	}

	var claimed bool
	update(t, db, func(tx *Tx) (err error) { claimed, err = tx.ClaimMail(ids["now"], t0, t0.Add(-timeout)); return err })
	if !claimed {
		t.Fatal("the due mail could not be claimed")
	}
	update(t, db, func(tx *Tx) (err error) { claimed, err = tx.ClaimMail(ids["now"], t0, t0.Add(-timeout)); return err })
	if claimed || len(due(t0.Add(time.Minute))) != 0 {
		t.Fatalf("a fresh claim was taken again (%v) or listed as due (%v)", claimed, due(t0.Add(time.Minute)))
	}
	var next time.Time
	if err := db.View(context.Background(), func(tx *Tx) (err error) { next, err = tx.NextMailAt(timeout); return err }); err != nil {
		t.Fatal(err)
	}
	if !next.Equal(t0.Add(timeout)) {
		t.Errorf("next mail at %v, want the claim's timeout %v (before the later mail)", next, t0.Add(timeout))
	}

	// The outcome of that exchange never came: the claim goes stale and is
	// taken again; the first exchange's outcome, arriving late, changes nothing.
	later := t0.Add(timeout + time.Minute)
	if got := due(later); len(got) != 1 || got[0] != "now" {
		t.Fatalf("due after the claim timeout = %v, want the stale claim", got)
	}
	update(t, db, func(tx *Tx) (err error) {
		claimed, err = tx.ClaimMail(ids["now"], later, later.Add(-timeout))
		return err
	})
	var marked bool
	update(t, db, func(tx *Tx) (err error) {
		marked, err = tx.MarkMail(ids["now"], t0, MailSent, 1, t0, "250 late", t0)
		return err
	})
	if !claimed || marked {
		t.Fatalf("stale claim retaken: %v; outcome under the old claim recorded: %v", claimed, marked)
	}
	update(t, db, func(tx *Tx) (err error) {
		marked, err = tx.MarkMail(ids["now"], later, MailSent, 2, later, "250 ok", later)
		return err
	})
	if m := mailState(t, db, ids["now"]); !marked || m.State != MailSent || m.Attempts != 2 || m.LastReply != "250 ok" || !m.SentAt.Equal(later) {
		t.Errorf("after the 250 the mail is %+v", m)
	}

	// A mail cancelled during its exchange: if the relay took it, the record
	// says sent; any other outcome leaves it cancelled.
	update(t, db, func(tx *Tx) (err error) {
		claimed, err = tx.ClaimMail(ids["later"], t0.Add(time.Hour), t0)
		return err
	})
	update(t, db, func(tx *Tx) error { return tx.CancelMails(caseID, "notice") })
	if m := mailState(t, db, ids["held"]); m.State != MailCancelled {
		t.Errorf("held mail after CancelMails is %s, want cancelled", m.State)
	}
	if m := mailState(t, db, ids["now"]); m.State != MailSent {
		t.Errorf("sent mail after CancelMails is %s, want still sent", m.State)
	}
	update(t, db, func(tx *Tx) (err error) {
		marked, err = tx.MarkMail(ids["later"], t0.Add(time.Hour), MailPending, 1, t0.Add(2*time.Hour), "451", time.Time{})
		return err
	})
	if m := mailState(t, db, ids["later"]); !claimed || marked || m.State != MailCancelled {
		t.Errorf("a retry outcome of a cancelled mail: marked %v, state %s; want cancelled kept", marked, m.State)
	}
	update(t, db, func(tx *Tx) (err error) {
		marked, err = tx.MarkMail(ids["later"], t0.Add(time.Hour), MailSent, 1, t0, "250 ok", t0.Add(time.Hour))
		return err
	})
	if m := mailState(t, db, ids["later"]); !marked || m.State != MailSent {
		t.Errorf("the relay took a mail cancelled during the exchange: marked %v, state %s; want sent", marked, m.State)
	}

	var counts map[string]int
	var exists bool
	if err := db.View(context.Background(), func(tx *Tx) (err error) {
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
		if ok, err := tx.ClaimMail(sent, t0, t0); err != nil || !ok {
			return fmt.Errorf("claim: %v, %v", ok, err)
		}
		_, err := tx.MarkMail(sent, t0, MailSent, 1, t0, "250 queued", t0)
		return err
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
