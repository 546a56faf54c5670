package notifier

import (
	"context"
	"time"

	"github.com/heed-dev/heed/store"
)

// orgPageLimit bounds the cases the organization's page lists at once: the
// most urgent first; the rest appear as these are answered.
const orgPageLimit = 100

// OrgView is the organization's own page: every case that still waits for
// its answer, reached from any of its links.
type OrgView struct {
	Org      store.Org
	Location *time.Location
	Cases    []CaseView
}

// OrgForLink verifies a link and loads every case of the link's
// organization that waits for an answer (open, or paused until a "will
// patch by" date), most urgent first. It changes nothing.
func (an *Answers) OrgForLink(ctx context.Context, token string) (OrgView, error) {
	l, err := an.links.Verify(token)
	if err != nil {
		return OrgView{}, err
	}
	var v OrgView
	err = an.db.View(ctx, func(tx *store.Tx) error {
		c, err := linkCase(tx, l)
		if err != nil {
			return err
		}
		if v.Org, err = tx.Org(c.OrgID); err != nil {
			return err
		}
		v.Location = location(v.Org.Timezone)
		cases, err := tx.Cases(store.CaseFilter{OrgID: c.OrgID})
		if err != nil {
			return err
		}
		for _, oc := range cases {
			if oc.State != store.CaseOpen && oc.State != store.CaseScheduled {
				continue
			}
			if len(v.Cases) == orgPageLimit {
				break
			}
			cv, err := an.caseView(tx, oc.ID)
			if err != nil {
				return err
			}
			v.Cases = append(v.Cases, cv)
		}
		return nil
	})
	return v, err
}

// RecordAnswerFor records, through a link, the answer to another case of the
// link's organization: the organization's page answers each of its cases
// as the contact the link was sent to. A case of another organization is
// not found.
func (an *Answers) RecordAnswerFor(ctx context.Context, token, caseID string, in AnswerInput) (CaseView, error) {
	l, err := an.orgLink(ctx, token, caseID)
	if err != nil {
		return CaseView{}, err
	}
	return an.record(ctx, l, in)
}

// OrgCaseForLink reads one case of the link's organization (any case of
// another organization is not found): the organization's page names the
// advisory whose answer it just recorded, after that case left its list.
func (an *Answers) OrgCaseForLink(ctx context.Context, token, caseID string) (CaseView, error) {
	l, err := an.orgLink(ctx, token, caseID)
	if err != nil {
		return CaseView{}, err
	}
	var v CaseView
	err = an.db.View(ctx, func(tx *store.Tx) error {
		v, err = an.caseView(tx, l.CaseID)
		return err
	})
	return v, err
}

// orgLink is the link token, verified, made to speak for caseID, a case
// of the same organization.
func (an *Answers) orgLink(ctx context.Context, token, caseID string) (Link, error) {
	l, err := an.links.Verify(token)
	if err != nil {
		return Link{}, err
	}
	err = an.db.View(ctx, func(tx *store.Tx) error {
		from, err := tx.Case(l.CaseID)
		if err != nil {
			return err
		}
		to, err := tx.Case(caseID)
		if err != nil {
			return err
		}
		if to.OrgID != from.OrgID {
			return store.ErrNotFound
		}
		return nil
	})
	l.CaseID = caseID
	return l, err
}
