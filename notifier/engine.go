package notifier

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/publishers"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// Config wires an Engine.
type Config struct {
	DB       *store.DB
	Matcher  *subscribers.Matcher
	Clock    clock.Clock // default: the real clock
	Policies map[string]Policy
	// PublicURL is the base of the links in mails, without a trailing slash.
	PublicURL string
	// From is the sender of every mail, e.g. "Heed <heed@example.org>".
	From string
	// AckSecret signs the links in mails; at least 32 bytes.
	AckSecret []byte
	// Relay delivers mail. Without one, delivery does nothing; a CLI
	// process queues mail that the running server delivers.
	Relay Relay
	// Hold keeps new mail in the outbox as "held" (no relay is configured):
	// viewable in the web UI, never sent.
	Hold bool
	// Senders bounds concurrent deliveries (default 4).
	Senders int
	// RatePerSecond caps how many mails a second go to the relay, for relays
	// that throttle; 0 means no cap.
	RatePerSecond float64
	// ClaimTimeout is how long a mail claimed for an SMTP exchange whose
	// outcome was never recorded waits before it is tried again (default
	// 10 minutes); it must exceed the longest exchange.
	ClaimTimeout time.Duration
	// Publishers own the NATS subjects and say what each may publish;
	// default: one agency, "default", owning every subject.
	Publishers *publishers.Set
	// BusinessHours is the business_hours of a new organization that gives
	// none ("always" when empty).
	BusinessHours string
	// InboundDomain, when set, is the domain of the addresses Heed receives
	// mail at (inbound.domain): each mail's Reply-To names its case and
	// contact, its envelope sender names the mail, for bounce reports.
	InboundDomain string
	// DKIM, when set, signs every mail as it is written to the outbox.
	DKIM *DKIM
	// Events, when set, records every case change as an event and
	// publishes it (Events.Run); nil: no events.
	Events *EventsConfig
	Logger *slog.Logger
}

// Engine is Heed's notifier: the stages of the flow, wired to one set of
// dependencies. Each stage is a type of its own; the Engine only builds them
// and runs the loops. It is safe for concurrent use.
type Engine struct {
	*deps

	Intake    *Intake    // advisory documents from JetStream
	Cases     *Cases     // applying advisories: cases opened, updated, closed; bounces
	Orgs      *Orgs      // organizations and their inventories
	Reminders *Reminders // the reminder scheduler
	Answers   *Answers   // answers given through the links
	Links     *Links     // the signed links in mails
	Outbox    *Outbox    // mails composed, rendered, signed and stored
	Delivery  *Delivery  // mails handed to the relay, outcomes recorded
	Access    *Access    // named tokens with roles, and the pages' sessions
	Events    *Events    // case events published to JetStream
	Review    *Review    // near misses kept for an operator's decision
}

// deps are what every stage shares.
type deps struct {
	db       *store.DB
	matcher  *subscribers.Matcher
	clock    clock.Clock
	policies map[string]Policy
	// publishers say who sent a document, and what it may say.
	publishers *publishers.Set
	metrics    *metrics
	log        *slog.Logger
	// events: where case events go; nil: none recorded (recordEvent).
	events *EventsConfig
	// learnt is the id of the last learnt alias the matcher has
	// (syncAliases, review.go).
	learnt atomic.Int64

	wakeReminders chan struct{}
	wakeDelivery  chan struct{}
	wakeEvents    chan struct{}
	// wakeNearMisses: an advisory was applied (Cases.scanNearMisses).
	wakeNearMisses chan struct{}
}

// New checks cfg and returns an Engine.
func New(cfg Config) (*Engine, error) {
	if cfg.DB == nil || cfg.Matcher == nil {
		return nil, errors.New("notifier: DB and Matcher are required")
	}
	if len(cfg.AckSecret) < 32 {
		return nil, errors.New("notifier: the ack secret must be at least 32 bytes")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notifier: from address %q: %w", cfg.From, err)
	}
	d := &deps{
		db:             cfg.DB,
		matcher:        cfg.Matcher,
		clock:          cfg.Clock,
		policies:       DefaultPolicies(),
		publishers:     cfg.Publishers,
		log:            cfg.Logger,
		metrics:        newMetrics(),
		wakeReminders:  make(chan struct{}, 1),
		wakeDelivery:   make(chan struct{}, 1),
		wakeEvents:     make(chan struct{}, 1),
		wakeNearMisses: make(chan struct{}, 1),
	}
	if cfg.Events != nil {
		ev := *cfg.Events
		if ev.KeepPublished <= 0 {
			ev.KeepPublished = 7 * day
		}
		d.events = &ev
	}
	for sev, p := range cfg.Policies {
		d.policies[sev] = p
	}
	if d.publishers == nil {
		d.publishers = publishers.Default([]string{">"})
	}
	if d.clock == nil {
		d.clock = clock.Real{}
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	links := &Links{deps: d, secret: cfg.AckSecret}
	_, domain, _ := strings.Cut(from.Address, "@")
	outbox := &Outbox{deps: d, links: links, publicURL: strings.TrimRight(cfg.PublicURL, "/"),
		from: from, domain: domain, inbound: strings.ToLower(cfg.InboundDomain), hold: cfg.Hold, dkim: cfg.DKIM, renderMail: templates.RenderMailTo}
	cases := &Cases{deps: d, outbox: outbox}
	delivery := &Delivery{deps: d, outbox: outbox, refusals: cases, relay: cfg.Relay, folds: make(chan struct{}, 1),
		from: from.Address, senders: cfg.Senders, limiter: rate.NewLimiter(rate.Inf, 0), claimTimeout: cfg.ClaimTimeout}
	if delivery.senders <= 0 {
		delivery.senders = 4
	}
	if delivery.claimTimeout <= 0 {
		delivery.claimTimeout = defaultClaimTimeout
	}
	if cfg.RatePerSecond > 0 {
		delivery.limiter = rate.NewLimiter(rate.Limit(cfg.RatePerSecond), max(1, int(cfg.RatePerSecond)))
	}
	return &Engine{
		deps:      d,
		Intake:    &Intake{deps: d, cases: cases},
		Cases:     cases,
		Orgs:      &Orgs{deps: d, cases: cases, outbox: outbox, businessHours: cfg.BusinessHours},
		Reminders: &Reminders{deps: d, outbox: outbox},
		Answers:   &Answers{deps: d, links: links, outbox: outbox},
		Links:     links,
		Outbox:    outbox,
		Delivery:  delivery,
		Access:    &Access{deps: d},
		Events:    &Events{deps: d},
		Review:    &Review{deps: d, cases: cases, outbox: outbox},
	}, nil
}

// Now returns the engine's current time.
func (e *Engine) Now() time.Time { return e.now() }

func (d *deps) now() time.Time { return d.clock.Now().UTC() }

func (d *deps) policy(severity string) Policy {
	if p, ok := d.policies[severity]; ok {
		return p
	}
	return d.policies["high"]
}

// policyFor is the policy that schedules a case: the known-exploited one
// once its flaw is known to be exploited, else its advisory's severity's.
func (d *deps) policyFor(adv *advisory.Advisory, c *store.Case) Policy {
	if adv.KnownExploited || !c.ExploitedAt.IsZero() {
		return d.policies[KnownExploited]
	}
	return d.policy(adv.Severity)
}

// wake tells the loops that something changed, without blocking.
func (d *deps) wake() {
	for _, ch := range []chan struct{}{d.wakeReminders, d.wakeDelivery, d.wakeEvents, d.wakeNearMisses} {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// newID returns an identifier with a readable prefix: 16 characters of
// base32 for 24 bits of the time in seconds, then 56 random bits. Ids made
// in the same second share their start, so the rows an apply batch inserts
// (its cases, and every index keyed by a case id: case items, mails,
// events) sit together in each index instead of on a random page each:
// about 45 µs less CPU a case opened (BenchmarkApply10k). No route open to
// all takes an id: answer links and reply addresses are signed.
func newID(prefix string) string { return newIDAt(prefix, time.Now()) }

func newIDAt(prefix string, at time.Time) string {
	var b [10]byte
	// 3 bytes of seconds (they wrap every 194 days, which only moves
	// where the next ids sit) and 7 random.
	s := uint32(at.Unix())
	b[0], b[1], b[2] = byte(s>>16), byte(s>>8), byte(s)
	rand.Read(b[3:])
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// Run runs the reminder scheduler, the delivery loop and the near-miss
// scan of applied advisories (giving way to mails due: nearMissTurns)
// until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	errc := make(chan error, 3)
	go func() {
		errc <- e.loop(ctx, "reminders", e.wakeReminders, e.Reminders.remindDue, e.Reminders.next)
	}()
	go func() {
		folding := make(chan struct{})
		go func() {
			e.Delivery.foldLoop(ctx)
			close(folding)
		}()
		err := e.loop(ctx, "delivery", e.wakeDelivery, e.Delivery.deliver, e.Delivery.next)
		<-folding
		// A stop leaves the outbox saying what the relay took.
		errc <- errors.Join(err, e.Delivery.settle(context.WithoutCancel(ctx)))
	}()
	go func() {
		errc <- e.loop(ctx, "near misses", e.wakeNearMisses, e.nearMissTurns(), noneDue)
	}()
	err1, err2, err3 := <-errc, <-errc, <-errc
	return errors.Join(err1, err2, err3)
}

// noneDue is the next of a loop whose work is never scheduled ahead: it
// runs when woken, and at every poll.
func noneDue(context.Context) (time.Time, error) { return time.Time{}, nil }

// poll bounds how long a loop sleeps, so that work written by another process
// (the CLI importing an inventory) is seen within a second.
const poll = time.Second

// loop runs work whenever it is due: at the exact time next reports, when
// woken, and at least every poll.
func (e *Engine) loop(ctx context.Context, name string, wake <-chan struct{}, work func(context.Context) (int, error), next func(context.Context) (time.Time, error)) error {
	failures := 0
	for {
		// The stages set aside the work that fails; this is the last
		// net, so that a panic nobody foresaw costs a round, not the service.
		var n int
		err := recovered(name, func() (err error) { n, err = work(ctx); return err })
		if ctx.Err() != nil {
			return nil
		}
		wait := poll
		if err != nil {
			failures++
			logSetAside(e.log, name+" failed", err)
			wait = min(time.Duration(failures)*time.Second, 30*time.Second)
		} else {
			failures = 0
			if n > 0 {
				continue
			}
			at, err := next(ctx)
			if err != nil {
				e.log.Warn(name+": reading when work is next due", "err", err)
			} else if !at.IsZero() {
				if d := at.Sub(e.clock.Now()); d < wait {
					wait = max(d, 0)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-e.clock.After(wait):
		}
	}
}
