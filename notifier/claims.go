package notifier

import (
	"context"
	"fmt"
	"time"

	"github.com/heed-dev/heed/store"
)

// step is what one sender asks to commit before its next SMTP exchange: the
// outcome of its previous one, and the claim of its next mail.
type step struct {
	record *delivery   // nil: nothing to record
	claim  *store.Mail // nil: nothing more to send
	done   chan stepResult
}

type stepResult struct {
	claimed   bool
	claimedAt time.Time
	err       error
}

// maxGroup bounds the steps committed in one transaction.
const maxGroup = 64

// commitLoop commits the senders' steps, those that arrive together in one
// small transaction: a commit per mail would cost more than the SMTP
// exchange it guards.
func (r *round) commitLoop(ctx context.Context) {
	for first := range r.steps {
		group := []step{first}
	gather:
		for len(group) < maxGroup {
			select {
			case s, ok := <-r.steps:
				if !ok {
					break gather
				}
				group = append(group, s)
			default:
				break gather
			}
		}
		r.dv.commitSteps(ctx, group)
	}
}

// commitSteps commits a group of steps in the delivery journal and tells
// each sender the result. If the group fails, each step is tried alone, so
// that one mail whose outcome cannot be written does not hold back the
// others.
//
// The journal is written by delivery alone, so a step never waits for the
// database's writers (an advisory's apply); the outcomes are folded into
// the outbox afterwards (fold.go). A mail is claimed only if the outbox, read
// inside the journal's write transaction, says it may be (still due, not
// cancelled, its attempts as delivery read them): a fold, which forgets
// what it folded from the journal only after its outbox commit, cannot
// slip between that read and the claim.
func (dv *Delivery) commitSteps(ctx context.Context, group []step) {
	now := dv.now().Truncate(time.Millisecond) // as the store keeps it
	results := make([]stepResult, len(group))
	var outcomes []string
	err := recovered("record deliveries", func() error {
		j, err := dv.db.Journal(ctx)
		if err != nil {
			return err
		}
		return j.Update(ctx, func(jtx *store.JournalTx) error {
			outcomes = outcomes[:0]
			var claims []int64
			for i, s := range group {
				results[i] = stepResult{}
				if s.record != nil {
					d := *s.record
					o, name := dv.outcome(d)
					c := store.Claim{MailID: d.mail.ID, ClaimedAt: d.mail.ClaimedAt, Attempts: d.mail.Attempts, Outcome: &o}
					if err := jtx.Record(c); err != nil {
						return err
					}
					outcomes = append(outcomes, name)
				}
				if s.claim != nil {
					claims = append(claims, s.claim.ID)
				}
			}
			if len(claims) == 0 {
				return nil
			}
			var claimable map[int64]int
			if err := dv.db.View(ctx, func(tx *store.Tx) (err error) {
				claimable, err = tx.Claimable(claims, now, now.Add(-dv.claimTimeout))
				return err
			}); err != nil {
				return err
			}
			for i, s := range group {
				if s.claim == nil {
					continue
				}
				if attempts, ok := claimable[s.claim.ID]; !ok || attempts != s.claim.Attempts {
					continue // answered, cancelled, or taken meanwhile
				}
				claimed, err := jtx.Claim(s.claim.ID, now, s.claim.Attempts)
				if err != nil {
					return err
				}
				results[i].claimed, results[i].claimedAt = claimed, now
			}
			return nil
		})
	})
	if err != nil && len(group) > 1 {
		for _, s := range group {
			dv.commitSteps(ctx, []step{s})
		}
		return
	}
	if err == nil {
		for _, outcome := range outcomes {
			dv.metrics.mails.WithLabelValues(outcome).Inc()
		}
		if len(outcomes) > 0 {
			dv.outcomesWaiting()
		}
	}
	for i, s := range group {
		results[i].err = err
		s.done <- results[i]
	}
}

// keepUnrecorded keeps an outcome whose commit failed.
func (dv *Delivery) keepUnrecorded(d delivery, err error) {
	dv.mu.Lock()
	dv.unrecorded = append(dv.unrecorded, d)
	dv.mu.Unlock()
	dv.log.Error("delivery: could not record what the relay answered; nothing more is sent until it is",
		"mail", d.mail.ID, "to", d.mail.Recipient, "err", err)
}

// recordLeftovers records the outcomes whose commit failed earlier. Until
// it succeeds, nothing else is sent: the store is failing, and a claim would
// fail too, or succeed and add to what a crash would send again.
func (dv *Delivery) recordLeftovers(ctx context.Context) error {
	dv.mu.Lock()
	defer dv.mu.Unlock()
	for len(dv.unrecorded) > 0 {
		done := make(chan stepResult, 1)
		dv.commitSteps(context.WithoutCancel(ctx), []step{{record: &dv.unrecorded[0], done: done}})
		if res := <-done; res.err != nil {
			if _, poison := asWorkError(res.err); !poison {
				return fmt.Errorf("record earlier deliveries: %w", res.err)
			}
			// Heed fails on this outcome itself: dropped, so that delivery
			// goes on; its mail stays claimed until the claim timeout.
			logSetAside(dv.log, "delivery: outcome set aside", res.err, "mail", dv.unrecorded[0].mail.ID)
		}
		dv.unrecorded = dv.unrecorded[1:]
	}
	return nil
}
