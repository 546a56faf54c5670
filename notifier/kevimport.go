package notifier

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/heed-dev/heed/notifier/kev"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// KEVResult says what importing a catalog of known exploited
// vulnerabilities did.
type KEVResult struct {
	Added        int `json:"added"`         // CVEs new to Heed's copy of the catalog
	CasesChanged int `json:"cases_changed"` // cases now known exploited, each mailed
}

// kevBatch is how many cases one write transaction of ImportKEV marks: as
// an apply's batches, few enough that an answer or a sent mail recorded
// meanwhile waits a moment, and that the first mails leave while the rest
// are written.
const kevBatch = 500

// ImportKEV stores a catalog of known exploited vulnerabilities (CISA's
// KEV JSON), then marks known exploited every case still waiting whose
// advisory names a catalogued CVE (exploitCase), each with its mail. A
// catalog that cannot be read imports nothing.
//
// A catalog may name the CVE of an advisory with 100,000 open cases, so
// the cases are marked as an apply opens them: in batches of kevBatch,
// each worked out from a read snapshot and its mails rendered before its
// write transaction (prepareMarks), which writes them as prepared unless
// the case, its organization or its advisory changed meanwhile. Importing
// the same catalog again changes nothing and mails nobody; one that a
// crash cut short is finished by importing it again, since every waiting
// case not yet marked is looked at each time.
func (cs *Cases) ImportKEV(ctx context.Context, data []byte) (KEVResult, error) {
	return cs.importKEV(ctx, data, kevBatch, nil)
}

// importKEV is ImportKEV in batches of size cases; between, if not nil,
// runs after each batch is committed.
func (cs *Cases) importKEV(ctx context.Context, data []byte, size int, between func()) (KEVResult, error) {
	entries, err := kev.Parse(data)
	if err != nil {
		return KEVResult{}, &InputError{Msg: "nothing imported: " + err.Error()}
	}
	recs := make([]store.KEV, len(entries))
	for i, e := range entries {
		recs[i] = store.KEV{CVE: e.CVE, DateAdded: e.DateAdded, Due: e.Due}
	}
	var res KEVResult
	err = cs.db.Update(ctx, func(tx *store.Tx) (err error) {
		res.Added, err = tx.PutKEV(recs, cs.now())
		return err
	})
	if err != nil {
		return KEVResult{}, fmt.Errorf("import known exploited vulnerabilities: %w", err)
	}
	work, err := cs.catalogued(ctx)
	if err != nil {
		return res, fmt.Errorf("import known exploited vulnerabilities: %w", err)
	}
	for start := 0; start < len(work); start += size {
		batch := work[start:min(start+size, len(work))]
		pre, err := cs.prepareMarks(ctx, batch)
		if err != nil {
			return res, fmt.Errorf("import known exploited vulnerabilities: %w", err)
		}
		var n int
		err = cs.outbox.update(ctx, func(tx *writeTx) error {
			n = 0
			now, err := readMarks(tx.Tx, batch)
			if err != nil {
				return err
			}
			advs := map[string]*advisory.Advisory{} // as they are now
			for _, w := range batch {
				adv := advs[w.adv.ID]
				if adv == nil {
					if adv, err = loadAdvisory(tx.Tx, w.adv.ID); err != nil {
						return err
					}
					advs[adv.ID] = adv
				}
				marked, err := cs.markCatalogued(tx, adv, now[w.caseID], pre[w.caseID])
				if err != nil {
					return err
				}
				if marked {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("import known exploited vulnerabilities: %w", err)
		}
		res.CasesChanged += n
		cs.wake()
		if between != nil {
			between()
		}
	}
	err = cs.db.Update(ctx, func(tx *store.Tx) error {
		return tx.Audit(cs.now(), "kev.import", "kev", fmt.Sprintf("entries: %d; added: %d, cases changed: %d",
			len(recs), res.Added, res.CasesChanged))
	})
	if err != nil {
		return res, fmt.Errorf("import known exploited vulnerabilities: %w", err)
	}
	return res, nil
}

// exploitWork is a case to mark known exploited, with its advisory and
// what the catalog says of it as read.
type exploitWork struct {
	adv    *advisory.Advisory
	ex     exploit
	caseID string
	orgID  string
}

// catalogued lists, from a read snapshot, every case still waiting, not
// yet marked, whose advisory the catalog names.
func (cs *Cases) catalogued(ctx context.Context) ([]exploitWork, error) {
	var work []exploitWork
	err := cs.db.View(ctx, func(tx *store.Tx) error {
		ids, err := tx.UnexploitedAdvisories()
		if err != nil {
			return err
		}
		for _, id := range ids {
			adv, err := loadAdvisory(tx, id)
			if err != nil {
				return err
			}
			ex, err := readExploitation(tx, adv)
			if err != nil {
				return err
			}
			if !ex.known {
				continue
			}
			cases, err := tx.Cases(store.CaseFilter{AdvisoryID: id})
			if err != nil {
				return err
			}
			for i := range cases {
				if c := &cases[i]; waiting(c) && c.ExploitedAt.IsZero() {
					work = append(work, exploitWork{adv: adv, ex: ex, caseID: c.ID, orgID: c.OrgID})
				}
			}
		}
		return nil
	})
	return work, err
}

// markState is what marking a case reads of it: the case, its
// organization and its items.
type markState struct {
	c     store.Case
	org   store.Org
	items []store.CaseItem
}

// readMarks reads the cases of batch that still wait unmarked, with their
// organizations and items, in a few statements for the whole batch.
func readMarks(tx *store.Tx, batch []exploitWork) (map[string]*markState, error) {
	orgsOf := map[string][]string{} // by advisory
	var orgIDs, caseIDs []string
	for _, w := range batch {
		orgsOf[w.adv.ID] = append(orgsOf[w.adv.ID], w.orgID)
		orgIDs, caseIDs = append(orgIDs, w.orgID), append(caseIDs, w.caseID)
	}
	orgs, err := tx.OrgsByID(orgIDs)
	if err != nil {
		return nil, err
	}
	items, err := tx.CaseItemsOf(caseIDs)
	if err != nil {
		return nil, err
	}
	out := map[string]*markState{}
	for advID, ids := range orgsOf {
		cases, err := tx.CasesAt(advID, ids)
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			org, ok := orgs[c.OrgID]
			if ok && waiting(&c) && c.ExploitedAt.IsZero() {
				out[c.ID] = &markState{c: c, org: org, items: items[c.ID]}
			}
		}
	}
	return out, nil
}

// preparedMark is a case marked known exploited from a read snapshot,
// with its mails rendered, and what it was worked out from.
type preparedMark struct {
	revision string // the advisory's
	ex       exploit
	before   markState
	after    store.Case
	mails    []mailJob
}

// prepareMarks marks the cases of batch from a read snapshot and renders
// their mails, outside the write lock. A case with no mail to prepare (no
// contact to reach, or a mail that would start its thread) or one that
// fails to render is left to the transaction, where it is marked the
// ordinary way (and fails as any other mail).
func (cs *Cases) prepareMarks(ctx context.Context, batch []exploitWork) (map[string]*preparedMark, error) {
	now := cs.now()
	pre := map[string]*preparedMark{}
	var jobs []mailJob
	from := map[string]int{} // where each case's mails start in jobs
	err := cs.db.View(ctx, func(tx *store.Tx) error {
		states, err := readMarks(tx, batch)
		if err != nil {
			return err
		}
		for _, w := range batch {
			st := states[w.caseID]
			if st == nil {
				continue
			}
			p, err := cs.prepareMark(tx, w, st, now)
			if err != nil {
				return err
			}
			if p != nil {
				from[w.caseID] = len(jobs)
				jobs = append(jobs, p.mails...)
				pre[w.caseID] = p
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	errs := cs.outbox.renderAll(jobs)
	for id, p := range pre {
		i, n := from[id], len(p.mails)
		if errors.Join(errs[i:i+n]...) != nil {
			delete(pre, id)
			continue
		}
		p.mails = jobs[i : i+n]
	}
	return pre, nil
}

// prepareMark marks a case from a read snapshot and composes its mails,
// one to each contact, replying to the first mail of its thread; nil when
// it has no mail to prepare.
func (cs *Cases) prepareMark(tx *store.Tx, w exploitWork, st *markState, now time.Time) (*preparedMark, error) {
	p := &preparedMark{revision: w.adv.Revision, ex: w.ex, before: *st, after: st.c}
	changes := cs.exploitCase(&p.after, w.ex, now)
	escalate := cs.copiesEscalation(w.adv, &p.after, now)
	for _, contact := range recipients(st.org.Contacts, escalate) {
		first := cs.outbox.threadID(st.c.ID, contact.ID)
		if exists, err := tx.MailExists(first); err != nil || !exists {
			return nil, err
		}
		j := cs.outbox.mailJob(w.adv, &p.after, st.org, st.items, contact, templates.KindExploited,
			p.after.RemindersSent, escalate, changes, now)
		j.env.MessageID, j.env.InReplyTo = cs.outbox.messageID(st.c.ID), first
		j.rec.MessageID = j.env.MessageID
		p.mails = append(p.mails, j)
	}
	if len(p.mails) == 0 {
		return nil, nil
	}
	return p, nil
}

// markCatalogued marks one case known exploited in the transaction, if it
// still waits unmarked (st, read in the transaction; nil if it does not)
// and its advisory is still catalogued, and reports whether it did: as
// prepared (p) when nothing it was prepared from changed, else the
// ordinary way, its mails rendered in the transaction.
func (cs *Cases) markCatalogued(tx *writeTx, adv *advisory.Advisory, st *markState, p *preparedMark) (bool, error) {
	if st == nil {
		return false, nil
	}
	ex, err := cs.exploitation(tx, adv)
	if err != nil || !ex.known {
		return false, err
	}
	if p != nil && p.revision == adv.Revision && sameExploit(p.ex, ex) && reflect.DeepEqual(*st, p.before) {
		if err := cs.recordExploited(tx, &p.after, ex); err != nil {
			return false, err
		}
		if tx.threads == nil {
			tx.threads = map[string]bool{}
		}
		for _, j := range p.mails {
			tx.threads[j.env.InReplyTo] = true
		}
		tx.mails = append(tx.mails, p.mails...)
		return true, nil
	}
	c := st.c
	return true, cs.markExploited(tx, adv, &c, ex)
}

// sameExploit reports whether two readings of the catalog say the same.
func sameExploit(a, b exploit) bool {
	return a.known == b.known && a.added.Equal(b.added) && slices.EqualFunc(a.dues, b.dues, time.Time.Equal)
}
