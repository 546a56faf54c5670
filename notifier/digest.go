package notifier

import (
	"cmp"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// digestCase is one case reminded in a digest.
type digestCase struct {
	adv      *advisory.Advisory
	c        store.Case
	items    []store.CaseItem
	escalate bool
}

// digest reminds, in one mail per contact, every due case of an
// organization that takes a daily digest, and plans each case's next
// reminder. Cases in done are skipped, and those it handles are added. A
// case whose digest time has not come since it fell due waits for it. It
// returns how many cases it reminded.
func (rm *Reminders) digest(tx *writeTx, org store.Org, now time.Time, done map[string]bool) (int, error) {
	due, err := tx.DueCasesOf(org.ID, now)
	if err != nil {
		return 0, err
	}
	var list []digestCase
	for i := range due {
		c := &due[i]
		if done[c.ID] {
			continue
		}
		done[c.ID] = true
		if held, err := rm.hold(tx, org, c, now); held || err != nil {
			if err != nil {
				return 0, err
			}
			continue
		}
		adv, err := loadAdvisory(tx.Tx, c.AdvisoryID)
		if err != nil {
			return 0, err
		}
		escalate, err := rm.advance(tx.Tx, adv, c, now)
		if err != nil {
			return 0, err
		}
		if err := tx.UpdateCase(c); err != nil {
			return 0, err
		}
		items, err := tx.CaseItems(c.ID)
		if err != nil {
			return 0, err
		}
		list = append(list, digestCase{adv: adv, c: *c, items: items, escalate: escalate})
	}
	sortDigest(list)
	return len(list), rm.outbox.queueDigest(tx, org, list)
}

// sortDigest puts a digest's cases in the order it lists them: most urgent
// first, then by due date.
func sortDigest(list []digestCase) {
	slices.SortFunc(list, func(a, b digestCase) int {
		return cmp.Or(cmp.Compare(urgency(a.adv, &a.c), urgency(b.adv, &b.c)), a.c.DueAt.Compare(b.c.DueAt), strings.Compare(a.c.ID, b.c.ID))
	})
}

// digestPublisher is the publisher whose list a digest is on: the one
// publisher of all its advisories, else "default".
func digestPublisher(list []digestCase) string {
	p := publisherOf(list[0].adv)
	for _, d := range list[1:] {
		if publisherOf(d.adv) != p {
			return "default"
		}
	}
	return p
}

// urgency orders advisories for a digest: known exploited first, then by
// severity.
func urgency(adv *advisory.Advisory, c *store.Case) int {
	if adv.KnownExploited || !c.ExploitedAt.IsZero() {
		return 0
	}
	switch strings.ToLower(adv.Severity) {
	case "critical":
		return 1
	case "high":
		return 2
	case "medium":
		return 3
	case "low":
		return 4
	}
	return 5
}

// queueDigest queues one digest to each contact of the organization that
// one of the cases is for (the escalation contacts only for the cases that
// escalate), each case with that contact's own link. A digest threads on
// its own, apart from the cases' threads.
func (ob *Outbox) queueDigest(tx *writeTx, org store.Org, list []digestCase) error {
	for _, contact := range recipients(org.Contacts, true) {
		var mine []digestCase
		for _, d := range list {
			if slices.ContainsFunc(recipients(org.Contacts, d.escalate), func(c store.Contact) bool { return c.ID == contact.ID }) {
				mine = append(mine, d)
			}
		}
		if err := ob.queueDigestTo(tx, org, list, contact, mine); err != nil {
			return err
		}
	}
	return nil
}

// queueDigestTo queues one digest of the cases mine to a contact, if mine
// lists any; its List-Id is that of the whole digest round, list.
func (ob *Outbox) queueDigestTo(tx *writeTx, org store.Org, list []digestCase, contact store.Contact, mine []digestCase) error {
	if len(mine) == 0 {
		return nil
	}
	now := ob.now()
	data := templates.MailData{Kind: templates.KindDigest, Lang: org.Language, Location: location(org.Timezone),
		OrgName: org.Name, RecipientName: contact.Name, StandIn: standIn(org, contact)}
	var carried []store.MailCase
	for _, d := range mine {
		data.Digest = append(data.Digest, templates.DigestEntry{Advisory: CaseAdvisoryView(d.adv, &d.c), Items: itemViews(d.items),
			DueAt: d.c.DueAt, Overdue: now.After(d.c.DueAt), Reminder: d.c.RemindersSent, Escalated: d.escalate,
			AckURL: ob.publicURL + "/ack/" + ob.links.ackToken(d.c.ID, contact.ID, ob.links.expiry(&d.c))})
		carried = append(carried, store.MailCase{CaseID: d.c.ID, Seq: d.c.RemindersSent})
	}
	env := envelope{From: ob.from, To: &mail.Address{Name: contact.Name, Address: contact.Email}, Date: now,
		ListID: ob.listID(digestPublisher(list))}
	if err := ob.thread(tx, &env, fmt.Sprintf("<digest.%d@%s>", contact.ID, ob.domain), "digest"); err != nil {
		return err
	}
	tx.mails = append(tx.mails, mailJob{data: data, env: env, cases: carried, rec: store.Mail{ContactID: contact.ID,
		Kind: templates.KindDigest, Recipient: contact.Email, MessageID: env.MessageID, State: ob.newState(),
		NextAttemptAt: now, CreatedAt: now}})
	return nil
}
