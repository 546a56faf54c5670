package notifier

import (
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// addressRefused is what a refused address means for a case: the contact is
// marked bounced and, if that leaves the case with no primary contact to
// reach, the same mail goes to the escalation contacts instead. That
// escalates the case: the first time (a reminder may have escalated it
// already), in the same transaction, it is marked so and its escalated
// event recorded, with reason "bounced".
func (cs *Cases) addressRefused(tx *writeTx, m store.Mail, reply string) error {
	if m.ContactID == 0 {
		return nil
	}
	if err := tx.MarkBounced(m.ContactID, cs.now(), reply); err != nil {
		return err
	}
	if m.CaseID == "" || m.Kind == templates.KindReplyHelp {
		return nil // a help mail is the contact's own; nobody else needs it
	}
	c, err := tx.Case(m.CaseID)
	if err != nil {
		return err
	}
	if c.State != store.CaseOpen {
		return nil
	}
	org, err := tx.Org(c.OrgID)
	if err != nil {
		return err
	}
	for _, ct := range org.Contacts {
		if ct.Role == "primary" && ct.Bounced.IsZero() {
			return nil // someone primary is still reachable
		}
	}
	sent, err := tx.Mails(store.MailFilter{CaseID: c.ID, Limit: 1000})
	if err != nil {
		return err
	}
	var to []store.Contact
	for _, ct := range org.Contacts {
		if ct.Role == "escalation" && ct.Bounced.IsZero() && !hasMail(sent, ct.ID, m.Kind, m.Seq) {
			to = append(to, ct)
		}
	}
	if len(to) == 0 {
		return nil
	}
	adv, err := loadAdvisory(tx.Tx, c.AdvisoryID)
	if err != nil {
		return err
	}
	if err := cs.outbox.queueTo(tx, adv, &c, org, to, m.Kind, m.Seq, true); err != nil {
		return err
	}
	if c.Escalated {
		return nil
	}
	c.Escalated, c.UpdatedAt = true, cs.now()
	if err := tx.UpdateCase(&c); err != nil {
		return err
	}
	return cs.recordEvent(tx.Tx, EventEscalated, &c, map[string]any{"reminder": c.RemindersSent, "reason": "bounced"})
}

// hasMail reports whether a contact already has a case's mail of this kind and number.
func hasMail(mails []store.Mail, contactID int64, kind string, seq int) bool {
	for _, m := range mails {
		if m.ContactID == contactID && m.Kind == kind && m.Seq == seq {
			return true
		}
	}
	return false
}
