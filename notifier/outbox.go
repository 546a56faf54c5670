package notifier

import (
	"net/mail"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// Outbox composes, renders and signs mails, and writes them to the outbox in
// the transaction whose work queued them.
type Outbox struct {
	*deps
	links     *Links
	publicURL string
	from      *mail.Address
	domain    string
	// inbound is the domain whose addresses Heed receives mail at: replies
	// (Reply-To) and bounces (the envelope sender); empty: none.
	inbound string
	hold    bool
	dkim    *DKIM
	listIDs sync.Map // publisher → List-Id (listID)
	// renderMail renders a mail's parts into the bodies' buffers and returns
	// its subject, sharing what it can with the other mails of a batch:
	// templates.RenderMailTo.
	renderMail func(*templates.Shared, templates.MailData, *templates.Bodies) (string, error)
}

// recipients picks who gets a case's mail: the primary contacts whose
// address works, plus the escalation contacts when escalating, or when no
// primary contact can be reached.
func recipients(contacts []store.Contact, escalate bool) []store.Contact {
	var primary, escalation []store.Contact
	for _, c := range contacts {
		if !c.Bounced.IsZero() {
			continue
		}
		if c.Role == "escalation" {
			escalation = append(escalation, c)
		} else {
			primary = append(primary, c)
		}
	}
	if escalate || len(primary) == 0 {
		return append(primary, escalation...)
	}
	return primary
}

// queueMail renders one mail of a case for each recipient into the outbox,
// inside the transaction that caused it. An "updated" mail says what
// changed.
func (ob *Outbox) queueMail(tx *writeTx, adv *advisory.Advisory, c *store.Case, kind string, seq int, escalate bool, changes ...templates.Change) error {
	org, err := tx.Org(c.OrgID)
	if err != nil {
		return err
	}
	to := recipients(org.Contacts, escalate)
	if len(to) == 0 {
		ob.log.Warn("no reachable contact; mail not queued", "org", org.ID, "case", c.ID, "kind", kind)
		return nil
	}
	return ob.queueTo(tx, adv, c, org, to, kind, seq, escalate, changes...)
}

// queueTo queues one mail of a case to each of the given contacts.
func (ob *Outbox) queueTo(tx *writeTx, adv *advisory.Advisory, c *store.Case, org store.Org, to []store.Contact, kind string, seq int, escalate bool, changes ...templates.Change) error {
	items, err := tx.CaseItems(c.ID)
	if err != nil {
		return err
	}
	for _, contact := range to {
		if err := ob.queueOne(tx, adv, c, org, items, contact, kind, seq, escalate, changes); err != nil {
			return err
		}
	}
	return nil
}

// queueOne prepares one mail for one contact. It is rendered, and written to
// the outbox, when the transaction's work is done (see update); a notice
// prepared and rendered before the transaction (prepare.go) is taken as is.
func (ob *Outbox) queueOne(tx *writeTx, adv *advisory.Advisory, c *store.Case, org store.Org, items []store.CaseItem, contact store.Contact, kind string, seq int, escalate bool, changes []templates.Change) error {
	first := ob.threadID(c.ID, contact.ID)
	if j, ok := tx.prepared[preparedKey{c.ID, contact.ID, kind, seq}]; ok && sameOrg(org, tx.preparedOrg) {
		tx.mails = append(tx.mails, j)
		if tx.threads == nil {
			tx.threads = map[string]bool{}
		}
		tx.threads[first] = true
		return nil
	}
	j := ob.mailJob(adv, c, org, items, contact, kind, seq, escalate, changes, ob.now())
	if err := ob.thread(tx, &j.env, first, c.ID); err != nil {
		return err
	}
	j.rec.MessageID = j.env.MessageID
	tx.mails = append(tx.mails, j)
	return nil
}

// sameOrg reports whether an organization read in a transaction is as it
// was when a mail was prepared for it.
func sameOrg(now, then store.Org) bool { return reflect.DeepEqual(now, then) }

// mailJob builds one mail of a case to one contact, composed at now, as the
// first of its thread (queueOne threads it).
func (ob *Outbox) mailJob(adv *advisory.Advisory, c *store.Case, org store.Org, items []store.CaseItem, contact store.Contact, kind string, seq int, escalate bool, changes []templates.Change, now time.Time) mailJob {
	data := templates.MailData{
		Kind:          kind,
		Lang:          org.Language,
		Location:      location(org.Timezone),
		OrgName:       org.Name,
		RecipientName: contact.Name,
		Advisory:      CaseAdvisoryView(adv, c),
		Items:         itemViews(items),
		Reminder:      seq,
		Escalated:     escalate,
		DueAt:         c.DueAt,
		Overdue:       now.After(c.DueAt),
		Changes:       changes,
		StandIn:       standIn(org, contact),
		// ClosedReason stays empty: the template words the reason in the mail's language.
	}
	if slices.Contains(templates.Answerable, kind) {
		data.AckURL = ob.publicURL + "/ack/" + ob.links.ackToken(c.ID, contact.ID, ob.links.expiry(c))
	}
	env := envelope{From: ob.from, To: &mail.Address{Name: contact.Name, Address: contact.Email},
		Date: now, CaseID: c.ID, ListID: ob.listID(publisherOf(adv)), MessageID: ob.threadID(c.ID, contact.ID)}
	if ob.inbound != "" && data.AckURL != "" {
		env.ReplyTo = ob.links.replyLocal(c.ID, contact.ID) + "@" + ob.inbound
	}
	sendAt := now
	if kind == templates.KindNotice && !urgent(adv) {
		sendAt = mailWindow(org, now) // it can wait until someone is at work
	}
	return mailJob{data: data, env: env, rec: store.Mail{CaseID: c.ID, ContactID: contact.ID,
		Kind: kind, Seq: seq, Recipient: contact.Email, MessageID: env.MessageID, State: ob.newState(),
		NextAttemptAt: sendAt, CreatedAt: now}}
}

// queueHelp queues the mail that explains how to answer by reply, to a
// contact, replying to the contact's mail (inReplyTo, when it is one).
func (ob *Outbox) queueHelp(tx *writeTx, c *store.Case, org store.Org, contact store.Contact, seq int, inReplyTo string) error {
	now := ob.now()
	data := templates.MailData{Kind: templates.KindReplyHelp, Lang: org.Language, Location: location(org.Timezone),
		OrgName: org.Name, RecipientName: contact.Name, Advisory: templates.AdvisoryView{ID: c.AdvisoryID},
		AckURL: ob.publicURL + "/ack/" + ob.links.ackToken(c.ID, contact.ID, ob.links.expiry(c))}
	env := envelope{From: ob.from, To: &mail.Address{Name: contact.Name, Address: contact.Email},
		Date: now, CaseID: c.ID, MessageID: ob.messageID(c.ID), InReplyTo: inReplyTo}
	tx.mails = append(tx.mails, mailJob{data: data, env: env, rec: store.Mail{CaseID: c.ID, ContactID: contact.ID,
		Kind: templates.KindReplyHelp, Seq: seq, Recipient: contact.Email, MessageID: env.MessageID,
		State: ob.newState(), NextAttemptAt: now, CreatedAt: now}})
	return nil
}

// thread gives env the Message-ID of the first mail of a thread, or if that
// mail exists, a new Message-ID (starting with prefix) that replies to it.
func (ob *Outbox) thread(tx *writeTx, env *envelope, first, prefix string) error {
	env.MessageID, env.InReplyTo = first, ""
	exists, err := tx.MailExists(first)
	if err != nil {
		return err
	}
	if exists || tx.threads[first] {
		env.MessageID, env.InReplyTo = ob.messageID(prefix), first
	}
	if tx.threads == nil {
		tx.threads = map[string]bool{}
	}
	tx.threads[first] = true
	return nil
}

// newState is the state of a new mail: held in the outbox when no relay is
// configured.
func (ob *Outbox) newState() string {
	if ob.hold {
		return store.MailHeld
	}
	return store.MailPending
}

// urgent reports whether an advisory's first notice goes at once, whatever
// the organization's business hours: critical or known exploited.
func urgent(adv *advisory.Advisory) bool {
	return adv.KnownExploited || strings.EqualFold(adv.Severity, "critical")
}

// location is the time zone of that name, else UTC. Loaded zones are kept:
// time.LoadLocation reads the zone file every time, for every mail.
func location(name string) *time.Location {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	locations.Store(name, loc)
	return loc
}

var locations sync.Map // zone name → *time.Location

// AdvisoryView is what mails and pages show of an advisory.
func AdvisoryView(a *advisory.Advisory) templates.AdvisoryView {
	v := templates.AdvisoryView{ID: a.ID, Revision: a.Revision, Publisher: a.Publisher, Title: a.Title,
		Severity: a.Severity, CVEs: a.CVEs, Summary: a.Summary, URL: a.URL, Published: a.Published,
		KnownExploited: a.KnownExploited, Notes: a.Notes}
	for _, r := range a.Remediations {
		v.Remediations = append(v.Remediations, templates.RemediationView{Category: r.Category, Details: r.Details, URL: r.URL})
	}
	if r := a.Relayed; r != nil {
		// The publisher Heed knows the advisory came from, not the name
		// the document gives itself.
		v.Publisher = r.Publisher
		v.Relayed = &templates.RelayedView{Publisher: r.Publisher, Role: r.Role, RevisedBy: r.RevisedBy, Signer: r.Signer}
		if r.RevisedBy != "" {
			v.Relayed.ReviserRole = "agency" // only an agency revises another's advisory
		}
	}
	return v
}

// CaseAdvisoryView is what a case's mails and pages show of its advisory:
// known exploited once the case is.
func CaseAdvisoryView(adv *advisory.Advisory, c *store.Case) templates.AdvisoryView {
	v := AdvisoryView(adv)
	v.KnownExploited = v.KnownExploited || !c.ExploitedAt.IsZero()
	return v
}

// itemViews shows the items that call for action; items only under
// investigation are recorded but not mailed.
func itemViews(items []store.CaseItem) []templates.ItemView {
	var out []templates.ItemView
	for _, it := range items {
		if it.Certainty == string(subscribers.UnderInvestigation) {
			continue
		}
		out = append(out, templates.ItemView{Vendor: it.Vendor, Product: it.Product, Version: it.Version,
			Asset: it.Asset, Certainty: it.Certainty, Reason: templates.Reason(it.Reason)})
	}
	return out
}
