package notifier

import (
	"context"
	"fmt"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// Reminders is the scheduler: it reminds the cases that are due, escalating
// by their severity's policy.
type Reminders struct {
	*deps
	outbox *Outbox
}

// reminderBatch bounds one transaction of the scheduler.
const reminderBatch = 200

// remindDue records the cases that have just become overdue, then sends
// every reminder due now and plans the next one of each case; a reminder
// outside its organization's business hours waits for them. Reminders that
// came due more than once while Heed was down are collapsed into one. It
// returns how many due cases it reminded or held (more cases overdue than
// one round marks are marked next round, which next says is due at once).
func (rm *Reminders) remindDue(ctx context.Context) (int, error) {
	if _, err := rm.markOverdue(ctx); err != nil {
		return 0, err
	}
	total := 0
	for {
		n, sent, err := rm.remindBatch(ctx)
		if err == nil {
			rm.metrics.reminders.Add(float64(sent))
		}
		total += n
		if err != nil || n < reminderBatch {
			if total > 0 {
				rm.wake()
			}
			return total, err
		}
	}
}

// next returns when the next reminder is due or the next case becomes
// overdue, whichever comes first, or the zero time.
func (rm *Reminders) next(ctx context.Context) (at time.Time, err error) {
	err = rm.db.View(ctx, func(tx *store.Tx) error {
		if at, err = tx.NextReminderAt(); err != nil {
			return err
		}
		due, err := tx.NextOverdueAt()
		if err != nil {
			return err
		}
		if due.IsZero() {
			return nil
		}
		// Overdue is strictly past the due date.
		if due = due.Add(time.Millisecond); at.IsZero() || due.Before(at) {
			at = due
		}
		return nil
	})
	return at, err
}

// setAsideFor is how long a case whose reminder cannot be made (a panic,
// a template that fails on its data) waits before it is tried again.
const setAsideFor = time.Hour

// remindBatch reminds the due cases in one transaction, returning how many
// it handled and how many of them it reminded (the others wait for business
// hours). If one case's work fails (not the store), they are reminded one
// by one instead, so that that case is set aside and no other waits for it.
func (rm *Reminders) remindBatch(ctx context.Context) (n, sent int, err error) {
	now := rm.now()
	err = recovered("remind the due cases", func() error {
		return rm.outbox.update(ctx, func(tx *writeTx) error {
			n, sent = 0, 0
			due, err := tx.DueCases(now, reminderBatch)
			if err != nil {
				return err
			}
			advs := map[string]*advisory.Advisory{}
			orgs := map[string]store.Org{}
			digested := map[string]bool{}
			for i := range due {
				c := &due[i]
				if digested[c.ID] {
					n++
					continue
				}
				org, ok := orgs[c.OrgID]
				if !ok {
					if org, err = tx.Org(c.OrgID); err != nil {
						return err
					}
					orgs[c.OrgID] = org
				}
				n++
				if held, err := rm.hold(tx, org, c, now); held || err != nil {
					if err != nil {
						return err
					}
					continue
				}
				if org.Digest == subscribers.DigestDaily {
					k, err := rm.digest(tx, org, now, digested)
					if err != nil {
						return fmt.Errorf("digest of %s: %w", org.ID, err)
					}
					sent += k
					continue
				}
				adv, ok := advs[c.AdvisoryID]
				if !ok {
					if adv, err = loadAdvisory(tx.Tx, c.AdvisoryID); err != nil {
						return err
					}
					advs[c.AdvisoryID] = adv
				}
				if err := rm.remind(tx, adv, c, now); err != nil {
					return fmt.Errorf("remind case %s: %w", c.ID, err)
				}
				sent++
			}
			return nil
		})
	})
	if _, poison := asWorkError(err); poison {
		n, err = rm.remindEach(ctx, now)
		return n, n, err
	}
	return n, sent, err
}

// remindEach reminds the due cases one per transaction; a case whose work
// fails is put off by setAsideFor and logged.
func (rm *Reminders) remindEach(ctx context.Context, now time.Time) (int, error) {
	var due []store.Case
	if err := rm.db.View(ctx, func(tx *store.Tx) (err error) { due, err = tx.DueCases(now, reminderBatch); return err }); err != nil {
		return 0, err
	}
	n := 0
	for _, c := range due {
		err := recovered("remind case "+c.ID, func() error {
			return rm.outbox.update(ctx, func(tx *writeTx) error {
				c, err := tx.Case(c.ID) // afresh: it may have been answered
				if err != nil || c.NextReminderAt.IsZero() || c.NextReminderAt.After(now) {
					return err
				}
				org, err := tx.Org(c.OrgID)
				if err != nil {
					return err
				}
				if held, err := rm.hold(tx, org, &c, now); held || err != nil {
					return err
				}
				if org.Digest == subscribers.DigestDaily {
					_, err := rm.digest(tx, org, now, map[string]bool{})
					return err
				}
				adv, err := loadAdvisory(tx.Tx, c.AdvisoryID)
				if err != nil {
					return err
				}
				return rm.remind(tx, adv, &c, now)
			})
		})
		if _, poison := asWorkError(err); poison {
			logSetAside(rm.log, "reminders: case set aside; tried again later", err,
				"case", c.ID, "advisory", c.AdvisoryID, "retry_at", now.Add(setAsideFor))
			err = rm.db.Update(ctx, func(tx *store.Tx) error {
				c, err := tx.Case(c.ID)
				if err != nil {
					return err
				}
				c.NextReminderAt = now.Add(setAsideFor)
				return tx.UpdateCase(&c)
			})
		} else if err == nil {
			n++
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// hold puts off a due reminder of c to the organization's next business
// hours, or for a daily digest to the first digest time at or after it
// fell due, and reports whether it did. A reminder (or an escalation) can
// wait until someone is at work to read it.
func (rm *Reminders) hold(tx *writeTx, org store.Org, c *store.Case, now time.Time) (bool, error) {
	at := mailWindow(org, now)
	if org.Digest == subscribers.DigestDaily {
		if m, err := subscribers.ParseDigestTime(org.DigestTime); err == nil {
			at = subscribers.NextDaily(c.NextReminderAt, m, location(org.Timezone))
		}
	}
	if !at.After(now) {
		return false, nil
	}
	c.NextReminderAt = at
	return true, tx.UpdateCase(c)
}

// mailWindow returns the first instant at or after t within the
// organization's business hours.
func mailWindow(org store.Org, t time.Time) time.Time {
	hours, err := subscribers.ParseHours(org.BusinessHours)
	if err != nil { // checked when stored; a bad value never holds mail back
		return t
	}
	return hours.Next(t, location(org.Timezone))
}

// remind sends one reminder of a case and plans the next.
func (rm *Reminders) remind(tx *writeTx, adv *advisory.Advisory, c *store.Case, now time.Time) error {
	escalate, err := rm.advance(tx.Tx, adv, c, now)
	if err != nil {
		return err
	}
	if err := rm.outbox.queueMail(tx, adv, c, templates.KindReminder, c.RemindersSent, escalate); err != nil {
		return err
	}
	return tx.UpdateCase(c)
}

// advance counts a reminder of c as sent now, plans the next and records
// its events (reminded; escalated, the first time); it reports whether this
// reminder escalates. The caller stores c.
func (rm *Reminders) advance(tx *store.Tx, adv *advisory.Advisory, c *store.Case, now time.Time) (escalate bool, err error) {
	p := rm.policyFor(adv, c)
	if c.State == store.CaseScheduled {
		// The date the organization promised has come: ask again.
		c.State = store.CaseOpen
	}
	c.RemindersSent++
	overdue := now.After(c.DueAt)
	escalate = escalates(p, c, now)
	first := escalate && !c.Escalated
	c.Escalated = c.Escalated || escalate
	step, next, ok := p.nextStep(c.OpenedAt, c.ReminderStep, now)
	if !ok {
		next = time.Time{}
	}
	c.ReminderStep, c.NextReminderAt, c.UpdatedAt = step, next, now
	c.ToldRevision = adv.Revision
	if err := rm.recordEvent(tx, EventReminded, c, map[string]any{"reminder": c.RemindersSent, "escalated": escalate}); err != nil {
		return false, err
	}
	if first {
		why := "reminders"
		if overdue {
			why = "overdue"
		}
		if err := rm.recordEvent(tx, EventEscalated, c, map[string]any{"reminder": c.RemindersSent, "reason": why}); err != nil {
			return false, err
		}
	}
	return escalate, nil
}

// escalates reports whether a case's schedule escalates it at now, with
// the reminders it has had: past its policy's escalate_after, or overdue.
func escalates(p Policy, c *store.Case, now time.Time) bool {
	return c.RemindersSent > p.EscalateAfter || now.After(c.DueAt)
}

// copiesEscalation reports whether a mail of a case other than a reminder
// (updated, exploited, closed, resolved, withdrawn) copies its escalation
// contacts: when they have been told of the case before (c.Escalated) and
// its schedule escalates it now, as its next reminder would. A bounce that
// escalated the case (addressRefused: the escalation contacts mailed in
// place of an unreachable primary) lasts while no primary contact can be
// reached (recipients falls back to the escalation contacts), not once the
// organization has a working primary address again.
func (d *deps) copiesEscalation(adv *advisory.Advisory, c *store.Case, now time.Time) bool {
	return c.Escalated && escalates(d.policyFor(adv, c), c, now)
}

// overdueBatch bounds one transaction of markOverdue.
const overdueBatch = 500

// markOverdue records, once per case, that an open case passed its due
// date without an answer (the board's "overdue"): the moment it does, not
// at its next reminder. It returns how many cases it marked.
func (rm *Reminders) markOverdue(ctx context.Context) (int, error) {
	now := rm.now()
	n := 0
	err := rm.db.Update(ctx, func(tx *store.Tx) error {
		due, err := tx.NewlyOverdue(now, overdueBatch)
		if err != nil {
			return err
		}
		for i := range due {
			c := &due[i]
			c.OverdueAt = now
			if err := tx.UpdateCase(c); err != nil {
				return err
			}
			if err := rm.recordEvent(tx, EventOverdue, c, nil); err != nil {
				return err
			}
		}
		n = len(due)
		return nil
	})
	if n > 0 && err == nil {
		rm.wake()
	}
	return n, err
}
