package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
)

// eventsClient connects to the NATS server at url as a consumer of events.
func eventsClient(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// streamedEvents waits until the events stream holds n messages, then
// reads them all through a consumer of its own.
func streamedEvents(t *testing.T, js jetstream.JetStream, n int) []map[string]any {
	t.Helper()
	ctx := context.Background()
	var s jetstream.Stream
	eventually.Check(t, 20*time.Second, func() error {
		var err error
		if s, err = js.Stream(ctx, "HEED_EVENTS"); err != nil {
			return err
		}
		info, err := s.Info(ctx)
		if err != nil {
			return err
		}
		if info.State.Msgs != uint64(n) {
			return fmt.Errorf("HEED_EVENTS holds %d events, want %d", info.State.Msgs, n)
		}
		return nil
	})
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	must(t, err)
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
	must(t, err)
	var out []map[string]any
	for msg := range batch.Messages() {
		var ev map[string]any
		must(t, json.Unmarshal(msg.Data(), &ev))
		if id := msg.Headers().Get(jetstream.MsgIDHeader); id != ev["id"] {
			t.Errorf("Nats-Msg-Id %q, event id %v: want the same", id, ev["id"])
		}
		out = append(out, ev)
	}
	return out
}

// metrics returns what /metrics shows the operator.
func (h *heed) metrics() string {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := h.http.Do(req)
	must(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(h.t, err)
	return string(b)
}

// caseEvents reads a case's events straight from the database file.
func caseEvents(t *testing.T, cfg Config, caseID string) []store.Event {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, cfg.Store.Path)
	must(t, err)
	defer db.Close()
	var evs []store.Event
	must(t, db.View(ctx, func(tx *store.Tx) (err error) { evs, err = tx.Events(caseID); return err }))
	return evs
}

// TestEventsAcrossARestart: a consumer of HEED_EVENTS gets each change of
// a case exactly once, across a NATS outage and a restart of Heed: the
// notice's event before; the first reminder's, recorded while NATS was
// down and not published when Heed stopped, after the restart; then the
// collapsed second reminder's.
func TestEventsAcrossARestart(t *testing.T) {
	n := startNATSServer(t, "", "")
	mails := startSink(t)
	clk := clock.NewFake(testStart)
	cfg := testConfig(t, t.TempDir(), n.url, mails.addr)
	h := startHeed(t, cfg, clk)
	org := h.addOrg("Acme", "sec@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,8.2R12,,,vpn\n")
	publish(t, n.url, "advisories.heed", sa44101NotExploited(t)) // the critical schedule
	mails.next(t)
	if evs := streamedEvents(t, eventsClient(t, n.url), 1); evs[0]["type"] != "heed.case.opened" {
		t.Fatalf("first event %v, want heed.case.opened", evs[0])
	}
	caseID := h.cases("org=" + org)[0].ID

	n.shutdown()
	clk.Set(testStart.Add(24 * time.Hour))
	mails.next(t) // Reminder 1: its event is recorded, and cannot be published
	eventually.Check(t, 10*time.Second, func() error {
		evs := caseEvents(t, cfg, caseID)
		if len(evs) != 2 || evs[1].Kind != "reminded" || !evs[1].PublishedAt.IsZero() {
			return fmt.Errorf("events of the case: %+v; want the reminder's, not published", evs)
		}
		return nil
	})
	if m := h.metrics(); !strings.Contains(m, "heed_events_unpublished 1\n") || !strings.Contains(m, "heed_events_published_total 1\n") {
		t.Errorf("metrics while NATS is down lack heed_events_unpublished 1 and heed_events_published_total 1")
	}
	h.stop()

	n.restart()
	clk.Set(testStart.Add(150 * time.Hour))
	startHeed(t, cfg, clk)
	mails.next(t) // the collapsed Reminder 2
	evs := streamedEvents(t, eventsClient(t, n.url), 3)
	var got []string
	for _, ev := range evs {
		data, _ := ev["data"].(map[string]any)
		if data["case"] != caseID || data["organization"] != org || data["advisory"] != "SA44101" {
			t.Errorf("event %v is not about case %s of %s", ev, caseID, org)
		}
		got = append(got, fmt.Sprint(ev["type"], data["reminder"]))
	}
	if want := "[heed.case.opened<nil> heed.case.reminded1 heed.case.reminded2]"; fmt.Sprint(got) != want {
		t.Errorf("events %v, want %s: each once, in order", got, want)
	}
}

// TestEventsOff: with [events] enabled = false, a case opens and is mailed
// as ever, no event is recorded and no stream is created.
func TestEventsOff(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	cfg := testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr)
	cfg.Events.Enabled = false
	h := startHeed(t, cfg, clock.NewFake(testStart))
	org := h.addOrg("Acme", "sec@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,8.2R12,,,vpn\n")
	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	mails.next(t)
	if evs := caseEvents(t, cfg, h.cases("org=" + org)[0].ID); len(evs) != 0 {
		t.Errorf("events recorded with events off: %+v", evs)
	}
	if _, err := eventsClient(t, ns.ClientURL()).Stream(context.Background(), "HEED_EVENTS"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("stream HEED_EVENTS with events off: %v, want none", err)
	}
}
