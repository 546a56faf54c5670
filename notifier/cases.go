package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/heed-dev/heed/notifier/advisory"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/templates"
)

// Outcome says what applying an advisory changed.
type Outcome struct {
	AdvisoryID string `json:"advisory"`
	Revision   string `json:"revision"`
	// Unchanged: the same or an older revision was already known.
	Unchanged bool `json:"unchanged,omitempty"`
	Opened    int  `json:"opened"`  // new cases, each mailed
	Updated   int  `json:"updated"` // cases whose items changed
	Closed    int  `json:"closed"`  // cases closed: withdrawn or no longer affected
	Watching  int  `json:"watching"`
}

// ApplyAdvisory stores an advisory and opens, updates or closes its cases,
// with their mails, in one transaction. The same or an older revision of a
// known advisory changes nothing.
func (e *Engine) ApplyAdvisory(ctx context.Context, adv *advisory.Advisory) (Outcome, error) {
	out := Outcome{AdvisoryID: adv.ID, Revision: adv.Revision}
	now := e.Now()
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		out = Outcome{AdvisoryID: adv.ID, Revision: adv.Revision}
		old, err := tx.Advisory(adv.ID)
		switch {
		case err == nil:
			if advisory.CompareRevision(adv.Revision, old.Revision) <= 0 {
				out.Unchanged = true
				return nil
			}
		case errors.Is(err, store.ErrNotFound):
		default:
			return err
		}
		doc, err := json.Marshal(adv)
		if err != nil {
			return fmt.Errorf("encode advisory: %w", err)
		}
		keys, scanAll := e.matcher.AffectedKeys(adv.Affected)
		rec := &store.Advisory{ID: adv.ID, Revision: adv.Revision, Format: adv.Format, Title: adv.Title,
			Severity: adv.Severity, Withdrawn: adv.Withdrawn, ScanAll: scanAll, Keys: keys, Doc: doc,
			ReceivedAt: now, UpdatedAt: now}
		if err == nil {
			rec.ReceivedAt = old.ReceivedAt
		}
		if err := tx.PutAdvisory(rec); err != nil {
			return err
		}
		existing, err := tx.Cases(store.CaseFilter{AdvisoryID: adv.ID})
		if err != nil {
			return err
		}
		if adv.Withdrawn {
			for i := range existing {
				if existing[i].State == store.CaseClosed {
					continue
				}
				if err := e.closeCase(tx, adv, &existing[i], templates.KindWithdrawn, "withdrawn by the publisher"); err != nil {
					return err
				}
				out.Closed++
			}
			return nil
		}
		items, err := tx.ItemsByKeys(keys, scanAll)
		if err != nil {
			return err
		}
		hits := e.matchByOrg(adv, items)
		byOrg := map[string]*store.Case{}
		for i := range existing {
			byOrg[existing[i].OrgID] = &existing[i]
		}
		for _, orgID := range sortedKeys(hits) {
			c := byOrg[orgID]
			changed, opened, err := e.applyHits(tx, adv, c, orgID, hits[orgID])
			if err != nil {
				return err
			}
			switch {
			case opened == store.CaseWatching:
				out.Watching++
			case opened != "":
				out.Opened++
			case changed:
				out.Updated++
			}
		}
		for i := range existing {
			c := &existing[i]
			if _, still := hits[c.OrgID]; still || c.State == store.CaseClosed {
				continue
			}
			if err := e.closeCase(tx, adv, c, templates.KindClosed, "the new revision of the advisory no longer lists your products"); err != nil {
				return err
			}
			out.Closed++
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("apply advisory %s revision %s: %w", adv.ID, adv.Revision, err)
	}
	e.wake()
	return out, nil
}

// matchByOrg matches the advisory against candidate items and groups the hits
// by organization.
func (e *Engine) matchByOrg(adv *advisory.Advisory, items []store.Item) map[string][]store.CaseItem {
	hits := map[string][]store.CaseItem{}
	for _, it := range items {
		h, ok := e.matcher.Match(adv.Affected, subscribersItem(it))
		if !ok {
			continue
		}
		hits[it.OrgID] = append(hits[it.OrgID], store.CaseItem{Vendor: it.Vendor, Product: it.Product,
			Version: it.Version, CPE: it.CPE, PURL: it.PURL, Asset: it.Asset,
			Certainty: string(h.Certainty), Reason: h.Reason})
	}
	return hits
}

func subscribersItem(it store.Item) subscribers.Item {
	return subscribers.Item{ID: it.ID, OrgID: it.OrgID, Vendor: it.Vendor, Product: it.Product,
		Version: it.Version, CPE: it.CPE, PURL: it.PURL, Asset: it.Asset}
}

// mailable reports whether some hit asks for a mail (not only "under investigation").
func mailable(items []store.CaseItem) bool {
	for _, it := range items {
		if it.Certainty != string(subscribers.UnderInvestigation) {
			return true
		}
	}
	return false
}

// applyHits opens a case for an organization's hits, or updates the items of
// its existing case, keeping that case's schedule. It returns whether an
// existing case changed and the state of a newly opened (or reopened) case.
func (e *Engine) applyHits(tx *store.Tx, adv *advisory.Advisory, c *store.Case, orgID string, items []store.CaseItem) (changed bool, opened string, err error) {
	now := e.Now()
	if c == nil || c.State == store.CaseClosed {
		if c == nil {
			c = &store.Case{ID: newID("case_"), AdvisoryID: adv.ID, OrgID: orgID}
			c.State = store.CaseWatching
			c.OpenedAt, c.UpdatedAt = now, now
			if err := tx.CreateCase(c); err != nil {
				return false, "", err
			}
		}
		if err := tx.ReplaceCaseItems(c.ID, items); err != nil {
			return false, "", err
		}
		if !mailable(items) {
			c.State, c.ClosedReason, c.NextReminderAt = store.CaseWatching, "", time.Time{}
			return false, store.CaseWatching, tx.UpdateCase(c)
		}
		return false, store.CaseOpen, e.openCase(tx, adv, c)
	}
	old, err := tx.CaseItems(c.ID)
	if err != nil {
		return false, "", err
	}
	if err := tx.ReplaceCaseItems(c.ID, items); err != nil {
		return false, "", err
	}
	if c.State == store.CaseWatching && mailable(items) {
		return true, store.CaseOpen, e.openCase(tx, adv, c)
	}
	return !sameItems(old, items), "", nil
}

// openCase starts the schedule of a case and queues its first mail.
func (e *Engine) openCase(tx *store.Tx, adv *advisory.Advisory, c *store.Case) error {
	now := e.Now()
	p := e.policy(adv.Severity)
	c.State, c.ClosedReason, c.Answer = store.CaseOpen, "", nil
	c.OpenedAt, c.UpdatedAt = now, now
	c.RemindersSent, c.ReminderStep, c.Escalated = 0, 0, false
	c.DueAt = adv.Due
	if c.DueAt.IsZero() {
		c.DueAt = now.Add(p.Due)
	}
	c.NextReminderAt, _ = p.ReminderAt(now, 0)
	if err := tx.UpdateCase(c); err != nil {
		return err
	}
	return e.queueMail(tx, adv, c, templates.KindNotice, 0, false)
}

// closeCase closes a case and, if the organization was ever told about it,
// tells the same people why it closed.
func (e *Engine) closeCase(tx *store.Tx, adv *advisory.Advisory, c *store.Case, kind, reason string) error {
	wasMailed := c.State != store.CaseWatching
	c.State, c.ClosedReason, c.NextReminderAt, c.UpdatedAt = store.CaseClosed, reason, time.Time{}, e.Now()
	if err := tx.UpdateCase(c); err != nil {
		return err
	}
	if err := tx.CancelMails(c.ID, templates.KindNotice, templates.KindReminder); err != nil {
		return err
	}
	if !wasMailed {
		return nil
	}
	return e.queueMail(tx, adv, c, kind, c.RemindersSent+1, c.Escalated)
}

func sameItems(a, b []store.CaseItem) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[store.CaseItem]bool{}
	for _, it := range a {
		seen[it] = true
	}
	for _, it := range b {
		if !seen[it] {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
