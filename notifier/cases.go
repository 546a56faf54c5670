package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// Cases is the apply stage: it turns an advisory, or an inventory change,
// into cases opened, updated and closed, with the mails that tell each
// organization; and it decides what a refused address means for a case.
type Cases struct {
	*deps
	outbox *Outbox
}

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
	// Held: the revision would open WouldOpen cases, more than its
	// publisher may; it waits for an operator's approval, opening nothing.
	Held      bool `json:"held,omitempty"`
	WouldOpen int  `json:"would_open,omitempty"`
	// Informational: the document informs; it was recorded, opening nothing.
	Informational bool `json:"informational,omitempty"`
}

// applyBatch is how many organizations one transaction of ApplyAdvisory
// handles: small enough that an answer posted meanwhile waits a moment, not
// a minute, and that the first mails leave while the rest are written.
const applyBatch = 500

// firstApplyBatch is the size of an advisory's first batch: small, so that
// the first mails leave soon after the advisory arrives.
const firstApplyBatch = 50

// orgWork is what applying an advisory does at one organization.
type orgWork struct {
	orgID string
	hits  []store.CaseItem   // affected items; nil: close the case
	kind  string             // for a close: templates.KindClosed or KindWithdrawn
	prev  *advisory.Advisory // the revision before, if any
}

// ApplyAdvisory stores an advisory and opens, updates or closes its cases,
// with their mails. The same or an older revision of a known advisory changes
// nothing. The cases are written in batches; the advisory is marked applied
// after the last one, so that if Heed stops half-way, the redelivered
// message finishes the work (each step is idempotent).
//
// ApplyAdvisory applies it as the engine's first publisher (the agency
// "default" of a configuration without publishers); intake uses applyFrom
// with the publisher that sent it.
func (cs *Cases) ApplyAdvisory(ctx context.Context, adv *advisory.Advisory) (Outcome, error) {
	return cs.applyFrom(ctx, adv, Source{Publisher: cs.publishers.All()[0]})
}

func (cs *Cases) applyFrom(ctx context.Context, adv *advisory.Advisory, src Source) (Outcome, error) {
	out := Outcome{AdvisoryID: adv.ID, Revision: adv.Revision, Informational: adv.Informational}
	if err := cs.syncAliases(ctx); err != nil {
		return out, err
	}
	var work []orgWork
	var fresh bool
	err := cs.db.Update(ctx, func(tx *store.Tx) (err error) {
		work, fresh, err = cs.planApply(tx, adv, src, &out)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("apply advisory %s revision %s: %w", adv.ID, adv.Revision, err)
	}
	if out.Held {
		return out, nil
	}
	if !fresh {
		out.Unchanged = true
		return out, nil
	}
	for start := 0; start < len(work); {
		size := applyBatch
		if start == 0 {
			size = firstApplyBatch
		}
		batch := work[start:min(start+size, len(work))]
		start += len(batch)
		pre, err := cs.prepare(ctx, adv, batch)
		if err != nil {
			return out, fmt.Errorf("apply advisory %s revision %s: %w", adv.ID, adv.Revision, err)
		}
		var got Outcome
		err = cs.outbox.update(ctx, func(tx *writeTx) error {
			got = Outcome{}
			return cs.writeBatch(tx, adv, batch, pre, &got)
		})
		if err != nil {
			return out, fmt.Errorf("apply advisory %s revision %s: %w", adv.ID, adv.Revision, err)
		}
		out.Opened, out.Updated, out.Closed, out.Watching = out.Opened+got.Opened, out.Updated+got.Updated, out.Closed+got.Closed, out.Watching+got.Watching
		cs.metrics.cases.WithLabelValues("opened").Add(float64(got.Opened))
		cs.metrics.cases.WithLabelValues("closed").Add(float64(got.Closed))
		cs.wake()
	}
	// Its near misses are looked for by their own loop (scanNearMisses),
	// which the mark set here tells to.
	if err := cs.db.Update(ctx, func(tx *store.Tx) error { return tx.MarkApplied(adv.ID) }); err != nil {
		return out, fmt.Errorf("apply advisory %s revision %s: %w", adv.ID, adv.Revision, err)
	}
	cs.wake()
	return out, nil
}

// planApply stores the advisory as not yet applied and works out what it
// means for each organization: open or update a case where items are hit,
// close the cases of those no longer hit (or all of them, if withdrawn). It
// reports fresh = false, and does nothing, when the revision is not new.
// A revision its publisher may not send is refused (a *rejectedError); one
// that would open more cases than its publisher may is held for approval
// (out.Held), opening nothing.
func (cs *Cases) planApply(tx *store.Tx, adv *advisory.Advisory, src Source, out *Outcome) (work []orgWork, fresh bool, err error) {
	now := cs.now()
	old, err := tx.Advisory(adv.ID)
	switch {
	case err == nil:
		cmp := advisory.CompareRevision(adv.Revision, old.Revision)
		if cmp < 0 || cmp == 0 && old.Applied {
			return nil, false, nil
		}
	case errors.Is(err, store.ErrNotFound):
	default:
		return nil, false, err
	}
	owner, err := cs.relay(adv, old, src)
	if err != nil {
		return nil, false, err
	}
	prepared := cs.matcher.Prepare(adv.Affected)
	keys, scanAll := prepared.Keys()
	existing, err := tx.Cases(store.CaseFilter{AdvisoryID: adv.ID})
	if err != nil {
		return nil, false, err
	}
	switch {
	case adv.Informational:
		// Information names no product: it is recorded and shown, and
		// matches nothing, now or when an inventory changes (no keys).
		// It cannot stand in for an advisory whose cases are still live:
		// their recipients would be left without a word.
		if n := liveCases(existing); n > 0 {
			return nil, false, &rejectedError{Reason: fmt.Sprintf(
				"advisory %s has cases not closed (%d); a revision of category %q is information and cannot replace it (withdraw the advisory, or publish the information under its own id)",
				adv.ID, n, adv.Category)}
		}
		keys, scanAll = nil, false
	case adv.Withdrawn:
		for _, c := range existing {
			if c.State != store.CaseClosed {
				work = append(work, orgWork{orgID: c.OrgID, kind: templates.KindWithdrawn})
			}
		}
	default:
		items, err := tx.ItemsByKeys(keys, scanAll)
		if err != nil {
			return nil, false, err
		}
		hits, err := activeHits(tx, prepared, items)
		if err != nil {
			return nil, false, err
		}
		compactHits(hits)
		var prev *advisory.Advisory
		if old.Doc != nil {
			if prev, err = decodeAdvisory(old); err != nil {
				return nil, false, err
			}
		}
		work = make([]orgWork, 0, len(hits)+len(existing))
		for _, h := range hits {
			work = append(work, orgWork{orgID: h.OrgID, hits: h.Items, prev: prev})
		}
		if len(existing) > 0 {
			still := make(map[string]bool, len(hits))
			for _, h := range hits {
				still[h.OrgID] = true
			}
			for _, c := range existing {
				if !still[c.OrgID] && c.State != store.CaseClosed {
					work = append(work, orgWork{orgID: c.OrgID, kind: templates.KindClosed})
				}
			}
		}
	}
	doc, err := json.Marshal(adv)
	if err != nil {
		return nil, false, fmt.Errorf("encode advisory: %w", err)
	}
	if n := wouldOpen(work, existing); !src.Approved && src.Publisher.Holds(n) {
		out.Held, out.WouldOpen = true, n
		return nil, false, tx.HoldAdvisory(&store.HeldAdvisory{ID: adv.ID, Revision: adv.Revision, Publisher: src.Publisher.Name,
			Title: adv.Title, Severity: adv.Severity, WouldOpen: n, Doc: doc, ReceivedAt: now})
	}
	rec := &store.Advisory{ID: adv.ID, Revision: adv.Revision, Publisher: owner, Format: adv.Format, Title: adv.Title,
		Severity: adv.Severity, Withdrawn: adv.Withdrawn, Informational: adv.Informational, ScanAll: scanAll, Keys: keys, Doc: doc,
		ReceivedAt: now, UpdatedAt: now}
	if !old.ReceivedAt.IsZero() {
		rec.ReceivedAt = old.ReceivedAt
	}
	if err := tx.PutAdvisory(rec); err != nil {
		return nil, false, err
	}
	return work, true, nil
}

// liveCases counts the cases not closed.
func liveCases(cases []store.Case) int {
	n := 0
	for _, c := range cases {
		if c.State != store.CaseClosed {
			n++
		}
	}
	return n
}

// applyOrg carries out one organization's part of an advisory on its case
// c (nil: none), read in the same transaction (writeBatch): an inventory
// change may have opened it since the plan.
func (cs *Cases) applyOrg(tx *writeTx, adv *advisory.Advisory, w orgWork, c *store.Case, out *Outcome) error {
	if w.hits == nil {
		if c == nil || c.State == store.CaseClosed {
			return nil
		}
		reason := store.ClosedNotListed
		if w.kind == templates.KindWithdrawn {
			reason = store.ClosedWithdrawn
		}
		out.Closed++
		return cs.closeCase(tx, adv, c, w.kind, reason)
	}
	changed, opened, err := cs.applyHits(tx, w.prev, adv, c, w.orgID, w.hits)
	switch {
	case err != nil:
		return err
	case opened == store.CaseWatching:
		out.Watching++
	case opened != "":
		out.Opened++
	case changed:
		out.Updated++
	}
	return nil
}

// inventoryChanged matches an organization's new inventory (recs, whose
// lookup keys are keys) against the advisories already known: a new exposure
// opens a case (and mails it); an open case gains newly affected items; a
// case still waiting that the inventory no longer hits is resolved
// (resolveFixed).
func (cs *Cases) inventoryChanged(tx *writeTx, orgID string, recs []store.Item, keys []string, res *InventoryResult) error {
	advs, err := tx.AdvisoriesForKeys(keys)
	if err != nil {
		return err
	}
	hit := map[string]bool{}
	for _, rec := range advs {
		adv, err := decodeAdvisory(rec)
		if err != nil {
			return err
		}
		hits := orgHits(cs.matcher.Prepare(adv.Affected), recs)
		if len(hits) == 0 {
			continue
		}
		hit[adv.ID] = true
		_, opened, added, err := cs.expose(tx, adv, orgID, hits)
		switch {
		case err != nil:
			return err
		case opened:
			res.Opened++
		case added > 0:
			res.Updated++
		}
	}
	res.Resolved, err = cs.resolveFixed(tx, orgID, recs, hit)
	return err
}

// matchByOrg matches a prepared advisory against candidate items and groups
// the hits by organization, in the order of each organization's first hit
// (ItemsByKeys lists the candidates in item order: an organization's in a
// row, as an inventory is written at once). At 100,000 organizations,
// sorting them by id took longer than matching them.
//
// The hits are gathered in one slice and each organization's are a piece
// of it (capacity clipped, so that an append copies): a slice grown per
// organization hit cost more than matching. An organization whose hits are
// not in a row is still listed once, with all of them.
func matchByOrg(prepared *subscribers.Prepared, items []store.Item) []OrgHits {
	all := make([]store.CaseItem, 0, len(items))
	orgs := make([]string, 0, len(items)) // of each hit in all
	for _, it := range items {
		if h, ok := prepared.Match(it); ok {
			all = append(all, caseItem(it, h))
			orgs = append(orgs, it.OrgID)
		}
	}
	runs := 0
	for i := range orgs {
		if i == 0 || orgs[i] != orgs[i-1] {
			runs++
		}
	}
	out := make([]OrgHits, 0, runs)
	at := make(map[string]int, runs) // index in out
	for start := 0; start < len(all); {
		end := start + 1
		for end < len(all) && orgs[end] == orgs[start] {
			end++
		}
		if i, ok := at[orgs[start]]; ok {
			out[i].Items = append(out[i].Items, all[start:end]...)
		} else {
			at[orgs[start]] = len(out)
			out = append(out, OrgHits{OrgID: orgs[start], Items: all[start:end:end]})
		}
		start = end
	}
	return out
}

// orgHits matches a prepared advisory against one organization's items.
func orgHits(prepared *subscribers.Prepared, items []store.Item) []store.CaseItem {
	var hits []store.CaseItem
	for _, it := range items {
		if h, ok := prepared.Match(it); ok {
			hits = append(hits, caseItem(it, h))
		}
	}
	return hits
}

// caseItem is an item hit, as a case lists it.
func caseItem(it store.Item, h subscribers.Hit) store.CaseItem {
	return store.CaseItem{Vendor: it.Vendor, Product: it.Product, Version: it.Version, CPE: it.CPE, PURL: it.PURL,
		Asset: it.Asset, Certainty: string(h.Certainty), Reason: h.Reason}
}

// activeHits is matchByOrg without the deactivated organizations: they
// get no new case (their cases were closed when they were deactivated and
// stay so).
func activeHits(tx *store.Tx, prepared *subscribers.Prepared, items []store.Item) ([]OrgHits, error) {
	hits := matchByOrg(prepared, items)
	inactive, err := tx.DeactivatedOrgs()
	if err != nil {
		return nil, err
	}
	if len(inactive) == 0 {
		return hits, nil
	}
	return slices.DeleteFunc(hits, func(h OrgHits) bool { return inactive[h.OrgID] }), nil
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
//
// prev is the revision before adv, nil when an inventory changed: an open
// case that a new revision changes is told at once (tellUpdate).
func (cs *Cases) applyHits(tx *writeTx, prev, adv *advisory.Advisory, c *store.Case, orgID string, items []store.CaseItem) (changed bool, opened string, err error) {
	now := cs.now()
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
		return false, store.CaseOpen, cs.openCase(tx, adv, c)
	}
	old, err := tx.CaseItems(c.ID)
	if err != nil {
		return false, "", err
	}
	if err := tx.ReplaceCaseItems(c.ID, items); err != nil {
		return false, "", err
	}
	if c.State == store.CaseWatching && mailable(items) {
		return true, store.CaseOpen, cs.openCase(tx, adv, c)
	}
	if prev != nil && waiting(c) {
		if err := cs.tellUpdate(tx, prev, adv, c, old, items); err != nil {
			return false, "", err
		}
	}
	if waiting(c) && c.ExploitedAt.IsZero() {
		// A revision that says the flaw is exploited, or names a CVE
		// the catalog has.
		ex, err := cs.exploitation(tx, adv)
		if err != nil || !ex.known {
			return false, "", err
		}
		if err := cs.markExploited(tx, adv, c, ex); err != nil {
			return false, "", err
		}
		return true, "", nil
	}
	return !sameItems(old, items), "", nil
}

// openCase starts the schedule of a case and queues its first mail. A case
// whose flaw is known to be exploited (the advisory says so, or the catalog
// names one of its CVEs) is marked so (startSchedule).
func (cs *Cases) openCase(tx *writeTx, adv *advisory.Advisory, c *store.Case) error {
	return cs.openCaseAt(tx, adv, c, cs.now())
}

// openCaseAt opens a case as of now: a prepared case (prepare.go) was
// opened, and its notice composed, at the time it was prepared.
func (cs *Cases) openCaseAt(tx *writeTx, adv *advisory.Advisory, c *store.Case, now time.Time) error {
	ex, err := cs.exploitation(tx, adv)
	if err != nil {
		return err
	}
	cs.startSchedule(adv, c, now, ex)
	if err := tx.UpdateCase(c); err != nil {
		return err
	}
	if err := cs.recordEvent(tx.Tx, EventOpened, c, map[string]any{"revision": adv.Revision, "severity": adv.Severity,
		"known_exploited": ex.known}); err != nil {
		return err
	}
	return cs.outbox.queueMail(tx, adv, c, templates.KindNotice, 0, false)
}

// startSchedule sets what opening a case at now sets: its state, due date,
// first reminder and the revision it tells; and, for a flaw known to be
// exploited (ex), the mark, the known-exploited policy and a due date by
// the earliest of the advisory's, the catalog's still ahead and that
// policy's (exploit.dueFor).
func (cs *Cases) startSchedule(adv *advisory.Advisory, c *store.Case, now time.Time, ex exploit) {
	if ex.known {
		adv.KnownExploited = true // its notice goes at once, and says so
		if c.ExploitedAt.IsZero() {
			c.ExploitedAt = now
		}
	}
	p := cs.policyFor(adv, c)
	c.State, c.ClosedReason, c.Answer = store.CaseOpen, "", nil
	c.OpenedAt, c.UpdatedAt = now, now
	c.RemindersSent, c.ReminderStep, c.Escalated = 0, 0, false
	c.DueAt = adv.Due
	if c.DueAt.IsZero() {
		c.DueAt = now.Add(p.Due)
	}
	if ex.known {
		c.DueAt = ex.dueFor(c.DueAt, p, now)
	}
	c.NextReminderAt, _ = p.reminderAt(now, 0)
	c.ToldRevision, c.OverdueAt = adv.Revision, time.Time{}
}

// closeCase closes a case and, if the organization was ever told about it,
// tells the same people why it closed (a mail of kind; a resolved case:
// what changed), and records its event: "resolved" for a reason starting
// with store.ClosedResolved, else "closed".
func (cs *Cases) closeCase(tx *writeTx, adv *advisory.Advisory, c *store.Case, kind, reason string, changes ...templates.Change) error {
	wasMailed := c.State != store.CaseWatching
	c.State, c.ClosedReason, c.NextReminderAt, c.UpdatedAt = store.CaseClosed, reason, time.Time{}, cs.now()
	if err := tx.UpdateCase(c); err != nil {
		return err
	}
	if err := tx.CancelMails(c.ID, templates.Answerable...); err != nil {
		return err
	}
	if !wasMailed {
		return nil // only watched, never opened: nobody was told, mail or event
	}
	event := EventClosed
	if strings.HasPrefix(reason, store.ClosedResolved) {
		event = EventResolved
	}
	if err := cs.recordEvent(tx.Tx, event, c, map[string]any{"reason": reason}); err != nil {
		return err
	}
	return cs.outbox.queueMail(tx, adv, c, kind, c.RemindersSent+1, cs.copiesEscalation(adv, c, cs.now()), changes...)
}

func sameItems(a, b []store.CaseItem) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]bool{}
	for _, it := range a {
		seen[caseItemKey(it)] = true
	}
	for _, it := range b {
		if !seen[caseItemKey(it)] {
			return false
		}
	}
	return true
}

// caseItemKey is everything a case item says, as one comparable string.
func caseItemKey(it store.CaseItem) string {
	r := it.Reason
	return strings.Join(append([]string{it.Vendor, it.Product, it.Version, it.CPE, it.PURL, it.Asset, it.Certainty,
		r.Code, r.Via, r.Key}, r.Args...), "\x00")
}
