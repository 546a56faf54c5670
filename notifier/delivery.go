package notifier

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/heed-dev/heed/store"
)

// Relay delivers one message to one recipient and returns the relay's reply.
// A failed send that the relay client could classify returns an error that
// satisfies SendError (notifier/relay's errors do).
type Relay interface {
	Send(ctx context.Context, from, to string, msg []byte) (reply string, err error)
}

// SendError is what delivery asks of a failed send, so that the engine need
// not know the relay client. An error that does not satisfy it is taken as a
// temporary failure.
type SendError interface {
	error
	// MailboxFault reports that the relay refused the recipient's address for
	// good: the contact is bounced.
	MailboxFault() bool
	// RelayRefusal reports a lasting refusal that no other recipient would
	// escape and only the operator can end (a bad password, no STARTTLS, the
	// sender refused): the mail waits and nobody is bounced.
	RelayRefusal() bool
	// Unreachable reports that the relay could not be reached or would not
	// let Heed in (connect, TLS, AUTH): the rest of the batch waits too.
	Unreachable() bool
}

// Delivery hands due mails to the relay and records each outcome. What a
// refused address means for its case is the cases stage's to decide.
type Delivery struct {
	*deps
	outbox   *Outbox
	refusals refusals
	relay    Relay
	from     string // the envelope sender
	senders  int
	limiter  *rate.Limiter
}

// refusals is told, in the transaction that records the refusal, that a
// mail's address was refused for good.
type refusals interface {
	addressRefused(tx *writeTx, m store.Mail, reply string) error
}

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

// deliverDue sends the pending messages that are due, through the relay, and
// records each outcome. A message is marked sent only after the relay's 250 to
// DATA; a crash in between can cause a duplicate, never a loss.
func (dv *Delivery) deliverDue(ctx context.Context) (int, error) {
	if dv.relay == nil {
		return 0, nil
	}
	now := dv.now()
	var due []store.Mail
	err := dv.db.View(ctx, func(tx *store.Tx) (err error) {
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
	for range min(dv.senders, len(due)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				m := due[i]
				if ctx.Err() != nil || dv.waitTurn(ctx) != nil {
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
				reply, err := dv.relay.Send(context.WithoutCancel(ctx), dv.from, m.Recipient, m.Message)
				dv.metrics.sendTime.Observe(time.Since(start).Seconds())
				results[i] = delivery{mail: m, reply: reply, err: err}
				if se, ok := asSendError(err); ok && se.Unreachable() {
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
	if err := dv.outbox.update(context.WithoutCancel(ctx), func(tx *writeTx) error {
		outcomes = map[string]int{}
		for _, d := range results {
			if d.skipped {
				continue
			}
			outcome, err := dv.record(tx, d)
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
		dv.metrics.mails.WithLabelValues(outcome).Add(float64(n))
	}
	return len(due), nil
}

func asSendError(err error) (SendError, bool) {
	var se SendError
	ok := errors.As(err, &se)
	return se, ok
}

// next returns when the next pending mail is due, or the zero time.
func (dv *Delivery) next(ctx context.Context) (at time.Time, err error) {
	if dv.relay == nil {
		return time.Time{}, nil
	}
	err = dv.db.View(ctx, func(tx *store.Tx) error { at, err = tx.NextMailAt(); return err })
	return at, err
}

// waitTurn waits until the rate cap lets one more mail go, on the engine's
// clock so that tests can move it.
func (dv *Delivery) waitTurn(ctx context.Context) error {
	now := dv.clock.Now()
	r := dv.limiter.ReserveN(now, 1)
	if !r.OK() {
		return errors.New("rate cap admits no mail")
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		r.CancelAt(dv.clock.Now())
		return ctx.Err()
	case <-dv.clock.After(d):
		return nil
	}
}

// record writes the outcome of one attempt and names it: sent, retry or
// failed. An address refused for good is reported to the cases stage.
func (dv *Delivery) record(tx *writeTx, d delivery) (string, error) {
	now := dv.now()
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
	se, _ := asSendError(d.err)
	if se != nil && se.MailboxFault() {
		dv.log.Warn("relay refused address permanently", "to", m.Recipient, "case", m.CaseID, "err", d.err)
		if _, err := tx.MarkMail(m.ID, store.MailFailed, attempts, now, reply, time.Time{}); err != nil {
			return "", err
		}
		return "failed", dv.refusals.addressRefused(tx, m, reply)
	}
	if now.Sub(m.CreatedAt) > giveUpAfter {
		dv.log.Error("giving up on mail after retries", "to", m.Recipient, "case", m.CaseID, "attempts", attempts, "err", d.err)
		_, err := tx.MarkMail(m.ID, store.MailFailed, attempts, now, reply, time.Time{})
		return "failed", err
	}
	if se != nil && se.RelayRefusal() {
		dv.log.Error("relay refuses Heed itself; check the [smtp] settings", "attempt", attempts, "err", d.err)
	} else {
		dv.log.Warn("delivery failed; will retry", "to", m.Recipient, "attempt", attempts, "err", d.err)
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
