package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier/clock"
)

// TestStreamReadyBeforeActing: a heed serve that answers /healthz has the
// advisories stream ready, also while it is not (yet) the active one. A
// publisher's key may not create the stream, and its plain publish to a
// subject without one is lost without a word: it must not depend on when
// this process takes the lease (or how long it then spends on lookup keys).
func TestStreamReadyBeforeActing(t *testing.T) {
	ns := startNATS(t)
	nc, err := nats.Connect(ns.ClientURL())
	must(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	must(t, err)
	// Another heed serve, elsewhere, holds the lease of the stream.
	kv, err := js.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: leaseBucket, TTL: time.Minute, History: 1})
	must(t, err)
	_, err = kv.Create(t.Context(), "ADVISORIES", []byte(`{"host":"elsewhere.test","pid":1,"store":"/elsewhere/heed.db"}`))
	must(t, err)

	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), ""), clock.NewFake(time.Now()))
	resp, err := http.Get(h.base + "/healthz")
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"standby"`) {
		t.Fatalf("/healthz: %s; want this heed serve waiting as a standby", body)
	}
	if _, err := js.Stream(t.Context(), "ADVISORIES"); err != nil {
		t.Errorf("the stream ADVISORIES while heed serve answers as a standby: %v; want it created at start", err)
	}
}
