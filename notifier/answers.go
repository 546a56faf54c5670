package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// Answers shows the case behind a link and records the answer given through it.
type Answers struct {
	*deps
	links  *Links
	outbox *Outbox // the mail that explains how to answer by reply
}

// Answer statuses an organization can give.
const (
	AnswerPatched     = "patched"
	AnswerMitigated   = "mitigated"
	AnswerNotAffected = "not_affected"
	AnswerScheduled   = "scheduled"
)

// Justifications are the reasons a "not affected" answer may give: the
// CSAF 2.0 / OpenVEX set, stored as these codes (pages word them).
var Justifications = []string{
	"component_not_present",
	"vulnerable_code_not_present",
	"vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"inline_mitigations_already_exist",
}

// ErrCaseClosed is returned when answering a case that was closed.
var ErrCaseClosed = errors.New("this case is closed")

// ErrContactRemoved is returned for the link of a contact no longer listed
// for the organization: it stays signed, but no longer speaks for it.
var ErrContactRemoved = errors.New("this link was sent to a contact no longer listed for the organization")

// AnswerError is an answer that cannot be recorded as given. Code names the
// problem (status, justification, note_long, version, until, until_far) for a page to word in
// the reader's language; Msg says it in English.
type AnswerError struct{ Code, Msg string }

func (e *AnswerError) Error() string { return e.Msg }

// AnswerInput is what the form sent, and from where.
type AnswerInput struct {
	Status string
	// Justification is required for not_affected: one of Justifications.
	Justification string
	// Version is, for patched, the version now running (optional).
	Version   string
	Note      string
	Until     time.Time // for scheduled: the date reminders pause until
	IP        string
	UserAgent string
}

// CaseView is everything the page behind a link shows.
type CaseView struct {
	Case     store.Case
	Org      store.Org
	Advisory *advisory.Advisory
	Items    []templates.ItemView
	Location *time.Location
}

// CaseForLink verifies a link and loads its case. It changes nothing: mail
// scanners open links.
func (an *Answers) CaseForLink(ctx context.Context, token string) (CaseView, error) {
	l, err := an.links.Verify(token)
	if err != nil {
		return CaseView{}, err
	}
	var v CaseView
	err = an.db.View(ctx, func(tx *store.Tx) error {
		if _, err := linkCase(tx, l); err != nil {
			return err
		}
		v, err = an.caseView(tx, l.CaseID)
		return err
	})
	return v, err
}

// linkCase returns the case of a link whose contact still speaks for its
// organization.
func linkCase(tx *store.Tx, l Link) (store.Case, error) {
	c, err := tx.Case(l.CaseID)
	if err != nil {
		return c, err
	}
	_, err = linkContact(tx, l, c)
	return c, err
}

// Seen records, the first time only, that a person seems to have opened a
// link: when, and through which contact's link. It is a hint (mail
// scanners open links too, some like browsers), so it changes nothing else.
func (an *Answers) Seen(ctx context.Context, token string) error {
	l, err := an.links.Verify(token)
	if err != nil {
		return err
	}
	return an.db.Update(ctx, func(tx *store.Tx) error {
		c, err := tx.Case(l.CaseID)
		if err != nil || !c.SeenAt.IsZero() {
			return err
		}
		k, err := linkContact(tx, l, c)
		if err != nil {
			return err
		}
		return tx.MarkSeen(c.ID, an.now(), k.Email)
	})
}

// linkContact returns the contact a link was sent to, or ErrContactRemoved
// if it is no longer one of the case's organization.
func linkContact(tx *store.Tx, l Link, c store.Case) (store.Contact, error) {
	k, err := tx.Contact(l.ContactID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && k.OrgID != c.OrgID) {
		return k, ErrContactRemoved
	}
	return k, err
}

func (an *Answers) caseView(tx *store.Tx, caseID string) (CaseView, error) {
	c, err := tx.Case(caseID)
	if err != nil {
		return CaseView{}, err
	}
	org, err := tx.Org(c.OrgID)
	if err != nil {
		return CaseView{}, err
	}
	adv, err := loadAdvisory(tx, c.AdvisoryID)
	if err != nil {
		return CaseView{}, err
	}
	items, err := tx.CaseItems(c.ID)
	if err != nil {
		return CaseView{}, err
	}
	return CaseView{Case: c, Org: org, Advisory: adv, Items: itemViews(items), Location: location(org.Timezone)}, nil
}

func loadAdvisory(tx *store.Tx, id string) (*advisory.Advisory, error) {
	rec, err := tx.Advisory(id)
	if err != nil {
		return nil, err
	}
	return decodeAdvisory(rec)
}

// decodeAdvisory reads the normalized document of a stored advisory.
func decodeAdvisory(rec store.Advisory) (*advisory.Advisory, error) {
	var adv advisory.Advisory
	if err := json.Unmarshal(rec.Doc, &adv); err != nil {
		return nil, fmt.Errorf("decode stored advisory %s: %w", rec.ID, err)
	}
	return &adv, nil
}

// resumeHour is the local hour at which reminders resume after a "will patch
// by" date: the start of a working day, not midnight.
const resumeHour = 9

// RecordAnswer verifies a link and records the answer given through it.
// Reminders stop; for "scheduled" they pause until the date given. Every
// answer is kept; the case shows the latest.
func (an *Answers) RecordAnswer(ctx context.Context, token string, in AnswerInput) (CaseView, error) {
	l, err := an.links.Verify(token)
	if err != nil {
		return CaseView{}, err
	}
	return an.record(ctx, l, in)
}

// record records the answer of contact l.ContactID to case l.CaseID, for
// every way of answering: a link's page, the organization's page, a reply.
func (an *Answers) record(ctx context.Context, l Link, in AnswerInput) (CaseView, error) {
	in.Status = strings.TrimSpace(in.Status)
	in.Note = strings.TrimSpace(in.Note)
	in.Justification = strings.TrimSpace(in.Justification)
	in.Version = strings.TrimSpace(in.Version)
	if len(in.Note) > 4000 {
		return CaseView{}, &AnswerError{"note_long", "the note is too long (at most 4000 characters)"}
	}
	if len(in.Version) > 100 || strings.ContainsFunc(in.Version, unicode.IsControl) {
		return CaseView{}, &AnswerError{"version", "the version is at most 100 characters on one line"}
	}
	var v CaseView
	now := an.now()
	err := an.db.Update(ctx, func(tx *store.Tx) error {
		c, err := tx.Case(l.CaseID)
		if err != nil {
			return err
		}
		if c.State == store.CaseClosed {
			return ErrCaseClosed
		}
		contact, err := linkContact(tx, l, c)
		if err != nil {
			return err
		}
		org, err := tx.Org(c.OrgID)
		if err != nil {
			return err
		}
		a := &store.Answer{Status: in.Status, At: now, Note: in.Note, IP: in.IP, UserAgent: in.UserAgent,
			ContactID: l.ContactID, ContactEmail: contact.Email}
		switch in.Status {
		case AnswerPatched:
			a.Version = in.Version
			c.State, c.NextReminderAt = store.CaseAnswered, time.Time{}
		case AnswerMitigated:
			c.State, c.NextReminderAt = store.CaseAnswered, time.Time{}
		case AnswerNotAffected:
			if !slices.Contains(Justifications, in.Justification) {
				return &AnswerError{"justification", "please choose why you are not affected: " + strings.Join(Justifications, ", ")}
			}
			a.Justification = in.Justification
			c.State, c.NextReminderAt = store.CaseAnswered, time.Time{}
		case AnswerScheduled:
			loc := location(org.Timezone)
			y, m, d := in.Until.Date()
			resume := time.Date(y, m, d, resumeHour, 0, 0, 0, loc).UTC()
			if in.Until.IsZero() || !resume.After(now) {
				return &AnswerError{"until", "please give a date in the future until which reminders should pause"}
			}
			if resume.After(now.Add(366 * day)) {
				return &AnswerError{"until_far", "please give a date within a year"}
			}
			a.Until = resume
			c.State, c.NextReminderAt = store.CaseScheduled, resume
		default:
			return &AnswerError{"status", "please choose what you did: patched, mitigated, not affected, or will patch by a date"}
		}
		c.Answer, c.UpdatedAt = a, now
		if err := tx.UpdateCase(&c); err != nil {
			return err
		}
		if err := an.recordEvent(tx, EventAnswered, &c, answerDetail(a)); err != nil {
			return err
		}
		if err := tx.AddAnswer(c.ID, *a); err != nil {
			return err
		}
		// An answer through the contact's link shows that its mail arrives.
		if err := tx.ClearBounce(l.ContactID); err != nil {
			return err
		}
		if err := tx.CancelMails(c.ID, templates.Answerable...); err != nil {
			return err
		}
		v, err = an.caseView(tx, c.ID)
		return err
	})
	if err != nil {
		return v, err
	}
	an.metrics.answers.WithLabelValues(in.Status).Inc()
	an.log.Info("answer recorded", "case", l.CaseID, "status", in.Status)
	an.wake()
	return v, nil
}

// answerDetail is what an answered event says of the answer.
func answerDetail(a *store.Answer) map[string]any {
	d := map[string]any{"status": a.Status}
	if a.Justification != "" {
		d["justification"] = a.Justification
	}
	if a.Version != "" {
		d["version"] = a.Version
	}
	if !a.Until.IsZero() {
		d["until"] = a.Until.UTC().Format(time.RFC3339)
	}
	return d
}
