package store

import (
	"fmt"
	"testing"
)

// TestCancelOrgMails: every undelivered mail of an organization's cases is
// cancelled, of any kind, and so is a pending digest that carries one of
// them; a mail already sent stays sent, and another organization's mail is
// untouched.
func TestCancelOrgMails(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	caseID, contact := seedCase(t, db)
	ids := map[string]int64{}
	update(t, db, func(tx *Tx) error {
		other := &Org{ID: "o2", Name: "Other", Language: "en", Timezone: "UTC", CreatedAt: t0,
			Contacts: []Contact{{Email: "sec@other.example", Role: "primary"}}}
		if err := tx.CreateOrg(other); err != nil {
			return err
		}
		if err := tx.CreateCase(&Case{ID: "c2", AdvisoryID: "A1", OrgID: "o2", State: CaseOpen, OpenedAt: t0, DueAt: t0, UpdatedAt: t0}); err != nil {
			return err
		}
		for _, m := range []struct{ name, caseID, kind, state string }{
			{"notice", caseID, "notice", MailSent}, {"reminder", caseID, "reminder", MailPending},
			{"closed", caseID, "closed", MailHeld}, {"digest", "", "digest", MailPending}, {"others", "c2", "notice", MailPending}} {
			mail := &Mail{CaseID: m.caseID, ContactID: contact, Kind: m.kind, Recipient: "sec@acme.example", Subject: m.name,
				MessageID: fmt.Sprintf("<%s@heed>", m.name), Message: []byte("body"), State: m.state, NextAttemptAt: t0, CreatedAt: t0}
			if err := tx.AddMail(mail); err != nil {
				return err
			}
			ids[m.name] = mail.ID
		}
		return tx.AddMailCases(ids["digest"], []MailCase{{CaseID: caseID, Seq: 1}})
	})
	var n int
	update(t, db, func(tx *Tx) (err error) { n, err = tx.CancelOrgMails("o1"); return err })
	if n != 3 {
		t.Errorf("%d mails cancelled; want the reminder, the closing mail and the digest", n)
	}
	for name, want := range map[string]string{"notice": MailSent, "reminder": MailCancelled, "closed": MailCancelled,
		"digest": MailCancelled, "others": MailPending} {
		if m := mailState(t, db, ids[name]); m.State != want {
			t.Errorf("the %s mail is %s; want %s", name, m.State, want)
		}
	}
}
