package notifier

import (
	"slices"
	"strings"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// addressRefused is what a refused address means for a case: the contact is
// marked bounced and, if that leaves the case with no primary contact to
// reach, the same mail goes to the escalation contacts instead. That
// escalates the case: the first time (a reminder may have escalated it
// already), in the same transaction, it is marked so and its escalated
// event recorded, with reason "bounced". A refused digest does the same
// for each case it carried (digestRefused).
func (cs *Cases) addressRefused(tx *writeTx, m store.Mail, reply string) error {
	if m.ContactID == 0 {
		return nil
	}
	if err := tx.MarkBounced(m.ContactID, cs.now(), reply); err != nil {
		return err
	}
	if m.Kind == templates.KindDigest {
		return cs.digestRefused(tx, m)
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
	if primaryReachable(org) {
		return nil
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
	return cs.escalatedByBounce(tx, &c)
}

// digestRefused is addressRefused for a digest: if no primary contact of
// the organization is left to reach, each escalation contact gets one
// digest of the cases the refused one carried that are still open (those
// a digest had not already brought it), and each case it carried to
// someone is escalated. Before, the refused digest bounced its contact and
// told nobody else: every case in it went silent.
func (cs *Cases) digestRefused(tx *writeTx, m store.Mail) error {
	carried, err := tx.DigestCases(m.ID)
	if err != nil {
		return err
	}
	var list []digestCase
	var org store.Org
	for _, mc := range carried {
		c, err := tx.Case(mc.CaseID)
		if err != nil {
			return err
		}
		if c.State != store.CaseOpen {
			continue
		}
		if org.ID == "" {
			if org, err = tx.Org(c.OrgID); err != nil {
				return err
			}
		}
		adv, err := loadAdvisory(tx.Tx, c.AdvisoryID)
		if err != nil {
			return err
		}
		items, err := tx.CaseItems(c.ID)
		if err != nil {
			return err
		}
		list = append(list, digestCase{adv: adv, c: c, items: items, escalate: true})
	}
	if len(list) == 0 || primaryReachable(org) {
		return nil
	}
	sortDigest(list)
	seq := map[string]int{}
	for _, mc := range carried {
		seq[mc.CaseID] = mc.Seq
	}
	told := map[string]bool{}
	for _, ct := range org.Contacts {
		if ct.Role != "escalation" || !ct.Bounced.IsZero() {
			continue
		}
		had, err := tx.DigestCasesTo(m.ID, ct.ID)
		if err != nil {
			return err
		}
		var mine []digestCase
		for _, d := range list {
			if !slices.ContainsFunc(had, func(h store.MailCase) bool { return h.CaseID == d.c.ID && h.Seq >= seq[d.c.ID] }) {
				mine = append(mine, d)
				told[d.c.ID] = true
			}
		}
		if err := cs.outbox.queueDigestTo(tx, org, list, ct, mine); err != nil {
			return err
		}
	}
	for i := range list {
		if told[list[i].c.ID] {
			if err := cs.escalatedByBounce(tx, &list[i].c); err != nil {
				return err
			}
		}
	}
	return nil
}

// primaryReachable reports whether an organization has a primary contact
// not bounced.
func primaryReachable(org store.Org) bool {
	for _, ct := range org.Contacts {
		if ct.Role == "primary" && ct.Bounced.IsZero() {
			return true
		}
	}
	return false
}

// standIn returns, for an escalation contact mailed because no primary
// contact of the organization can be reached, the primary addresses
// refused, so that its mail says why it came; else "".
func standIn(org store.Org, contact store.Contact) string {
	if contact.Role != "escalation" || primaryReachable(org) {
		return ""
	}
	var refused []string
	for _, ct := range org.Contacts {
		if ct.Role == "primary" {
			refused = append(refused, ct.Email)
		}
	}
	return strings.Join(refused, ", ")
}

// escalatedByBounce marks a case escalated because its escalation
// contacts were mailed in place of an unreachable primary, and records its
// escalated event (reason "bounced"), unless it was escalated before.
func (cs *Cases) escalatedByBounce(tx *writeTx, c *store.Case) error {
	if c.Escalated {
		return nil
	}
	c.Escalated, c.UpdatedAt = true, cs.now()
	if err := tx.UpdateCase(c); err != nil {
		return err
	}
	return cs.recordEvent(tx.Tx, EventEscalated, c, map[string]any{"reminder": c.RemindersSent, "reason": "bounced"})
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
