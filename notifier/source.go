package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/heed-dev/heed/notifier/publishers"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// Source is who sent an advisory revision, as intake established it.
type Source struct {
	Publisher *publishers.Publisher // the owner of the NATS subject it came on
	Signer    string                // the verified OpenPGP signer; "" unsigned
	// Approved: an operator approved it, so it is applied whatever the
	// number of cases it opens.
	Approved bool
}

// relay checks that src may publish this revision of adv (old: the stored
// advisory; zero when there is none) and records on adv who relayed it. It
// returns the advisory's owner: an id belongs to the publisher that first
// published it; another may revise or withdraw it only as an agency, and
// that is recorded as an agency revision.
func (cs *Cases) relay(adv *advisory.Advisory, old store.Advisory, src Source) (owner string, err error) {
	p := src.Publisher
	if err := publishers.CheckRevision(old.Revision, adv.Revision, cs.now()); err != nil {
		return "", &rejectedError{Reason: fmt.Sprintf("advisory %s from publisher %s: %v", adv.ID, p.Name, err)}
	}
	r := &advisory.Relayed{Publisher: p.Name, Role: string(p.Role), Signer: src.Signer}
	if old.ID != "" && old.Publisher != p.Name {
		if p.Role != publishers.Agency {
			return "", &rejectedError{Reason: fmt.Sprintf("advisory %s belongs to publisher %s; publisher %s (a %s) may not revise or withdraw it",
				adv.ID, old.Publisher, p.Name, p.Role)}
		}
		r.Publisher, r.Role, r.RevisedBy = old.Publisher, cs.roleOf(old), p.Name
	}
	adv.Relayed = r
	return r.Publisher, nil
}

// roleOf is the role of a stored advisory's owner: as recorded with it,
// else as configured now.
func (cs *Cases) roleOf(a store.Advisory) string {
	var doc struct{ Relayed *advisory.Relayed }
	if json.Unmarshal(a.Doc, &doc) == nil && doc.Relayed != nil && doc.Relayed.Publisher == a.Publisher {
		return doc.Relayed.Role
	}
	if p, ok := cs.publishers.Named(a.Publisher); ok {
		return string(p.Role)
	}
	return ""
}

// wouldOpen counts the organizations an apply's work would newly mail a
// notice: hit, with something to mail, and no case already open.
func wouldOpen(work []orgWork, existing []store.Case) int {
	live := map[string]bool{}
	for _, c := range existing {
		if c.State != store.CaseClosed && c.State != store.CaseWatching {
			live[c.OrgID] = true
		}
	}
	n := 0
	for _, w := range work {
		if w.hits != nil && mailable(w.hits) && !live[w.orgID] {
			n++
		}
	}
	return n
}

// Approve applies an advisory revision that was held for approval, opening
// its cases and mailing them, then forgets that it was held.
func (cs *Cases) Approve(ctx context.Context, id string) (Outcome, error) {
	var held store.HeldAdvisory
	if err := cs.db.View(ctx, func(tx *store.Tx) (err error) {
		held, err = tx.HeldAdvisory(id)
		return err
	}); err != nil {
		return Outcome{}, err
	}
	var adv advisory.Advisory
	if err := json.Unmarshal(held.Doc, &adv); err != nil {
		return Outcome{}, fmt.Errorf("approve advisory %s: decode: %w", id, err)
	}
	src := Source{Publisher: cs.heldPublisher(held, adv.Relayed), Approved: true}
	if adv.Relayed != nil {
		src.Signer = adv.Relayed.Signer
	}
	out, err := cs.applyFrom(ctx, &adv, src)
	var rej *rejectedError
	if errors.As(err, &rej) {
		// Since it was held, another publisher took the id, say: the
		// operator is told why, and may discard it.
		return out, &InputError{Msg: "advisory " + id + " cannot be applied now: " + rej.Reason}
	}
	if err != nil {
		return out, err
	}
	return out, cs.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.ReleaseHeld(id); err != nil {
			return err
		}
		return tx.Audit(cs.now(), "advisory.approve", id, fmt.Sprintf("revision %s from publisher %s: %d cases opened (held: would open %d)",
			held.Revision, held.Publisher, out.Opened, held.WouldOpen))
	})
}

// heldPublisher is the publisher that sent a held revision: as configured
// now, else as recorded when it was held.
func (cs *Cases) heldPublisher(h store.HeldAdvisory, r *advisory.Relayed) *publishers.Publisher {
	if p, ok := cs.publishers.Named(h.Publisher); ok {
		return p
	}
	role := publishers.Vendor
	if r != nil && (r.RevisedBy == h.Publisher || r.Publisher == h.Publisher && r.Role == string(publishers.Agency)) {
		role = publishers.Agency
	}
	return &publishers.Publisher{Name: h.Publisher, Role: role, HoldAbove: -1}
}

// Discard drops an advisory revision that was held for approval: it opens
// nothing and mails nobody.
func (cs *Cases) Discard(ctx context.Context, id string) error {
	return cs.db.Update(ctx, func(tx *store.Tx) error {
		held, err := tx.HeldAdvisory(id)
		if err != nil {
			return err
		}
		if err := tx.ReleaseHeld(id); err != nil {
			return err
		}
		return tx.Audit(cs.now(), "advisory.discard", id, fmt.Sprintf("revision %s from publisher %s (would have opened %d cases)",
			held.Revision, held.Publisher, held.WouldOpen))
	})
}
