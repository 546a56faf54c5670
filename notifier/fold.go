package notifier

import (
	"context"
	"fmt"
	"time"

	"github.com/heed-dev/heed/store"
)

// The senders commit their claims and outcomes in the delivery journal
// (store.Journal, claims.go); the fold moves the outcomes into the outbox,
// many in one write transaction of the database, then forgets them in the
// journal. A crash between the two folds the same outcomes again at the
// next start, which changes nothing (store.Tx.FoldOutcome changes a mail
// only under the attempts it was claimed with).

const (
	// foldEvery is the shortest time between two folds: the outbox page
	// and API show an outcome within about that (longer while an apply
	// holds the database's write lock), and each fold's transaction
	// carries the outcomes of that time.
	foldEvery = 100 * time.Millisecond
	// foldBatch bounds the outcomes folded in one transaction.
	foldBatch = 2000
)

// outcomesWaiting tells the fold that the journal has outcomes, without
// blocking.
func (dv *Delivery) outcomesWaiting() {
	select {
	case dv.folds <- struct{}{}:
	default:
	}
}

// fold moves the journal's outcomes into the outbox and returns how many.
// The first fold of this Delivery (at the start, or when taking over from
// a process that died) also turns the claims whose outcome never came into
// the outbox's claims (store.Tx.FoldInFlight), due again at the claim
// timeout; later folds leave the claims in flight to their senders.
func (dv *Delivery) fold(ctx context.Context) (int, error) {
	dv.foldMu.Lock()
	defer dv.foldMu.Unlock()
	err := dv.foldLocked(ctx)
	dv.foldErr = err
	if err != nil {
		return 0, fmt.Errorf("fold the delivery journal into the outbox: %w", err)
	}
	n := dv.folded
	dv.folded = 0
	return n, nil
}

func (dv *Delivery) foldLocked(ctx context.Context) error {
	j, err := dv.db.Journal(ctx)
	if err != nil {
		return err
	}
	claims, err := j.Claims(ctx)
	if err != nil {
		return err
	}
	var todo []store.Claim
	for _, c := range claims {
		if c.Outcome != nil || !dv.started {
			todo = append(todo, c)
		}
	}
	for len(todo) > 0 {
		batch := todo[:min(len(todo), foldBatch)]
		todo = todo[len(batch):]
		if err := dv.foldBatch(ctx, j, batch); err != nil {
			return err
		}
	}
	dv.started = true
	return nil
}

// foldBatch folds claims in one transaction of the database, then forgets
// them in the journal. If the batch fails, each claim is tried alone, and
// one that Heed itself fails on (a panic) is set aside: forgotten, its mail
// left as the outbox has it.
func (dv *Delivery) foldBatch(ctx context.Context, j *store.Journal, batch []store.Claim) error {
	refused := false
	err := recovered("fold delivery outcomes", func() error {
		return dv.outbox.update(ctx, func(tx *writeTx) error {
			refused = false
			for _, c := range batch {
				r, err := dv.foldClaim(tx, c)
				if err != nil {
					return err
				}
				refused = refused || r
			}
			return nil
		})
	})
	if err == nil && refused {
		// A refused address may have queued the mail for the next
		// contact, and recorded an escalated event.
		dv.wake()
	}
	if err != nil && len(batch) > 1 {
		for _, c := range batch {
			if err := dv.foldBatch(ctx, j, []store.Claim{c}); err != nil {
				return err
			}
		}
		return nil
	}
	if err != nil {
		if _, poison := asWorkError(err); !poison {
			return err
		}
		logSetAside(dv.log, "delivery: outcome set aside", err, "mail", batch[0].MailID)
	}
	if err := j.Forget(ctx, batch); err != nil {
		return err
	}
	dv.folded += len(batch)
	return nil
}

// foldClaim records one claim of the journal in the outbox. An address
// refused for good is reported to the cases stage in the same transaction,
// the first time the outcome is folded; it reports whether it was.
func (dv *Delivery) foldClaim(tx *writeTx, c store.Claim) (bool, error) {
	if c.Outcome == nil {
		return false, tx.FoldInFlight(c)
	}
	folded, err := tx.FoldOutcome(c)
	if err != nil || !folded || !c.Outcome.AddressRefused {
		return false, err
	}
	m, err := tx.Mail(c.MailID)
	if err != nil {
		return false, err
	}
	return true, dv.refusals.addressRefused(tx, m, c.Outcome.Reply)
}

// foldLoop folds the outcomes the senders commit, at most every foldEvery,
// until ctx ends. It runs beside the delivery loop, so that the senders
// never wait for a fold, which waits for the database's write lock: a
// round that emptied the queue goes on to the mails an apply commits next
// without waiting for its outcomes' fold.
func (dv *Delivery) foldLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-dv.folds:
		}
		start := time.Now()
		// A fold begun is finished: its outbox commit and the journal's
		// forgetting belong together.
		if _, err := dv.fold(context.WithoutCancel(ctx)); err != nil {
			dv.log.Warn("delivery: the outbox does not take the journal's outcomes yet; they are kept in the journal, and nothing more is claimed until it does", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(foldEvery - time.Since(start)):
		}
	}
}

// settle folds what the journal holds when delivery stops, so that the
// outbox says what the relay took.
func (dv *Delivery) settle(ctx context.Context) error {
	if dv.relay == nil {
		return nil
	}
	_, err := dv.fold(ctx)
	return err
}

// catchUp folds what the journal holds before anything is claimed: at the
// start, and after a fold failed. Until it succeeds, nothing is sent.
func (dv *Delivery) catchUp(ctx context.Context) error {
	dv.foldMu.Lock()
	due := !dv.started || dv.foldErr != nil
	dv.foldMu.Unlock()
	if !due {
		return nil
	}
	_, err := dv.fold(ctx)
	return err
}

// journaled returns the mails the journal has: claimed, or with an
// outcome not yet folded. The outbox still says pending of them, and
// they are not due.
func (dv *Delivery) journaled(ctx context.Context) ([]int64, error) {
	j, err := dv.db.Journal(ctx)
	if err != nil {
		return nil, err
	}
	claims, err := j.Claims(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(claims))
	for i, c := range claims {
		ids[i] = c.MailID
	}
	return ids, nil
}
