package notifier

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier/formats"
	"github.com/heed-dev/heed/notifier/publishers"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// Intake takes advisory documents in from JetStream: each is parsed, applied
// by the cases stage, and acknowledged only after that is committed.
type Intake struct {
	*deps
	cases *Cases

	// failures counts the failed applies of each stream sequence: a
	// redelivery (JetStream's, or after a shutdown) is not a failure, and
	// neither is a store that cannot be written (a full disk).
	failures map[uint64]int
}

// rejectedError is a document intake will never accept; it was recorded with
// its reason.
type rejectedError struct{ Reason string }

func (e *rejectedError) Error() string { return "rejected: " + e.Reason }

// ingest takes one advisory document in: the subject it came on names its
// publisher, whose signature it must bear if it signs; it must parse; its
// publisher must be allowed to say it; then it is applied. A document that
// cannot be used is recorded in the rejected list (once per stream
// sequence) and reported as a *rejectedError.
func (in *Intake) ingest(ctx context.Context, subject string, seq uint64, data []byte, signature string) (Outcome, error) {
	reject := func(err error) (Outcome, error) {
		rej := &store.Rejected{Subject: subject, StreamSeq: seq, ReceivedAt: in.now(), Reason: err.Error(), Payload: data}
		if err := in.db.Update(ctx, func(tx *store.Tx) error { return tx.AddRejected(rej) }); err != nil {
			return Outcome{}, err
		}
		in.metrics.advisories.WithLabelValues("rejected").Inc()
		in.log.Warn("advisory rejected", "subject", subject, "seq", seq, "reason", rej.Reason)
		return Outcome{}, &rejectedError{Reason: rej.Reason}
	}
	pub, err := in.publishers.ForSubject(subject)
	if err != nil {
		return reject(err)
	}
	signer, err := pub.Verify(data, signature)
	if err != nil {
		return reject(err)
	}
	adv, err := parse(data)
	if err != nil {
		return reject(err)
	}
	if err := in.publishers.Check(pub, adv); err != nil {
		return reject(fmt.Errorf("advisory %s from publisher %s: %w", adv.ID, pub.Name, err))
	}
	out, err := in.cases.applyFrom(ctx, adv, Source{Publisher: pub, Signer: signer})
	var rej *rejectedError
	if errors.As(err, &rej) {
		return reject(errors.New(rej.Reason))
	}
	if err == nil {
		outcome := "applied"
		switch {
		case out.Held:
			outcome = "held"
		case out.Unchanged:
			outcome = "unchanged"
		case out.Informational:
			outcome = "information"
		}
		in.metrics.advisories.WithLabelValues(outcome).Inc()
		in.log.Info("advisory "+outcome, "id", out.AdvisoryID, "revision", out.Revision, "publisher", pub.Name,
			"opened", out.Opened, "updated", out.Updated, "closed", out.Closed, "would_open", out.WouldOpen)
	}
	return out, err
}

// IntakeConfig names the JetStream stream and consumer intake reads.
type IntakeConfig struct {
	Stream   string   // created if missing
	Subjects []string // subjects of a created stream
	// MaxAge and MaxBytes bound a created stream: older messages, or the
	// oldest past the size, are dropped. Zero: no bound.
	MaxAge   time.Duration
	MaxBytes int64
	Durable  string // durable consumer name; default "heed-intake"
	// RetryDelay is the wait before a document that failed to apply is
	// tried again; default 5s.
	RetryDelay time.Duration
	// AckWait is how long JetStream waits for an acknowledgement before it
	// redelivers; default 5 minutes. A long apply tells it, every third of
	// this, that it is still at work.
	AckWait time.Duration
}

// EnsureStream returns the stream, creating it with the given subjects if it
// does not exist, so that a publisher may use a plain "nats pub".
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg IntakeConfig) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, cfg.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name:     cfg.Stream,
			Subjects: cfg.Subjects,
			Storage:  jetstream.FileStorage,
			// Deduplicate republished documents by their Nats-Msg-Id.
			Duplicates: 24 * time.Hour,
			MaxAge:     cfg.MaxAge,
			MaxBytes:   cmp.Or(cfg.MaxBytes, -1),
		})
	}
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", cfg.Stream, err)
	}
	return s, nil
}

// Run consumes advisories from JetStream until ctx ends. A message is
// acknowledged only after its effects are committed; a document that cannot
// be used is terminated, so it is never redelivered; a failure to commit is
// retried after a delay.
func (in *Intake) Run(ctx context.Context, js jetstream.JetStream, cfg IntakeConfig) error {
	if cfg.Durable == "" {
		cfg.Durable = "heed-intake"
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 5 * time.Second
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = 5 * time.Minute
	}
	s, err := EnsureStream(ctx, js, cfg)
	if err != nil {
		return err
	}
	if info := s.CachedInfo(); info != nil && !slices.Equal(info.Config.Subjects, cfg.Subjects) {
		in.log.Warn("stream exists with other subjects; consuming it as it is",
			"stream", cfg.Stream, "stream_subjects", info.Config.Subjects, "configured", cfg.Subjects)
	}
	cons, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:   cfg.Durable,
		AckPolicy: jetstream.AckExplicitPolicy,
		// An advisory that hits 100,000 organizations is one long
		// transaction; it must not be redelivered while it commits.
		AckWait: cfg.AckWait,
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", cfg.Durable, err)
	}
	msgs, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("consume %s: %w", cfg.Stream, err)
	}
	go func() {
		<-ctx.Done()
		msgs.Stop()
	}()
	for {
		msg, err := msgs.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			in.log.Warn("intake: waiting for messages", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
			continue
		}
		in.handle(ctx, msg, cfg)
	}
}

// maxAttempts is how often intake tries a document that parses but cannot
// be applied before it sets it aside: the consumer reads in order, so one
// document failing forever would hold back every advisory behind it.
const maxAttempts = 5

func (in *Intake) handle(ctx context.Context, msg jetstream.Msg, cfg IntakeConfig) {
	var seq uint64
	if meta, err := msg.Metadata(); err == nil {
		seq = meta.Sequence.Stream
	}
	stop := in.keepAlive(msg, seq, cfg.AckWait/3)
	err := recovered(fmt.Sprintf("apply the document at stream sequence %d", seq), func() error {
		_, err := in.ingest(ctx, msg.Subject(), seq, msg.Data(), msg.Headers().Get(publishers.SignatureHeader))
		return err
	})
	stop()
	var rej *rejectedError
	if err != nil && !errors.As(err, &rej) && ctx.Err() == nil && !store.IsUnavailable(err) {
		if in.failures == nil {
			in.failures = map[uint64]int{}
		}
		in.failures[seq]++
	}
	attempts := in.failures[seq]
	switch {
	case errors.As(err, &rej):
		in.term(msg, seq, rej.Reason)
	case err != nil && attempts >= maxAttempts:
		reason := fmt.Sprintf("could not be applied after %d attempts (republish it once the cause is fixed): %v", attempts, err)
		rec := &store.Rejected{Subject: msg.Subject(), StreamSeq: seq, ReceivedAt: in.now(), Reason: reason, Payload: msg.Data()}
		if err := in.db.Update(ctx, func(tx *store.Tx) error { return tx.AddRejected(rec) }); err != nil {
			in.log.Error("intake: will retry", "seq", seq, "err", err)
			in.nak(msg, seq, cfg.RetryDelay)
			return
		}
		delete(in.failures, seq)
		in.metrics.advisories.WithLabelValues("rejected").Inc()
		logSetAside(in.log, "intake: document set aside", err, "seq", seq, "attempts", attempts)
		in.term(msg, seq, "could not be applied")
	case err != nil:
		logSetAside(in.log, "intake: will retry", err, "seq", seq, "attempt", attempts)
		in.nak(msg, seq, cfg.RetryDelay)
	default:
		delete(in.failures, seq)
		if err := msg.Ack(); err != nil {
			in.log.Warn("intake: ack", "seq", seq, "err", err)
		}
	}
}

// keepAlive tells JetStream, every interval until stop is called, that the
// message is still being applied, so that a large advisory is not
// redelivered (and its attempts spent) while it is being written.
func (in *Intake) keepAlive(msg jetstream.Msg, seq uint64, every time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every) // JetStream's ack wait runs on real time
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := msg.InProgress(); err != nil {
					in.log.Warn("intake: tell JetStream the apply goes on", "seq", seq, "err", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// term and nak tell JetStream what became of a message. When that fails
// (the connection dropped), the message comes back after the ack wait,
// which is harmless since applying is idempotent; the log says why.
func (in *Intake) term(msg jetstream.Msg, seq uint64, reason string) {
	if err := msg.TermWithReason(reason); err != nil {
		in.log.Warn("intake: terminate message", "seq", seq, "err", err)
	}
}

func (in *Intake) nak(msg jetstream.Msg, seq uint64, delay time.Duration) {
	if err := msg.NakWithDelay(delay); err != nil {
		in.log.Warn("intake: nak message", "seq", seq, "err", err)
	}
}

// parse is formats.Parse, with a panic turned into a rejection: one bad
// document must not stop intake.
func parse(data []byte) (adv *advisory.Advisory, err error) {
	defer func() {
		if r := recover(); r != nil {
			adv, err = nil, fmt.Errorf("parser failed on this document: %v", r)
		}
	}()
	return formats.Parse(data)
}
