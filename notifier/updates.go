package notifier

import (
	"slices"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// tellUpdate compares a new revision (adv) with the one before (prev) for
// an open case, and if it changes the affected ranges, the fixed versions,
// the severity, the due date or the case's items (old before, now after),
// mails an "updated" notice in the case's thread at once, saying what
// changed. A due date the revision moves moves the case's.
func (cs *Cases) tellUpdate(tx *writeTx, prev, adv *advisory.Advisory, c *store.Case, old, now []store.CaseItem) error {
	var changes []templates.Change
	if from, to := fixedVersions(prev), fixedVersions(adv); from != to {
		changes = append(changes, templates.Change{Code: "fixed", From: from, To: to})
	}
	if from, to := affectedRanges(prev), affectedRanges(adv); from != to {
		changes = append(changes, templates.Change{Code: "ranges", From: from, To: to})
	}
	if !strings.EqualFold(prev.Severity, adv.Severity) {
		changes = append(changes, templates.Change{Code: "severity", From: prev.Severity, To: adv.Severity})
	}
	if !adv.Due.IsZero() && !adv.Due.Equal(c.DueAt) {
		changes = append(changes, templates.Change{Code: "due", FromAt: c.DueAt, ToAt: adv.Due})
		c.DueAt = adv.Due
		if c.DueAt.After(cs.now()) {
			c.OverdueAt = time.Time{} // no longer overdue: told again if the new date passes
		}
	}
	if added := itemsOnlyIn(now, old); added != "" {
		changes = append(changes, templates.Change{Code: "items_added", To: added})
	}
	if removed := itemsOnlyIn(old, now); removed != "" {
		changes = append(changes, templates.Change{Code: "items_removed", From: removed})
	}
	if len(changes) == 0 {
		return nil
	}
	c.ToldRevision, c.UpdatedAt = adv.Revision, cs.now()
	if err := tx.UpdateCase(c); err != nil {
		return err
	}
	codes := make([]string, len(changes))
	for i, ch := range changes {
		codes[i] = ch.Code
	}
	if err := cs.recordEvent(tx.Tx, EventUpdated, c, map[string]any{"revision": adv.Revision, "changes": codes}); err != nil {
		return err
	}
	return cs.outbox.queueMail(tx, adv, c, templates.KindUpdated, c.RemindersSent, cs.copiesEscalation(adv, c, cs.now()), changes...)
}

// fixedVersions lists, sorted and joined, the versions an advisory names as
// fixing it: its ranges' fixed ends and its entries listed as fixed.
func fixedVersions(adv *advisory.Advisory) string {
	var out []string
	for _, a := range adv.Affected {
		for _, r := range a.Ranges {
			if r.Fixed != "" {
				out = append(out, r.Fixed)
			}
		}
		if a.Status == advisory.StatusFixed {
			out = append(out, a.Versions...)
		}
	}
	return joinSorted(out)
}

// affectedRanges lists, sorted and joined, the versions an advisory says
// are affected: its ranges as [introduced, fixed) or [introduced,
// last_affected], and the versions it lists.
func affectedRanges(adv *advisory.Advisory) string {
	var out []string
	for _, a := range adv.Affected {
		if a.Status != advisory.StatusAffected {
			continue
		}
		for _, r := range a.Ranges {
			lo, open := r.Introduced, "["
			if lo == "" {
				lo = "0"
			}
			if r.IntroducedExclusive {
				open = "("
			}
			switch {
			case r.Fixed != "":
				out = append(out, open+lo+", "+r.Fixed+")")
			case r.LastAffected != "":
				out = append(out, open+lo+", "+r.LastAffected+"]")
			default:
				out = append(out, open+lo+", ∞)")
			}
		}
		out = append(out, a.Versions...)
	}
	return joinSorted(out)
}

func joinSorted(s []string) string {
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ", ")
}

// itemsOnlyIn names the items of a that b does not have.
func itemsOnlyIn(a, b []store.CaseItem) string {
	in := map[string]bool{}
	for _, it := range b {
		in[itemName(it)] = true
	}
	var out []string
	for _, it := range a {
		if n := itemName(it); !in[n] {
			out = append(out, n)
		}
	}
	return joinSorted(out)
}

// itemName is how a mail names an inventory item.
func itemName(it store.CaseItem) string {
	s := strings.TrimSpace(it.Vendor + " " + it.Product + " " + it.Version)
	if it.Asset != "" {
		s += " (" + it.Asset + ")"
	}
	return s
}
