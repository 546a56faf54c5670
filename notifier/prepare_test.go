package notifier

import (
	"context"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// prepareOne plans an advisory at its organizations and prepares the one
// at orgID, as an apply batch does before its write transaction.
func prepareOne(t *testing.T, e *Engine, orgID string) (*preparedCase, []orgWork) {
	t.Helper()
	ctx := context.Background()
	adv := sa44101("1", "9.0R3.3")
	var work []orgWork
	err := e.db.Update(ctx, func(tx *store.Tx) (err error) {
		work, _, err = e.Cases.planApply(tx, adv, Source{Publisher: e.Cases.publishers.All()[0]}, &Outcome{})
		return err
	})
	if err != nil || len(work) != 1 {
		t.Fatalf("plan: %v, %v", work, err)
	}
	pre, err := e.Cases.prepare(ctx, adv, work)
	if err != nil || pre[orgID] == nil {
		t.Fatalf("prepare: %v, %v", pre, err)
	}
	return pre[orgID], work
}

// TestPreparedNoticeForAnOrganizationChangedMeanwhile: the organization
// changes between the snapshot its notice was prepared from and the write
// transaction (its name, its contact's name, a contact added); the notice
// is composed again, for the organization as it is.
func TestPreparedNoticeForAnOrganizationChangedMeanwhile(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	orgID := addOrg(t, e, "Acme", "9.0R3.3")
	p, work := prepareOne(t, e, orgID)
	if _, err := e.Orgs.UpdateOrg(ctx, orgID, subscribers.OrgSpec{Name: "Acme Corporation", Contacts: []subscribers.ContactSpec{
		{Email: "sec@acme.test", Name: "Hanako Sato"}, {Email: "new-sec@acme.test"}}}); err != nil {
		t.Fatal(err)
	}
	var out Outcome
	err := e.Outbox.update(ctx, func(tx *writeTx) error {
		return e.Cases.writeBatch(tx, sa44101("1", "9.0R3.3"), work, map[string]*preparedCase{orgID: p}, &out)
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Opened != 1 {
		t.Errorf("%+v; want the prepared case opened", out)
	}
	ms := mailsOf(t, e, caseOf(t, e, orgID).ID)
	if len(ms) != 2 {
		t.Fatalf("%d mails; want a notice to each of the two contacts", len(ms))
	}
	for _, m := range ms {
		var body string
		err := e.db.View(ctx, func(tx *store.Tx) error {
			full, err := tx.Mail(m.ID)
			body = string(full.Message)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, "Acme Corporation") {
			t.Errorf("the notice to %s does not name the organization as it is now:\n%s", m.Recipient, body)
		}
		if m.Recipient == "sec@acme.test" && !strings.Contains(body, "Hanako Sato") {
			t.Errorf("the notice to %s does not greet its contact by the new name:\n%s", m.Recipient, body)
		}
	}
}

// TestPreparedCaseOpenedMeanwhile: a case opened between the snapshot and
// the write transaction (an inventory change) is not opened twice: the
// organization's work goes the ordinary way, which mails nobody again.
func TestPreparedCaseOpenedMeanwhile(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	orgID := addOrg(t, e, "Acme", "9.0R3.3")
	p, work := prepareOne(t, e, orgID)
	adv := sa44101("1", "9.0R3.3")
	err := e.Outbox.update(ctx, func(tx *writeTx) error { return e.Cases.writeBatch(tx, adv, work, nil, &Outcome{}) })
	if err != nil {
		t.Fatal(err)
	}
	var out Outcome
	err = e.Outbox.update(ctx, func(tx *writeTx) error {
		return e.Cases.writeBatch(tx, adv, work, map[string]*preparedCase{orgID: p}, &out)
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Opened != 0 {
		t.Errorf("%+v: a second case was opened", out)
	}
	if ms := mailsOf(t, e, caseOf(t, e, orgID).ID); len(ms) != 1 {
		t.Fatalf("%d mails; want the one notice", len(ms))
	}
}

// TestPreparedNoticeForAContactBouncedMeanwhile: the primary contact's
// address is refused between the snapshot its notice was prepared from and
// the write transaction; the prepared notice to it is not queued, and the
// escalation contact, the one left who can be reached, gets the notice.
func TestPreparedNoticeForAContactBouncedMeanwhile(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	orgID := addOrg(t, e, "Acme", "9.0R3.3")
	p, work := prepareOne(t, e, orgID)
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		for _, c := range p.org.Contacts {
			if c.Email == "sec@acme.test" {
				return tx.MarkBounced(c.ID, t0, "550 5.1.1 no such user")
			}
		}
		t.Fatal("no contact sec@acme.test")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out Outcome
	err = e.Outbox.update(ctx, func(tx *writeTx) error {
		return e.Cases.writeBatch(tx, sa44101("1", "9.0R3.3"), work, map[string]*preparedCase{orgID: p}, &out)
	})
	if err != nil {
		t.Fatal(err)
	}
	ms := mailsOf(t, e, caseOf(t, e, orgID).ID)
	if len(ms) != 1 || ms[0].Recipient != "boss@acme.test" {
		var to []string
		for _, m := range ms {
			to = append(to, m.Recipient)
		}
		t.Fatalf("notices to %v; want one, to boss@acme.test", to)
	}
}
