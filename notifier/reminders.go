package notifier

import (
	"context"
	"fmt"
	"time"

	"github.com/heed-dev/heed/store"
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

// remindDue sends every reminder due now and plans the next one of each
// case. Reminders that came due more than once while Heed was down are
// collapsed into one. It returns how many cases were reminded.
func (rm *Reminders) remindDue(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := rm.remindBatch(ctx)
		if err == nil {
			rm.metrics.reminders.Add(float64(n))
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

// next returns when the next reminder is due, or the zero time.
func (rm *Reminders) next(ctx context.Context) (at time.Time, err error) {
	err = rm.db.View(ctx, func(tx *store.Tx) error { at, err = tx.NextReminderAt(); return err })
	return at, err
}

func (rm *Reminders) remindBatch(ctx context.Context) (int, error) {
	now := rm.now()
	n := 0
	err := rm.outbox.update(ctx, func(tx *writeTx) error {
		n = 0
		due, err := tx.DueCases(now, reminderBatch)
		if err != nil {
			return err
		}
		advs := map[string]*advisory.Advisory{}
		for i := range due {
			c := &due[i]
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
			n++
		}
		return nil
	})
	return n, err
}

// remind sends one reminder of a case and plans the next.
func (rm *Reminders) remind(tx *writeTx, adv *advisory.Advisory, c *store.Case, now time.Time) error {
	p := rm.policy(adv.Severity)
	if c.State == store.CaseScheduled {
		// The date the organization promised has come: ask again.
		c.State = store.CaseOpen
	}
	c.RemindersSent++
	escalate := c.RemindersSent > p.EscalateAfter || now.After(c.DueAt)
	c.Escalated = c.Escalated || escalate
	if err := rm.outbox.queueMail(tx, adv, c, templates.KindReminder, c.RemindersSent, escalate); err != nil {
		return err
	}
	step, next, ok := p.nextStep(c.OpenedAt, c.ReminderStep, now)
	if !ok {
		next = time.Time{}
	}
	c.ReminderStep, c.NextReminderAt, c.UpdatedAt = step, next, now
	return tx.UpdateCase(c)
}
