package notifier

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// Review keeps the near misses (subscribers.Prepared.NearMiss) for an
// operator: found when an advisory is applied and when an inventory
// changes, listed, then confirmed (the case opens and is mailed like any
// new case, and the alias is learnt so that the next advisory naming the
// product matches at once) or dismissed (remembered, so that a later
// revision does not bring the pair back). Both decisions are audited.
type Review struct {
	*deps
	cases  *Cases
	outbox *Outbox
}

// nearMisses are the near misses of a prepared advisory among items.
func nearMisses(prepared *subscribers.Prepared, advisoryID string, items []store.Item) []store.NearMiss {
	var out []store.NearMiss
	// Thousands of items carry a few names and versions: most names are
	// the product itself or another one, which the names alone tell, and
	// the rest is decided once per name and version.
	closeBy := map[[2]string]bool{}
	closeName := prepared.NameFilter()
	type seen struct {
		nm subscribers.NearMiss
		ok bool
	}
	type itemName struct{ vendor, product, version, cpe, purl string }
	decided := map[itemName]seen{}
	for _, it := range items {
		name := [2]string{it.Vendor, it.Product}
		maybe, known := closeBy[name]
		if !known {
			maybe = closeName(it.Vendor, it.Product)
			closeBy[name] = maybe
		}
		if !maybe {
			continue
		}
		key := itemName{it.Vendor, it.Product, it.Version, it.CPE, it.PURL}
		d, known := decided[key]
		if !known {
			d.nm, d.ok = prepared.NearMiss(it)
			decided[key] = d
		}
		nm, ok := d.nm, d.ok
		if !ok {
			continue
		}
		out = append(out, store.NearMiss{ID: newID("review_"), AdvisoryID: advisoryID, OrgID: it.OrgID, Pair: nm.Pair,
			Vendor: it.Vendor, Product: it.Product, Version: it.Version, Asset: it.Asset,
			AdvVendor: nm.Vendor, AdvProduct: nm.Product, Why: nm.Why, Words: nm.Words, Reason: nm.Reason})
	}
	return out
}

// scanNearMisses looks for the near misses of the applied advisory that
// has waited longest (store.Tx.MarkApplied sets the mark) and records them
// in the write that clears its mark: off the intake path, since the scan
// reads every item of the advisory's vendors and the next advisory would
// wait for it, yet nothing is lost when Heed stops (the mark is found at
// the next start). It scans one advisory a call, and returns how many it
// scanned (0: none waits), so that the loop calls it again at once.
func (cs *Cases) scanNearMisses(ctx context.Context) (int, error) {
	return cs.scanNearMissesUnless(ctx, nil)
}

// scanNearMissesUnless is scanNearMisses, except that when an advisory
// waits and wait (if not nil) says so, it leaves it waiting and returns 0.
func (cs *Cases) scanNearMissesUnless(ctx context.Context, wait func(context.Context) (bool, error)) (int, error) {
	var rec store.Advisory
	err := cs.db.View(ctx, func(tx *store.Tx) error {
		// A vendor's items are found by their keys: while they are
		// recomputed (RekeyItems), the scans wait, their marks kept.
		if _, rekeying, err := tx.KeysStaleAfter(); err != nil || rekeying {
			return cmp.Or(err, store.ErrNotFound)
		}
		id, _, err := tx.NextNearMissScan()
		if err != nil {
			return err
		}
		rec, err = tx.Advisory(id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("near misses: %w", err)
	}
	if wait != nil {
		if later, err := wait(ctx); err != nil || later {
			return 0, err
		}
	}
	adv, err := decodeAdvisory(rec)
	if err != nil {
		return 0, fmt.Errorf("near misses: %w", err)
	}
	adv.Withdrawn, adv.Informational = rec.Withdrawn, rec.Informational
	// An alias learnt since the advisory was applied makes a pair a
	// match, not a near miss.
	if err := cs.syncAliases(ctx); err != nil {
		return 0, fmt.Errorf("near misses of %s: %w", rec.ID, err)
	}
	found, err := cs.advisoryNearMisses(ctx, adv)
	if err != nil {
		return 0, fmt.Errorf("near misses of %s: %w", rec.ID, err)
	}
	// A newer revision applied meanwhile has a mark of its own: this
	// revision's findings are then dropped, not recorded.
	err = cs.db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.FinishNearMissScan(rec.ID, rec.Revision, found, cs.now())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("near misses of %s: %w", rec.ID, err)
	}
	return 1, nil
}

// nearMissYield bounds how long the near-miss scans give way to mails due:
// a fan-out's delivery takes minutes at national scale, and a review found
// a little later loses nothing, but a steady flow of mails must not hold
// the scans back for ever.
const nearMissYield = 2 * time.Minute

// nearMissTurns is the work of the engine's near-miss loop: scanNearMisses,
// except that a scan waits while mails are due (a fan-out delivering, or a
// single advisory's mail about to go): it reads every name of the
// advisory's vendors, and its CPU would be taken from the mails' on a small
// machine. Once the scans have given way for nearMissYield, they run
// whatever is due, until a moment with no mail due starts the count again.
// The delivery loop runs beside it and wakes nothing, so a scan that gave
// way runs at the loop's next poll or wake-up.
func (e *Engine) nearMissTurns() func(context.Context) (int, error) {
	var since time.Time // when the scans began to give way; zero: they do not
	mailsDue := func(ctx context.Context) (bool, error) {
		now := e.clock.Now()
		at, err := e.Delivery.next(ctx)
		if err != nil || at.IsZero() || at.After(now) {
			since = time.Time{}
			return false, err
		}
		if since.IsZero() {
			since = now
		}
		return now.Sub(since) < nearMissYield, nil
	}
	return func(ctx context.Context) (int, error) { return e.Cases.scanNearMissesUnless(ctx, mailsDue) }
}

// advisoryNearMisses are the near misses an advisory brings among the
// items of its vendors (none if it is withdrawn or informational). They
// are looked for in a read, outside the write lock: a vendor may have a
// tenth of a national inventory.
func (cs *Cases) advisoryNearMisses(ctx context.Context, adv *advisory.Advisory) ([]store.NearMiss, error) {
	if adv.Withdrawn || adv.Informational {
		return nil, nil
	}
	prepared := cs.matcher.Prepare(adv.Affected)
	var found []store.NearMiss
	err := cs.db.View(ctx, func(tx *store.Tx) error {
		items, err := tx.ItemsOfVendors(prepared.Vendors(), prepared.NameFilter())
		if err != nil {
			return err
		}
		// A deactivated organization gets no new case, nor a review.
		inactive, err := tx.DeactivatedOrgs()
		if err != nil {
			return err
		}
		items = slices.DeleteFunc(items, func(it store.Item) bool { return inactive[it.OrgID] })
		found = nearMisses(prepared, adv.ID, items)
		return nil
	})
	return found, err
}

// orgNearMisses are the near misses an organization's new inventory has
// with the known advisories of its vendors. They are looked for in a read
// before the inventory's write (each advisory is decoded, and a vendor may
// have hundreds), and recorded in it (Tx.RecordNearMisses).
func (cs *Cases) orgNearMisses(ctx context.Context, orgID string, items []store.Item) ([]store.NearMiss, error) {
	recs := slices.Clone(items)
	for i := range recs {
		recs[i].OrgID = orgID
	}
	var found []store.NearMiss
	err := cs.db.View(ctx, func(tx *store.Tx) error {
		ids, err := tx.AdvisoriesOfVendors(cs.matcher.ItemVendors(recs))
		if err != nil {
			return err
		}
		for _, id := range ids {
			adv, err := loadAdvisory(tx, id)
			if err != nil {
				return err
			}
			found = append(found, nearMisses(cs.matcher.Prepare(adv.Affected), id, recs)...)
		}
		return nil
	})
	return found, err
}

// NearMisses lists the near misses in a state (store.ReviewPending, …;
// "" for all), newest first.
func (rv *Review) NearMisses(ctx context.Context, state string, limit int) ([]store.NearMiss, error) {
	var out []store.NearMiss
	err := rv.db.View(ctx, func(tx *store.Tx) (err error) {
		out, err = tx.NearMisses(state, limit)
		return err
	})
	return out, err
}

// NearMiss returns one near miss.
func (rv *Review) NearMiss(ctx context.Context, id string) (store.NearMiss, error) {
	var n store.NearMiss
	err := rv.db.View(ctx, func(tx *store.Tx) (err error) { n, err = tx.NearMiss(id); return err })
	return n, err
}

// Confirmed says what confirming a near miss did.
type Confirmed struct {
	Case   string   `json:"case"`
	Opened bool     `json:"opened"` // a new case, mailed; false: the item joined an open case
	Alias  []string `json:"alias"`  // the product names now one
}

// Confirm opens the case of a pending near miss (mailed like any new case)
// and learns its two product names as one: the stored lookup keys naming
// either are recomputed in the same transaction, and the alias is kept
// (learnt_aliases) for every later start. A near miss decided already is
// a store.ErrConflict.
func (rv *Review) Confirm(ctx context.Context, id string) (Confirmed, error) {
	n, err := rv.NearMiss(ctx, id)
	if err != nil {
		return Confirmed{}, err
	}
	if n.State != store.ReviewPending {
		return Confirmed{}, fmt.Errorf("near miss %s: %s already: %w", id, n.State, store.ErrConflict)
	}
	names := []string{subscribers.BareProduct(n.AdvVendor, n.AdvProduct), subscribers.BareProduct(n.Vendor, n.Product)}
	res := Confirmed{Alias: names}
	undo := func() {}
	err = rv.outbox.update(ctx, func(tx *writeTx) error {
		if org, err := tx.Org(n.OrgID); err != nil {
			return err
		} else if !org.DeactivatedAt.IsZero() {
			return fmt.Errorf("near miss %s: %s is deactivated and gets no new case: %w", id, org.Name, store.ErrConflict)
		}
		if err := tx.DecideNearMiss(id, store.ReviewConfirmed, actorName(ctx), rv.now()); err != nil {
			return err
		}
		// Learnt while this transaction holds the write lock: an apply or
		// an inventory change computes its keys with the table either
		// before (and its keys are among the stale ones re-keyed here) or
		// after, never between.
		stale := append(rv.matcher.KeysNaming(n.AdvVendor, n.AdvProduct), rv.matcher.KeysNaming(n.Vendor, n.Product)...)
		before := rv.matcher.KeysFingerprint()
		learnt, err := rv.matcher.Learn(subscribers.AliasProduct, names...)
		if err != nil {
			return &InputError{Msg: err.Error()}
		}
		undo = learnt
		if err := tx.AddLearntAlias(subscribers.AliasProduct, names, id, rv.now()); err != nil {
			return err
		}
		if err := rv.rekeyNames(tx.Tx, stale, before); err != nil {
			return err
		}
		adv, err := loadAdvisory(tx.Tx, n.AdvisoryID)
		if err != nil {
			return err
		}
		items, err := tx.Inventory(n.OrgID)
		if err != nil {
			return err
		}
		hits := orgHits(rv.matcher.Prepare(adv.Affected), items)
		if len(hits) == 0 {
			return fmt.Errorf("near miss %s: with the alias, %s still matches nothing of %s (its inventory changed?): %w",
				id, adv.ID, n.OrgName, store.ErrConflict)
		}
		if res.Case, res.Opened, _, err = rv.cases.expose(tx, adv, n.OrgID, hits); err != nil {
			return err
		}
		return tx.Audit(rv.now(), "review.confirm", id, fmt.Sprintf("%s at %s: %q is %q; alias learnt; case %s (opened: %v)",
			adv.ID, n.OrgName, n.Product, n.AdvProduct, res.Case, res.Opened))
	})
	if err != nil {
		undo()
		return Confirmed{}, fmt.Errorf("confirm near miss %s: %w", id, err)
	}
	rv.wake()
	return res, nil
}

// Dismiss records that a pending near miss is not the product: the pair is
// not brought back by a later revision of the advisory.
func (rv *Review) Dismiss(ctx context.Context, id string) error {
	return rv.db.Update(ctx, func(tx *store.Tx) error {
		n, err := tx.NearMiss(id)
		if err != nil {
			return err
		}
		if err := tx.DecideNearMiss(id, store.ReviewDismissed, actorName(ctx), rv.now()); err != nil {
			return err
		}
		return tx.Audit(rv.now(), "review.dismiss", id, fmt.Sprintf("%s at %s: %q is not %q", n.AdvisoryID, n.OrgName, n.Product, n.AdvProduct))
	})
}

// rekeyNames recomputes the keys of the items and advisories stored under
// stale keys, after an alias changed their product's canonical name; the
// stored fingerprint follows when it was the matcher's before.
func (rv *Review) rekeyNames(tx *store.Tx, stale []string, before string) error {
	items, err := tx.ItemsByKeys(stale, false)
	if err != nil {
		return err
	}
	// While the items' keys are recomputed, ItemsByKeys also lists every
	// item not yet reached: RekeyItems computes theirs with the alias.
	if after, rekeying, err := tx.KeysStaleAfter(); err != nil {
		return err
	} else if rekeying {
		items = slices.DeleteFunc(items, func(it store.Item) bool { return it.ID > after })
	}
	for _, it := range items {
		if err := tx.ReplaceItemKeys(it, rv.matcher.ItemKeys(it)); err != nil {
			return err
		}
	}
	ids, err := tx.AdvisoryIDs(stale)
	if err != nil {
		return err
	}
	if err := rv.cases.rekeyAdvisories(tx, ids); err != nil {
		return err
	}
	switch have, err := tx.Setting(keysSetting); {
	case err == nil && have == before:
		return tx.SetSetting(keysSetting, rv.matcher.KeysFingerprint())
	case err == nil || errors.Is(err, store.ErrNotFound):
		return nil // not re-keyed at start yet: Rekey will do all of it
	default:
		return err
	}
}

// expose opens a case for an organization's hits of an advisory, or adds
// them to its open case: what a new exposure found outside an advisory's
// apply does (an inventory change, a confirmed near miss). It returns the
// case, whether it was opened (and mailed), and how many items it added to
// an open case.
func (cs *Cases) expose(tx *writeTx, adv *advisory.Advisory, orgID string, hits []store.CaseItem) (caseID string, opened bool, added int, err error) {
	cases, err := tx.Cases(store.CaseFilter{AdvisoryID: adv.ID, OrgID: orgID})
	if err != nil {
		return "", false, 0, err
	}
	if len(cases) == 0 || cases[0].State == store.CaseClosed || cases[0].State == store.CaseWatching {
		var c *store.Case
		if len(cases) > 0 {
			c = &cases[0]
		}
		_, state, err := cs.applyHits(tx, nil, adv, c, orgID, hits)
		if err != nil {
			return "", false, 0, err
		}
		cases, err = tx.Cases(store.CaseFilter{AdvisoryID: adv.ID, OrgID: orgID})
		if err != nil || len(cases) == 0 {
			return "", false, 0, fmt.Errorf("expose %s at %s: the case is gone: %w", adv.ID, orgID, err)
		}
		return cases[0].ID, state == store.CaseOpen, 0, nil
	}
	added, err = tx.AddCaseItems(cases[0].ID, hits)
	return cases[0].ID, false, added, err
}

// syncAliases learns the aliases kept in the store that this process has
// not learnt yet (learnt by another process, or before this start), so
// that every process matches with the same table.
func (d *deps) syncAliases(ctx context.Context) error {
	var rows []store.LearntAlias
	err := d.db.View(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.LearntAliases(d.learnt.Load())
		return err
	})
	if err != nil {
		return fmt.Errorf("read learnt aliases: %w", err)
	}
	for _, a := range rows {
		if _, err := d.matcher.Learn(a.Kind, a.Names...); err != nil {
			d.log.Warn("a learnt alias is refused; skipped", "alias", strings.Join(a.Names, " = "), "err", err)
		}
		d.learnt.Store(a.ID)
	}
	return nil
}
