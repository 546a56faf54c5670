package notifier

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heed-dev/heed/notifier/relay"
	"github.com/heed-dev/heed/store"
)

const (
	deliveryBatch = 256
	// giveUpAfter is how long a message is retried after a temporary failure.
	giveUpAfter = 72 * time.Hour
	maxBackoff  = time.Hour
)

type delivery struct {
	mail     store.Mail
	reply    string
	err      error
	skipped  bool // not attempted: shutting down
	deferred bool // not attempted: the relay could not be reached for another mail of the batch
}

// DeliverDue sends the pending messages that are due, through the relay, and
// records each outcome. A message is marked sent only after the relay's 250 to
// DATA; a crash in between can cause a duplicate, never a loss.
func (e *Engine) DeliverDue(ctx context.Context) (int, error) {
	if e.relay == nil {
		return 0, nil
	}
	now := e.Now()
	var due []store.Mail
	err := e.db.View(ctx, func(tx *store.Tx) (err error) {
		due, err = tx.DueMails(now, deliveryBatch)
		return err
	})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	results := make([]delivery, len(due))
	// Once the relay cannot be reached, the rest of the batch waits for the
	// next round instead of each mail waiting out its own timeout.
	var unreachable atomic.Bool
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(e.senders, len(due)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				m := due[i]
				if ctx.Err() != nil || e.waitTurn(ctx) != nil {
					results[i] = delivery{mail: m, skipped: true}
					continue
				}
				if unreachable.Load() {
					results[i] = delivery{mail: m, deferred: true}
					continue
				}
				// A message already handed to the relay is finished even
				// when shutting down: cut off before the relay's 250, it
				// would be sent again after the restart.
				start := time.Now()
				reply, err := e.relay.Send(context.WithoutCancel(ctx), e.from.Address, m.Recipient, m.Message)
				e.metrics.sendTime.Observe(time.Since(start).Seconds())
				results[i] = delivery{mail: m, reply: reply, err: err}
				var re *relay.Error
				if errors.As(err, &re) && (re.Stage == relay.StageDial || re.Stage == relay.StageTLS || re.Stage == relay.StageAuth) {
					unreachable.Store(true)
				}
			}
		}()
	}
	for i := range due {
		work <- i
	}
	close(work)
	wg.Wait()
	// Record what the relay answered even when shutting down: a mail it
	// accepted and we forgot would be sent twice.
	var outcomes map[string]int
	if err := e.update(context.WithoutCancel(ctx), func(tx *writeTx) error {
		outcomes = map[string]int{}
		for _, d := range results {
			if d.skipped {
				continue
			}
			outcome, err := e.recordDelivery(tx, d)
			if err != nil {
				return err
			}
			outcomes[outcome]++
		}
		return nil
	}); err != nil {
		return 0, err
	}
	for outcome, n := range outcomes {
		e.metrics.mails.WithLabelValues(outcome).Add(float64(n))
	}
	return len(due), nil
}

// waitTurn waits until the rate cap lets one more mail go, on the engine's
// clock so that tests can move it.
func (e *Engine) waitTurn(ctx context.Context) error {
	now := e.clock.Now()
	r := e.limiter.ReserveN(now, 1)
	if !r.OK() {
		return errors.New("rate cap admits no mail")
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		r.CancelAt(e.clock.Now())
		return ctx.Err()
	case <-e.clock.After(d):
		return nil
	}
}

// recordDelivery writes the outcome of one attempt and names it: sent,
// retry or failed.
func (e *Engine) recordDelivery(tx *writeTx, d delivery) (string, error) {
	now := e.Now()
	m := d.mail
	attempts := m.Attempts + 1
	if d.err == nil && !d.deferred {
		_, err := tx.MarkMail(m.ID, store.MailSent, attempts, now, d.reply, now)
		return "sent", err
	}
	if d.deferred {
		_, err := tx.MarkMail(m.ID, store.MailPending, m.Attempts, now.Add(backoff(1)), "not attempted: the relay could not be reached", time.Time{})
		return "retry", err
	}
	reply := d.err.Error()
	// A 5xx to MAIL FROM is about the sender, not the recipient; like a bad
	// password or a missing STARTTLS it is the operator's to fix, so the
	// message waits and the address is not marked bad.
	var re *relay.Error
	senderRefused := errors.As(d.err, &re) && re.Stage == relay.StageMail
	if relay.IsPermanent(d.err) && !senderRefused {
		e.log.Warn("relay refused address permanently", "to", m.Recipient, "case", m.CaseID, "err", d.err)
		if _, err := tx.MarkMail(m.ID, store.MailFailed, attempts, now, reply, time.Time{}); err != nil {
			return "", err
		}
		return "failed", e.bounce(tx, m, reply)
	}
	if now.Sub(m.CreatedAt) > giveUpAfter {
		e.log.Error("giving up on mail after retries", "to", m.Recipient, "case", m.CaseID, "attempts", attempts, "err", d.err)
		_, err := tx.MarkMail(m.ID, store.MailFailed, attempts, now, reply, time.Time{})
		return "failed", err
	}
	if relay.IsConfigError(d.err) || senderRefused {
		e.log.Error("relay refuses Heed itself; check the [smtp] settings", "attempt", attempts, "err", d.err)
	} else {
		e.log.Warn("delivery failed; will retry", "to", m.Recipient, "attempt", attempts, "err", d.err)
	}
	_, err := tx.MarkMail(m.ID, store.MailPending, attempts, now.Add(backoff(attempts)), reply, time.Time{})
	return "retry", err
}

// backoff is the wait before attempt n+1: doubling from 30s, capped, with
// jitter so that a relay coming back is not hit by every message at once.
func backoff(attempts int) time.Duration {
	d := 30 * time.Second << min(attempts-1, 10)
	if d > maxBackoff {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// bounce marks a contact's address as refused and, if that leaves the case
// with no primary contact to reach, sends the same mail to the escalation
// contacts instead.
func (e *Engine) bounce(tx *writeTx, m store.Mail, reply string) error {
	if m.ContactID == 0 {
		return nil
	}
	if err := tx.MarkBounced(m.ContactID, e.Now(), reply); err != nil {
		return err
	}
	if m.CaseID == "" {
		return nil
	}
	c, err := tx.Case(m.CaseID)
	if err != nil {
		return err
	}
	if c.State != store.CaseOpen {
		return nil
	}
	contacts, err := tx.Contacts(c.OrgID)
	if err != nil {
		return err
	}
	for _, ct := range contacts {
		if ct.Role == "primary" && ct.Bounced.IsZero() {
			return nil // someone primary is still reachable
		}
	}
	adv, err := loadAdvisory(tx.Tx, c.AdvisoryID)
	if err != nil {
		return err
	}
	org, err := tx.Org(c.OrgID)
	if err != nil {
		return err
	}
	items, err := tx.CaseItems(c.ID)
	if err != nil {
		return err
	}
	sent, err := tx.Mails(store.MailFilter{CaseID: c.ID, Limit: 1000})
	if err != nil {
		return err
	}
	for _, ct := range contacts {
		if ct.Role != "escalation" || !ct.Bounced.IsZero() || hasMail(sent, ct.ID, m.Kind, m.Seq) {
			continue
		}
		if err := e.queueOne(tx, adv, &c, org, items, ct, m.Kind, m.Seq, true); err != nil {
			return err
		}
	}
	return nil
}

// hasMail reports whether a contact already has a case's mail of this kind and number.
func hasMail(mails []store.Mail, contactID int64, kind string, seq int) bool {
	for _, m := range mails {
		if m.ContactID == contactID && m.Kind == kind && m.Seq == seq {
			return true
		}
	}
	return false
}
