package notifier

import (
	"context"
	"errors"
	"fmt"
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
	// good (RFC 3463 5.1.x, 5.2.1): the contact is bounced.
	MailboxFault() bool
	// RelayRefusal reports a refusal that is not the recipient's fault and
	// that retrying soon will not end (relay access or policy, content, a
	// bad password, no STARTTLS, the sender refused): the mail waits with a
	// backoff, the operator is alerted, and nobody is bounced.
	RelayRefusal() bool
	// Unreachable reports that the relay could not be reached or would not
	// let Heed in (connect, TLS, AUTH): the rest of the batch waits too.
	Unreachable() bool
}

// Delivery hands due mails to the relay and records each outcome. What a
// refused address means for its case is the cases stage's to decide.
//
// Each mail is claimed in a small commit of the delivery journal before the
// SMTP exchange, and its outcome is committed there right after it, with
// the sender's next claim (see claims.go); the outcomes are folded into the
// outbox in batches (fold.go). A claim whose outcome never got recorded
// (Heed was killed during the exchange) becomes the outbox's claim (state
// sending) at the next start, and is taken up again only once it is
// claimTimeout old. An outcome whose commit fails is kept and recorded
// before anything else is sent, and a fold that fails is tried again before
// anything else is claimed, so a failing store stops delivery instead of
// sending the same mails again.
type Delivery struct {
	*deps
	outbox       *Outbox
	refusals     refusals
	relay        Relay
	from         string // the envelope sender
	senders      int
	limiter      *rate.Limiter
	claimTimeout time.Duration

	mu         sync.Mutex
	unrecorded []delivery // outcomes whose commit failed
	alert      relayAlert

	folds   chan struct{} // the journal has outcomes to fold
	foldMu  sync.Mutex
	started bool  // the journal was folded once: its claims are this Delivery's
	foldErr error // the last fold's
	folded  int   // claims folded since fold last counted them
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
	// defaultClaimTimeout is how old a claim must be before its mail is
	// tried again: well beyond the longest SMTP exchange the relay client
	// allows (connection setup, each command and the body, 30 s each).
	defaultClaimTimeout = 10 * time.Minute
)

// delivery is the outcome of one SMTP exchange.
type delivery struct {
	mail  store.Mail // as claimed
	reply string
	err   error
}

// deliver sends the mails that are due, through the relay, and records
// each outcome in the delivery journal; the fold loop (foldLoop) moves them
// into the outbox. It returns how many mails it claimed or put off.
func (dv *Delivery) deliver(ctx context.Context) (int, error) {
	if dv.relay == nil {
		return 0, nil
	}
	if err := dv.recordLeftovers(ctx); err != nil {
		return 0, err
	}
	if err := dv.catchUp(ctx); err != nil {
		return 0, err
	}
	due, err := dv.dueMails(ctx, nil)
	if err != nil {
		return 0, err
	}
	if len(due) == 0 {
		return 0, nil
	}
	r := &round{dv: dv, steps: make(chan step)}
	committed := make(chan struct{})
	go func() {
		// The commits finish even when shutting down: a mail the relay
		// took and Heed forgot would be sent again.
		r.commitLoop(context.WithoutCancel(ctx))
		close(committed)
	}()
	work := make(chan store.Mail)
	var wg sync.WaitGroup
	for range min(dv.senders, len(due)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.sender(ctx, work)
		}()
	}
	r.feed(ctx, due, work)
	close(work)
	wg.Wait()
	close(r.steps)
	<-committed
	if len(r.deferred) > 0 {
		if err := dv.putOff(context.WithoutCancel(ctx), r.deferred); err != nil {
			r.errs = append(r.errs, err)
		}
	}
	return int(r.handled.Load()), errors.Join(r.errs...)
}

// dueMails reads the next mails due, leaving out those the journal holds
// and those of also (handed to the senders, perhaps not claimed yet).
func (dv *Delivery) dueMails(ctx context.Context, also []int64) ([]store.Mail, error) {
	skip, err := dv.journaled(ctx)
	if err != nil {
		return nil, err
	}
	skip = append(skip, also...)
	now := dv.now()
	var due []store.Mail
	err = dv.db.View(ctx, func(tx *store.Tx) (err error) {
		due, err = tx.DueMails(now, now.Add(-dv.claimTimeout), deliveryBatch, skip)
		return err
	})
	return due, err
}

// feed hands the senders due, and while they send it, reads the next
// batch, so that they do not stand idle between batches while it is read
// (about 18 µs a mail of a fan-out, a tenth of its time when read between
// batches). A mail read twice (handed out in an earlier batch and not yet
// in the journal when the next was read) is refused by its claim, which
// the journal takes once.
func (r *round) feed(ctx context.Context, due []store.Mail, work chan<- store.Mail) {
	for len(due) > 0 {
		var next []store.Mail
		read := make(chan error, 1)
		if len(due) < deliveryBatch {
			read <- nil // the last batch: nothing more was due
		} else {
			handed := make([]int64, len(due))
			for i, m := range due {
				handed[i] = m.ID
			}
			go func() {
				var err error
				next, err = r.dv.dueMails(ctx, handed)
				read <- err
			}()
		}
		for _, m := range due {
			work <- m
		}
		if err := <-read; err != nil {
			r.mu.Lock()
			r.errs = append(r.errs, err)
			r.mu.Unlock()
			return
		}
		if ctx.Err() != nil || r.failed.Load() || r.unreachable.Load() {
			return
		}
		due = next
	}
}

// round is one pass of deliver over the mails that were due.
type round struct {
	dv    *Delivery
	steps chan step
	// Once the relay cannot be reached, the rest of the batch waits for the
	// next round instead of each mail waiting out its own timeout.
	unreachable atomic.Bool
	// Once the store fails, nothing more is claimed this round.
	failed  atomic.Bool
	handled atomic.Int64

	mu       sync.Mutex
	deferred []store.Mail
	errs     []error
}

// sender delivers mails one after the other. Each step commits, together,
// the outcome of its previous exchange and the claim of its next mail, so
// that a sender never has more than the mail of its exchange unrecorded.
func (r *round) sender(ctx context.Context, work <-chan store.Mail) {
	var last *delivery
	for m := range work {
		if ctx.Err() != nil || r.failed.Load() || r.dv.waitTurn(ctx) != nil {
			continue // not claimed: the mail stays as it is
		}
		if r.unreachable.Load() {
			r.mu.Lock()
			r.deferred = append(r.deferred, m)
			r.mu.Unlock()
			r.handled.Add(1)
			continue
		}
		res := r.step(last, &m)
		last = nil
		if res.err != nil || !res.claimed { // not claimed: answered, cancelled or taken meanwhile
			continue
		}
		r.handled.Add(1)
		m.State, m.ClaimedAt = store.MailSending, res.claimedAt
		last = r.send(ctx, m)
	}
	if last != nil {
		r.step(last, nil)
	}
}

// send hands one claimed mail to the relay. A mail handed to the relay is
// finished even when shutting down: cut off before the relay's 250, it would
// be sent again after the restart.
func (r *round) send(ctx context.Context, m store.Mail) *delivery {
	start := time.Now()
	var reply string
	err := recovered("", func() (err error) {
		reply, err = r.dv.relay.Send(context.WithoutCancel(ctx), r.dv.envelopeFrom(m), m.Recipient, m.Message)
		return err
	})
	// Named only when it panicked: a fan-out sends tens of thousands of
	// mails that do not (as renderAll does).
	if we, ok := asWorkError(err); ok && we.what == "" {
		we.what = fmt.Sprintf("send mail %d to %s", m.ID, m.Recipient)
	}
	r.dv.metrics.sendTime.Observe(time.Since(start).Seconds())
	if se, ok := asSendError(err); ok && se.Unreachable() {
		r.unreachable.Store(true)
	}
	return &delivery{mail: m, reply: reply, err: err}
}

// step commits an outcome and a claim (either may be nil) and waits for the
// commit. An outcome that could not be committed is kept, to be recorded
// before anything else is sent.
func (r *round) step(record *delivery, claim *store.Mail) stepResult {
	s := step{record: record, claim: claim, done: make(chan stepResult, 1)}
	r.steps <- s
	res := <-s.done
	if res.err == nil {
		return res
	}
	r.failed.Store(true)
	r.mu.Lock()
	r.errs = append(r.errs, res.err)
	r.mu.Unlock()
	if record != nil {
		r.dv.keepUnrecorded(*record, res.err)
	}
	return res
}

// putOff moves the mails not attempted because the relay could not be
// reached to the next round, without spending an attempt.
func (dv *Delivery) putOff(ctx context.Context, mails []store.Mail) error {
	next := dv.now().Add(backoff(1))
	err := dv.db.Update(ctx, func(tx *store.Tx) error {
		for _, m := range mails {
			if err := tx.DeferMail(m.ID, next, "not attempted: the relay could not be reached"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	dv.metrics.mails.WithLabelValues("retry").Add(float64(len(mails)))
	return nil
}

// envelopeFrom is a mail's envelope sender (its Return-Path): with an
// inbound domain, an address there naming the mail, so that a bounce
// report arriving later tells whose address failed.
func (dv *Delivery) envelopeFrom(m store.Mail) string {
	if dv.outbox.inbound == "" {
		return dv.from
	}
	return dv.outbox.links.bounceLocal(m.ID) + "@" + dv.outbox.inbound
}

func asSendError(err error) (SendError, bool) {
	var se SendError
	ok := errors.As(err, &se)
	return se, ok
}

// next returns when the next mail is due, or the zero time.
func (dv *Delivery) next(ctx context.Context) (at time.Time, err error) {
	if dv.relay == nil {
		return time.Time{}, nil
	}
	skip, err := dv.journaled(ctx)
	if err != nil {
		return time.Time{}, err
	}
	err = dv.db.View(ctx, func(tx *store.Tx) error { at, err = tx.NextMailAt(dv.claimTimeout, skip); return err })
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
