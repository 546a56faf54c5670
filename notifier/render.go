package notifier

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// writeTx is a store transaction that also collects the mails its work
// queues. Rendering a mail costs more than all the SQL of its case, so the
// mails are rendered in parallel once the work is done, then written to the
// outbox in the same transaction.
type writeTx struct {
	*store.Tx
	mails   []mailJob
	threads map[string]bool // thread Message-IDs used by mails queued here
	// prepared are mails composed and rendered before the transaction
	// (prepare.go) for the organization as it was then (preparedOrg),
	// taken instead of composing them again while it is the same.
	prepared    map[preparedKey]mailJob
	preparedOrg store.Org
	// exploits caches what the catalog of known exploited vulnerabilities
	// says of each advisory revision the transaction looks at.
	exploits map[string]exploit
}

// mailJob is one mail to render and store.
type mailJob struct {
	data templates.MailData
	env  envelope
	rec  store.Mail // everything but Subject and Message
	// cases a digest carries, recorded with it
	cases []store.MailCase
}

// update runs fn in a write transaction and writes the mails it queued
// before committing.
func (ob *Outbox) update(ctx context.Context, fn func(tx *writeTx) error) error {
	return ob.db.Update(ctx, func(stx *store.Tx) error {
		tx := &writeTx{Tx: stx}
		if err := fn(tx); err != nil {
			return err
		}
		return ob.writeMails(tx)
	})
}

// writeMails renders the queued mails not yet rendered, on every core, and
// adds them to the outbox.
func (ob *Outbox) writeMails(tx *writeTx) error {
	jobs := tx.mails
	tx.mails = nil
	for _, err := range ob.renderAll(jobs) {
		if err != nil {
			return err
		}
	}
	for i := range jobs {
		if err := tx.AddMail(&jobs[i].rec); err != nil {
			return err
		}
		if err := tx.AddMailCases(jobs[i].rec.ID, jobs[i].cases); err != nil {
			return err
		}
	}
	return nil
}

// renderAll renders, on every core, the jobs that have no message yet, and
// returns each one's failure (naming its mail), if any.
func (ob *Outbox) renderAll(jobs []mailJob) []error {
	var todo []int
	for i := range jobs {
		if jobs[i].rec.Message == nil {
			todo = append(todo, i)
		}
	}
	errs := make([]error, len(jobs))
	// The mails of a batch are mostly of one advisory: the parts they
	// share are rendered once.
	shared, wire := templates.NewShared(), &sharedWire{}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var bodies templates.Bodies // each mail rendered over the last one
			for i := range next {
				j := &jobs[i]
				// Named only when it fails: a fan-out renders tens of
				// thousands of mails that do not.
				if err := recovered("", func() error { return ob.render(shared, wire, j, &bodies) }); err != nil {
					what := fmt.Sprintf("render %s mail of case %s to %s", j.data.Kind, j.rec.CaseID, j.rec.Recipient)
					if we, ok := asWorkError(err); !ok {
						err = &workError{what: what, err: err}
					} else if we.what == "" { // a panic, recovered above
						we.what = what
					}
					errs[i] = err
				}
			}
		}()
	}
	for _, i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	if body := wire.body(); body != nil {
		for _, i := range todo {
			if jobs[i].rec.Splices != nil {
				jobs[i].rec.Shared = body
			}
		}
	}
	return errs
}

// render fills in a job's subject and message: the templates, the MIME
// message and, if configured, its DKIM signature; and the runs of the
// message that the other mails of its batch carry too (wire), which the
// outbox stores once (renderAll gives the job the batch's shared body).
// The bodies are rendered into the worker's buffers (bodies), which the
// message no longer needs once composed. The caller names the mail in the
// error.
func (ob *Outbox) render(shared *templates.Shared, wire *sharedWire, j *mailJob, bodies *templates.Bodies) error {
	subject, err := ob.renderMail(shared, j.data, bodies)
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	c := composeShared(j.env, subject, *bodies, wire)
	if ob.dkim != nil {
		signed, err := ob.dkim.sign(c.msg)
		if err != nil {
			return err
		}
		// The signature goes before the message, which moves the runs.
		shift := len(signed) - len(c.msg)
		if shift < 0 || !bytes.Equal(signed[shift:], c.msg) {
			c.splices = nil
		}
		for i := range c.splices {
			c.splices[i].At += shift
		}
		c.msg = signed
	}
	j.rec.Subject, j.rec.Message, j.rec.Splices = templates.OneLine(subject), c.msg, c.splices
	return nil
}
