package notifier

import (
	"context"
	"maps"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// Rendering a mail costs far more than the SQL of its case, and SQLite has
// one writer: rendered inside the write transaction, an advisory's mails
// would hold the write lock for most of a fan-out, and delivery could not
// record a sent mail meanwhile. So the cases an advisory opens, the common
// case by far, are worked out from a read snapshot and their notices
// rendered before the write transaction; the transaction then writes them
// as they were prepared, unless the snapshot no longer holds (the case
// exists now, or the organization or its contacts changed), when the case
// goes the ordinary way, rendered in the transaction.

// preparedCase is a case to open at one organization, with its notices
// rendered.
type preparedCase struct {
	c     store.Case // as created, before openCaseAt
	org   store.Org  // as the notices were composed for
	items []store.CaseItem
	now   time.Time // when it was opened and its notices composed
	mails map[preparedKey]mailJob
	// orgChanges is store.Tx.OrgChanges in the snapshot: the same in the
	// write transaction, org is as it was.
	orgChanges int64
}

// preparedKey names one mail of a case to one contact.
type preparedKey struct {
	caseID    string
	contactID int64
	kind      string
	seq       int
}

// prepare works out, from a read snapshot, the cases that batch opens at
// organizations with none yet, and renders their notices, all outside the
// write lock. The batch's cases and organizations are read once for all.
// A notice that fails to render, or whose body cannot be cut as the outbox
// stores it, is left to the transaction, where it fails as any other mail.
func (cs *Cases) prepare(ctx context.Context, adv *advisory.Advisory, batch []orgWork) (map[string]*preparedCase, error) {
	now := cs.now()
	pre := map[string]*preparedCase{}
	var jobs []mailJob
	var owners []string // the organization of each job
	err := cs.db.View(ctx, func(tx *store.Tx) error {
		ex, err := readExploitation(tx, adv)
		if err != nil {
			return err
		}
		var ids []string
		for _, w := range batch {
			if w.hits != nil && mailable(w.hits) {
				ids = append(ids, w.orgID)
			}
		}
		cases, err := tx.CasesAt(adv.ID, ids)
		if err != nil {
			return err
		}
		orgs, err := tx.OrgsByID(ids)
		if err != nil {
			return err
		}
		changes, err := tx.OrgChanges()
		if err != nil {
			return err
		}
		for _, w := range batch {
			org, ok := orgs[w.orgID]
			if _, exists := cases[w.orgID]; exists || !ok || w.hits == nil || !mailable(w.hits) {
				continue // an existing case is updated in the transaction
			}
			p := &preparedCase{org: org, items: w.hits, now: now, mails: map[preparedKey]mailJob{}, orgChanges: changes,
				c: store.Case{ID: newID("case_"), AdvisoryID: adv.ID, OrgID: w.orgID, State: store.CaseWatching, OpenedAt: now, UpdatedAt: now}}
			opened := p.c
			cs.startSchedule(adv, &opened, now, ex)
			for _, contact := range recipients(org.Contacts, false) {
				jobs = append(jobs, cs.outbox.mailJob(adv, &opened, org, w.hits, contact, templates.KindNotice, 0, false, nil, now))
				owners = append(owners, w.orgID)
			}
			pre[w.orgID] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	errs := cs.outbox.renderAll(jobs)
	for i := range jobs {
		j := &jobs[i]
		p := pre[owners[i]]
		if p == nil {
			continue
		}
		// The body is cut around the batch's shared runs here too, outside
		// the write lock, as the outbox will store it.
		if errs[i] != nil || j.rec.CutShared() != nil {
			delete(pre, owners[i])
			continue
		}
		p.mails[preparedKey{j.rec.CaseID, j.rec.ContactID, j.rec.Kind, j.rec.Seq}] = *j
	}
	return pre, nil
}

// writeBatch carries out a batch of an advisory's work in its write
// transaction. The batch's cases are read once for all, and so are the
// organizations its cases were prepared for, unless no organization or
// contact changed since the snapshot (store.Tx.OrgChanges): then they are
// as prepared. A prepared case is written as prepared (openPrepared) unless
// the case exists by now (an inventory change opened it since the
// snapshot) or the organization is gone; that work, and all the rest, goes
// the ordinary way (applyOrg).
func (cs *Cases) writeBatch(tx *writeTx, adv *advisory.Advisory, batch []orgWork, pre map[string]*preparedCase, out *Outcome) error {
	ids := make([]string, 0, len(batch))
	for _, w := range batch {
		ids = append(ids, w.orgID)
	}
	cases, err := tx.CasesAt(adv.ID, ids)
	if err != nil {
		return err
	}
	orgs, err := preparedOrgs(tx, batch, pre)
	if err != nil {
		return err
	}
	for _, w := range batch {
		c, exists := cases[w.orgID]
		if p, org := pre[w.orgID], orgs[w.orgID]; p != nil && !exists && org.ID != "" {
			if err := cs.openPrepared(tx, adv, p, org); err != nil {
				return err
			}
			out.Opened++
			continue
		}
		var found *store.Case
		if exists {
			found = &c
		}
		if err := cs.applyOrg(tx, adv, w, found, out); err != nil {
			return err
		}
	}
	return nil
}

// preparedOrgs returns the organizations of a batch's prepared cases as
// the write transaction sees them: as prepared when no organization or
// contact changed since their snapshot, else read again.
func preparedOrgs(tx *writeTx, batch []orgWork, pre map[string]*preparedCase) (map[string]store.Org, error) {
	if len(pre) == 0 {
		return nil, nil
	}
	changes, err := tx.OrgChanges()
	if err != nil {
		return nil, err
	}
	orgs := make(map[string]store.Org, len(pre))
	var changed []string
	for _, w := range batch {
		switch p := pre[w.orgID]; {
		case p == nil:
		case p.orgChanges == changes:
			orgs[w.orgID] = p.org
		default:
			changed = append(changed, w.orgID)
		}
	}
	if len(changed) == 0 {
		return orgs, nil
	}
	read, err := tx.OrgsByID(changed)
	if err != nil {
		return nil, err
	}
	maps.Copy(orgs, read)
	return orgs, nil
}

// openPrepared writes a prepared case and its notices, as openCase would
// have: the case is inserted already open, with its items and its opened
// event, and its notices are taken as rendered while org (the
// organization as the transaction reads it) is as it was when they were
// prepared, else composed again (queueOne).
func (cs *Cases) openPrepared(tx *writeTx, adv *advisory.Advisory, p *preparedCase, org store.Org) error {
	ex, err := cs.exploitation(tx, adv)
	if err != nil {
		return err
	}
	c := p.c
	cs.startSchedule(adv, &c, p.now, ex)
	if err := tx.CreateCase(&c); err != nil {
		return err
	}
	if _, err := tx.AddCaseItems(c.ID, p.items); err != nil {
		return err
	}
	if err := cs.recordEvent(tx.Tx, EventOpened, &c, map[string]any{"revision": adv.Revision, "severity": adv.Severity,
		"known_exploited": ex.known}); err != nil {
		return err
	}
	to := recipients(org.Contacts, false)
	if len(to) == 0 {
		// queueMail says that nobody can be reached.
		return cs.outbox.queueMail(tx, adv, &c, templates.KindNotice, 0, false)
	}
	tx.prepared, tx.preparedOrg = p.mails, p.org
	defer func() { tx.prepared = nil }()
	for _, contact := range to {
		if err := cs.outbox.queueOne(tx, adv, &c, org, p.items, contact, templates.KindNotice, 0, false, nil); err != nil {
			return err
		}
	}
	return nil
}
