package notifier

import (
	"context"
	"errors"
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
// write lock. A notice that fails to render is left to the transaction,
// where it fails as any other mail.
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
		for _, w := range batch {
			if w.hits == nil || !mailable(w.hits) {
				continue
			}
			switch _, err := tx.CaseFor(adv.ID, w.orgID); {
			case err == nil:
				continue // an existing case is updated in the transaction
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
			org, err := tx.Org(w.orgID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			p := &preparedCase{org: org, items: w.hits, now: now, mails: map[preparedKey]mailJob{},
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
	for i, j := range jobs {
		p := pre[owners[i]]
		if p == nil {
			continue
		}
		if errs[i] != nil {
			delete(pre, owners[i])
			continue
		}
		p.mails[preparedKey{j.rec.CaseID, j.rec.ContactID, j.rec.Kind, j.rec.Seq}] = j
	}
	return pre, nil
}

// openPrepared writes a prepared case and its notices, as openCase would
// have, and reports whether it did: not when the case exists by now (the
// caller then applies the organization's work the ordinary way). When the
// organization changed since the snapshot, its notices are composed again
// (queueOne).
func (cs *Cases) openPrepared(tx *writeTx, adv *advisory.Advisory, p *preparedCase) (bool, error) {
	switch _, err := tx.CaseFor(adv.ID, p.c.OrgID); {
	case err == nil:
		return false, nil
	case !errors.Is(err, store.ErrNotFound):
		return false, err
	}
	c := p.c
	if err := tx.CreateCase(&c); err != nil {
		return false, err
	}
	if err := tx.ReplaceCaseItems(c.ID, p.items); err != nil {
		return false, err
	}
	tx.prepared, tx.preparedOrg = p.mails, p.org
	defer func() { tx.prepared = nil }()
	return true, cs.openCaseAt(tx, adv, &c, p.now)
}
