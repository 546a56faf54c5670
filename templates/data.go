// Package templates renders Heed's mails and pages in English and
// Japanese: the pages from embedded html/template files, the mails by Go
// writers (mailtext.go, mailhtml.go; a fan-out renders tens of thousands).
// Everything from an advisory or an organization is treated as untrusted
// text: escaped in HTML (by html/template, or as it would), and the text
// parts never become headers.
package templates

import "time"

// Mail kinds.
const (
	KindNotice    = "notice"    // first mail of a case
	KindReminder  = "reminder"  // a later mail while the case is unanswered
	KindClosed    = "closed"    // the advisory's new revision no longer affects the org
	KindWithdrawn = "withdrawn" // the publisher withdrew the advisory
	KindUpdated   = "updated"   // a new revision changed what the open case is about
	KindExploited = "exploited" // the flaw of the open case is now known to be exploited
	KindResolved  = "resolved"  // the organization's inventory shows the fix: the case closed
)

// Answerable lists the kinds of mail that ask for an answer and carry a
// link: the mails of a case still waiting, cancelled once it is answered
// or closed.
var Answerable = []string{KindNotice, KindReminder, KindUpdated, KindExploited}

// Change is one thing that changed for a case: Code names it (a new
// revision's severity, due, fixed, ranges, items_added, items_removed;
// exploited, with the day it was catalogued in ToAt; for a resolved case,
// now_at, an item From at version To, and gone, an item From no longer in
// the inventory), From and To are the values before and after (the due
// date's in FromAt and ToAt).
type Change struct {
	Code         string
	From, To     string
	FromAt, ToAt time.Time
}

// AdvisoryView is what mails and pages show of an advisory.
type AdvisoryView struct {
	ID             string
	Revision       string
	Publisher      string
	Title          string
	Severity       string // critical, high, medium, low
	CVEs           []string
	Summary        string
	URL            string
	Published      time.Time // may be zero
	KnownExploited bool
	Remediations   []RemediationView
	Notes          []string
	// Relayed, when set, is who published the advisory through Heed, as
	// Heed established it; mails and pages say so (Relay).
	Relayed *RelayedView
}

// RelayedView is who published an advisory through Heed: the publisher
// that owns it and its role, the agency that published this revision of
// it (if another), and the OpenPGP key whose signature Heed verified.
type RelayedView struct {
	Publisher   string
	Role        string // agency or vendor
	RevisedBy   string
	ReviserRole string
	Signer      string
}

// RemediationView is one recommended fix or mitigation.
type RemediationView struct {
	Category string
	Details  string
	URL      string
}

// ItemView is one inventory item of the organization that the advisory hits.
type ItemView struct {
	Vendor    string
	Product   string
	Version   string
	Asset     string
	Certainty string // "affected" or "possible" (the item has no version)
	Reason    Reason // why it matched
}

// MailData is everything a mail template needs.
type MailData struct {
	Kind          string // one of the Kind constants
	Lang          string // "en" or "ja"; anything else renders English
	Location      *time.Location
	OrgName       string
	RecipientName string
	Advisory      AdvisoryView
	Items         []ItemView
	Reminder      int  // 0 for the notice, 1 for the first reminder, ...
	Escalated     bool // escalation contacts are copied
	DueAt         time.Time
	Overdue       bool
	AckURL        string
	ClosedReason  string // for KindClosed
	// Digest lists the cases of a KindDigest mail, most urgent first; the
	// fields above that describe one case are unused then.
	Digest []DigestEntry
	// Changes says what a KindUpdated, KindExploited or KindResolved mail
	// is about.
	Changes []Change
	// StandIn, when set, is the address (or addresses) of the
	// organization's primary contacts that mail servers refused for good:
	// the mail, a digest too, goes to an escalation contact in their place.
	StandIn string
}

// Mail is a rendered mail: a one-line subject and the two bodies.
type Mail struct {
	Subject string
	Text    string
	HTML    string
}
