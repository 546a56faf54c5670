package web

import (
	"encoding/json"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// The API's JSON shapes. They live here, beside the handlers, so that a
// change to a stored record does not silently change what clients read.

type orgJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Language string `json:"language"`
	Timezone string `json:"timezone"`
	// BusinessHours, Digest and DigestTime: when the organization gets mail.
	BusinessHours string    `json:"business_hours"`
	Digest        string    `json:"digest"`
	DigestTime    string    `json:"digest_time"`
	CreatedAt     time.Time `json:"created_at"`
	// DeactivatedAt: when the operator deactivated it (no new cases);
	// absent while it is active.
	DeactivatedAt time.Time     `json:"deactivated_at,omitzero"`
	Contacts      []contactJSON `json:"contacts"`
	Items         int           `json:"items"`
}

type contactJSON struct {
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	BouncedAt time.Time `json:"bounced_at,omitzero"`
	Bounce    string    `json:"bounce,omitempty"` // the relay's permanent refusal
}

func toOrgJSON(o store.Org) orgJSON {
	j := orgJSON{ID: o.ID, Name: o.Name, Language: o.Language, Timezone: o.Timezone,
		BusinessHours: o.BusinessHours, Digest: o.Digest, DigestTime: o.DigestTime, CreatedAt: o.CreatedAt,
		DeactivatedAt: o.DeactivatedAt, Items: o.Items, Contacts: make([]contactJSON, len(o.Contacts))}
	for i, c := range o.Contacts {
		j.Contacts[i] = contactJSON{Email: c.Email, Name: c.Name, Role: c.Role, BouncedAt: c.Bounced, Bounce: c.Bounce}
	}
	return j
}

type itemJSON struct {
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
	Version string `json:"version"`
	CPE     string `json:"cpe"`
	PURL    string `json:"purl"`
	Asset   string `json:"asset"`
}

type inventoryResultJSON struct {
	Items   int `json:"items"`
	Opened  int `json:"cases_opened"`
	Updated int `json:"cases_updated"`
	// Resolved: cases closed because the inventory shows them fixed.
	Resolved int `json:"cases_resolved"`
}

// caseJSON is a case as the API shows it.
type caseJSON struct {
	ID             string      `json:"id"`
	Advisory       string      `json:"advisory"`
	Org            string      `json:"org"`
	State          string      `json:"state"`
	RemindersSent  int         `json:"reminders_sent"`
	NextReminderAt *time.Time  `json:"next_reminder_at"`
	DueAt          time.Time   `json:"due_at"`
	OpenedAt       time.Time   `json:"opened_at"`
	Escalated      bool        `json:"escalated"`
	Answer         *answerJSON `json:"answer"`
	ClosedReason   string      `json:"closed_reason,omitempty"`
	// ToldRevision: the advisory's revision the organization was last told about.
	ToldRevision string `json:"told_revision,omitempty"`
	// SeenAt, SeenBy: a link of the case was first opened by what looked
	// like a person, then, through the link sent to SeenBy. A hint: mail
	// scanners open links too.
	SeenAt time.Time `json:"seen_at,omitzero"`
	SeenBy string    `json:"seen_by,omitempty"`
	// KnownExploited: the case's flaw is known to be exploited, since
	// ExploitedAt (a catalog named its CVE, or its advisory said so).
	KnownExploited bool           `json:"known_exploited"`
	ExploitedAt    time.Time      `json:"exploited_at,omitzero"`
	Items          []caseItemJSON `json:"items"`
}

type answerJSON struct {
	Status string `json:"status"`
	// Justification: for not_affected, a CSAF/OpenVEX justification code.
	Justification string    `json:"justification,omitempty"`
	Version       string    `json:"version,omitempty"` // for patched: the version now running
	At            time.Time `json:"at"`
	Note          string    `json:"note,omitempty"`
	Until         time.Time `json:"until,omitzero"`
}

// caseDetailJSON is one case with every answer given to it
// (GET /api/v1/cases/{id}); "answer" is the latest of them.
type caseDetailJSON struct {
	caseJSON
	Answers []answerRecordJSON `json:"answers"`
}

// answerRecordJSON is one answer in a case's history: what was said, through
// whose link, from where.
type answerRecordJSON struct {
	answerJSON
	Contact   string `json:"contact"` // the address the link was sent to
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
}

// caseItemJSON is an inventory item a case is about.
type caseItemJSON struct {
	Vendor    string `json:"vendor"`
	Product   string `json:"product"`
	Version   string `json:"version"`
	Asset     string `json:"asset,omitempty"`
	Certainty string `json:"certainty"`
	// Why it matched: an English sentence, and the same as data (a code of
	// the matcher and its arguments, see docs/MATCHING.md) for a client that
	// words it in its own language.
	Reason     string   `json:"reason"`
	ReasonCode string   `json:"reason_code"`
	ReasonArgs []string `json:"reason_args"`
	ReasonVia  string   `json:"reason_via,omitempty"` // "purl" or "cpe"; absent for a match by name
	ReasonKey  string   `json:"reason_key,omitempty"` // the purl or CPE that matched
}

func toCaseJSON(c store.Case, items []store.CaseItem) caseJSON {
	j := caseJSON{ID: c.ID, Advisory: c.AdvisoryID, Org: c.OrgID, State: c.State, RemindersSent: c.RemindersSent,
		DueAt: c.DueAt, OpenedAt: c.OpenedAt, Escalated: c.Escalated, ClosedReason: c.ClosedReason, ToldRevision: c.ToldRevision,
		SeenAt: c.SeenAt, SeenBy: c.SeenBy, KnownExploited: !c.ExploitedAt.IsZero(), ExploitedAt: c.ExploitedAt,
		Items: make([]caseItemJSON, len(items))}
	if !c.NextReminderAt.IsZero() {
		t := c.NextReminderAt
		j.NextReminderAt = &t
	}
	if a := c.Answer; a != nil {
		aj := toAnswerJSON(*a)
		j.Answer = &aj
	}
	for i, it := range items {
		r := it.Reason
		j.Items[i] = caseItemJSON{Vendor: it.Vendor, Product: it.Product, Version: it.Version,
			Asset: it.Asset, Certainty: it.Certainty, Reason: templates.ReasonText("en", templates.Reason(r)),
			ReasonCode: r.Code, ReasonArgs: r.Args, ReasonVia: r.Via, ReasonKey: r.Key}
	}
	return j
}

func toAnswerJSON(a store.Answer) answerJSON {
	return answerJSON{Status: a.Status, Justification: a.Justification, Version: a.Version, At: a.At, Note: a.Note, Until: a.Until}
}

type advisoryJSON struct {
	ID        string `json:"id"`
	Revision  string `json:"revision"`
	Publisher string `json:"publisher"` // its owner
	// State: "applied"; "held" for a revision that waits for an
	// operator's approval because it would open would_open cases;
	// "information" for a document that informs and opens no case (CSAF
	// informational and csaf_base documents).
	State      string         `json:"state"`
	WouldOpen  int            `json:"would_open,omitempty"`
	Format     string         `json:"format,omitempty"`
	Title      string         `json:"title"`
	Severity   string         `json:"severity"`
	Withdrawn  bool           `json:"withdrawn"`
	ReceivedAt time.Time      `json:"received_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
	Cases      map[string]int `json:"cases"` // by state; "open" is still silent
	// Document is the normalized advisory (GET /api/v1/advisories/{id}
	// only): for information, its texts (the publisher's notes) and
	// references are what it says.
	Document json.RawMessage `json:"document,omitempty"`
}

// rejectedJSON is a document intake could not use. Lists leave its payload
// out; GET /api/v1/rejected/{id} gives the part kept (base64).
type rejectedJSON struct {
	ID         int64     `json:"id"`
	Subject    string    `json:"subject"`
	StreamSeq  uint64    `json:"stream_seq"`
	ReceivedAt time.Time `json:"received_at"`
	Reason     string    `json:"reason"`
	Size       int64     `json:"size"`             // bytes of the whole document
	SHA256     string    `json:"sha256,omitempty"` // of the whole document
	Payload    []byte    `json:"payload,omitempty"`
	Truncated  bool      `json:"truncated,omitempty"` // the payload is its first 64 KiB only
}

func toRejectedJSON(d store.Rejected) rejectedJSON {
	return rejectedJSON{ID: d.ID, Subject: d.Subject, StreamSeq: d.StreamSeq, ReceivedAt: d.ReceivedAt,
		Reason: d.Reason, Size: d.Size, SHA256: d.SHA256}
}
