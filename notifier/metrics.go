package notifier

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/heed-dev/heed/store"
)

// metrics are the engine's Prometheus counters. Gauges of what is in the
// database (cases and mails by state) are read at scrape time by stateCollector.
type metrics struct {
	advisories *prometheus.CounterVec // by outcome: applied, unchanged, held, rejected
	cases      *prometheus.CounterVec // by event: opened, closed
	reminders  prometheus.Counter
	mails      *prometheus.CounterVec // by result: sent, retry, refused, failed
	refusals   prometheus.Counter     // refusals by the relay that bounce nobody
	answers    *prometheus.CounterVec // by status
	sendTime   prometheus.Histogram
	events     prometheus.Counter // case events JetStream acknowledged
}

func newMetrics() *metrics {
	return &metrics{
		advisories: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "heed_advisories_total",
			Help: "Advisory documents taken in, by outcome (applied, unchanged, rejected)."}, []string{"outcome"}),
		cases: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "heed_cases_total",
			Help: "Cases opened and closed."}, []string{"event"}),
		reminders: prometheus.NewCounter(prometheus.CounterOpts{Name: "heed_reminders_total",
			Help: "Reminders queued (one per case and reminder, whatever the number of recipients)."}),
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "heed_mail_deliveries_total",
			Help: "Delivery attempts, by result (sent, retry, refused, failed)."}, []string{"result"}),
		refusals: prometheus.NewCounter(prometheus.CounterOpts{Name: "heed_relay_refusals_total",
			Help: "Mails the relay refused for a reason that is not the recipient's (relay access, policy, content): retried, nobody bounced. Alert when it grows."}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "heed_answers_total",
			Help: "Answers recorded through links, by status."}, []string{"status"}),
		sendTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "heed_mail_send_seconds",
			Help: "Time the relay took to accept one mail.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 8)}),
		events: prometheus.NewCounter(prometheus.CounterOpts{Name: "heed_events_published_total",
			Help: "Case events published to JetStream and acknowledged."}),
	}
}

// Register adds the engine's metrics, and gauges of the cases and the outbox
// by state, to reg.
func (e *Engine) Register(reg prometheus.Registerer) error {
	m := e.metrics
	for _, c := range []prometheus.Collector{m.advisories, m.cases, m.reminders, m.mails, m.refusals, m.answers, m.sendTime, m.events,
		&stateCollector{db: e.db}} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

var (
	casesDesc = prometheus.NewDesc("heed_cases", "Cases by state; open cases are the organizations still silent.", []string{"state"}, nil)
	mailsDesc = prometheus.NewDesc("heed_outbox_mails", "Mails in the outbox by state.", []string{"state"}, nil)
	// A backlog that grows says NATS is not taking Heed's case events.
	eventsDesc = prometheus.NewDesc("heed_events_unpublished", "Case events recorded and not yet acknowledged by JetStream.", nil, nil)
)

// stateCollector reads the counts from SQLite when scraped.
type stateCollector struct{ db *store.DB }

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- casesDesc
	ch <- mailsDesc
	ch <- eventsDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A failed read reaches the scraper as an error rather than as gauges
	// that silently stop moving.
	err := c.db.View(ctx, func(tx *store.Tx) error {
		cases, err := tx.CaseCounts()
		if err != nil {
			return err
		}
		for _, state := range []string{store.CaseOpen, store.CaseScheduled, store.CaseAnswered, store.CaseClosed, store.CaseWatching} {
			ch <- prometheus.MustNewConstMetric(casesDesc, prometheus.GaugeValue, float64(cases[state]), state)
		}
		mails, err := tx.MailCounts()
		if err != nil {
			return err
		}
		for _, state := range []string{store.MailPending, store.MailSending, store.MailSent, store.MailFailed, store.MailHeld, store.MailCancelled} {
			ch <- prometheus.MustNewConstMetric(mailsDesc, prometheus.GaugeValue, float64(mails[state]), state)
		}
		events, err := tx.UnpublishedEventCount()
		if err != nil {
			return err
		}
		ch <- prometheus.MustNewConstMetric(eventsDesc, prometheus.GaugeValue, float64(events))
		return nil
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(casesDesc, fmt.Errorf("read counts: %w", err))
	}
}
