package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/store"
)

// pruneBatch is how many mail bodies one transaction removes, so that the
// pruning never holds the write lock for long.
const pruneBatch = 500

// pruneMailBodies removes, every hour, the bodies of mails in a final state
// older than retention (store.mail_body_retention), keeping the record of
// each mail. Zero retention keeps every body.
func pruneMailBodies(ctx context.Context, db *store.DB, clk clock.Clock, retention time.Duration, log *slog.Logger) {
	if retention <= 0 {
		return
	}
	for {
		// The next turn is set before this one reads the time: a test's
		// clock moved while this turn prunes still wakes the next.
		next := clk.After(time.Hour)
		total := 0
		for {
			var n int
			err := db.Update(ctx, func(tx *store.Tx) (err error) {
				n, err = tx.PruneMailBodies(clk.Now().Add(-retention), pruneBatch)
				return err
			})
			if err != nil {
				if ctx.Err() == nil {
					log.Error("prune mail bodies", "err", err)
				}
				break
			}
			total += n
			if n < pruneBatch {
				break
			}
		}
		if total > 0 {
			log.Info("mail bodies past their retention removed; their records are kept", "mails", total, "retention", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-next:
		}
	}
}
