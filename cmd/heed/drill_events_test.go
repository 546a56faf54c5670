package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
)

// checkEvents holds a drill's case events to "never lost, never invented,
// none twice": after the drill, Heed is started once more until every
// event it recorded is published, then each recorded event must be in
// HEED_EVENTS exactly once, the stream must hold nothing else, and every
// case of the advisories must have exactly one opened event, whatever the
// kills and redeliveries did.
func (d *drill) checkEvents(advisories ...string) {
	d.t.Helper()
	ctx := context.Background()
	d.heed.start()
	var recorded map[string]store.Event
	var cases []store.Case
	eventually.Check(d.t, time.Minute, func() error {
		recorded, cases = d.recordedEvents(advisories)
		for _, e := range recorded {
			if e.PublishedAt.IsZero() {
				return fmt.Errorf("event %s (%s of %s) not yet published", e.ID, e.Kind, e.CaseID)
			}
		}
		return nil
	})
	d.heed.stop()

	opened := map[string]int{}
	for _, e := range recorded {
		if e.Kind == "opened" {
			opened[e.CaseID]++
		}
	}
	for _, c := range cases {
		if opened[c.ID] != 1 {
			d.t.Errorf("case %s has %d opened events, want 1", c.ID, opened[c.ID])
		}
	}

	s, err := eventsClient(d.t, d.nats.url).Stream(ctx, "HEED_EVENTS")
	must(d.t, err)
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	must(d.t, err)
	inStream := map[string]int{}
	for {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(time.Second))
		must(d.t, err)
		n := 0
		for msg := range batch.Messages() {
			n++
			var ev struct{ ID string }
			must(d.t, json.Unmarshal(msg.Data(), &ev))
			inStream[ev.ID]++
		}
		if n == 0 {
			break
		}
	}
	for id, n := range inStream {
		if _, ok := recorded[id]; !ok {
			d.t.Errorf("event %s is in the stream but was never recorded", id)
		} else if n != 1 {
			d.t.Errorf("event %s is in the stream %d times, want once", id, n)
		}
	}
	for id, e := range recorded {
		if inStream[id] == 0 {
			d.t.Errorf("event %s (%s of %s) was recorded but is not in the stream", id, e.Kind, e.CaseID)
		}
	}
	d.t.Logf("%s: %d cases, %d events recorded, %d in HEED_EVENTS", d.name, len(cases), len(recorded), len(inStream))
}

// recordedEvents reads every case of the advisories and every event of
// those cases from the drill's database.
func (d *drill) recordedEvents(advisories []string) (map[string]store.Event, []store.Case) {
	d.t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(d.dir, "heed.db"))
	must(d.t, err)
	defer db.Close()
	events := map[string]store.Event{}
	var cases []store.Case
	must(d.t, db.View(ctx, func(tx *store.Tx) error {
		for _, adv := range advisories {
			cs, err := tx.Cases(store.CaseFilter{AdvisoryID: adv})
			if err != nil {
				return err
			}
			cases = append(cases, cs...)
		}
		for _, c := range cases {
			evs, err := tx.Events(c.ID)
			if err != nil {
				return err
			}
			for _, e := range evs {
				events[e.ID] = e
			}
		}
		return nil
	}))
	return events, cases
}
