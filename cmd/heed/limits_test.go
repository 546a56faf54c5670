package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/eventually"
)

// TestStreamAndOutboxAreBounded: the stream Heed creates carries the
// configured bounds, its consumer the configured ack wait, and a sent mail's body goes after the retention while
// the record of its sending stays.
func TestStreamAndOutboxAreBounded(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	clk := clock.NewFake(testStart)
	cfg := testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr)
	cfg.NATS.MaxAge, cfg.NATS.MaxBytes, cfg.NATS.AckWait = "30d", 64<<20, "45s"
	cfg.Store.MailBodyRetention = "400d"
	h := startHeed(t, cfg, clk)

	nc, err := nats.Connect(ns.ClientURL())
	must(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	must(t, err)
	s, err := js.Stream(context.Background(), cfg.NATS.Stream)
	for deadline := time.Now().Add(10 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond) // intake creates it as it starts
		s, err = js.Stream(context.Background(), cfg.NATS.Stream)
	}
	must(t, err)
	if c := s.CachedInfo().Config; c.MaxAge != 30*day || c.MaxBytes != 64<<20 {
		t.Errorf("stream bounds: max_age %s, max_bytes %d; want 720h and 64 MiB", c.MaxAge, c.MaxBytes)
	}
	var cons jetstream.Consumer
	eventually.Check(t, 10*time.Second, func() (err error) { // created just after the stream
		cons, err = js.Consumer(context.Background(), cfg.NATS.Stream, "heed-intake")
		return err
	})
	if w := cons.CachedInfo().Config.AckWait; w != 45*time.Second {
		t.Errorf("intake's ack wait: %s; want nats.ack_wait's 45s", w)
	}

	org := h.addOrg("Kept Corp", "sec@kept.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn1\n")
	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	mails.next(t)
	page := func() string {
		req, _ := http.NewRequest("GET", h.base+"/outbox/1", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := h.http.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if p := page(); !strings.Contains(p, "Text part") {
		t.Fatalf("a fresh mail has its body:\n%s", p)
	}
	// The relay has the mail before the outbox records it sent: only a
	// mail in a final state loses its body.
	eventually.True(t, 20*time.Second, "record of the mail as sent", func() bool { return strings.Contains(page(), "<td>sent</td>") })
	clk.Advance(399 * day)
	time.Sleep(100 * time.Millisecond)
	if p := page(); !strings.Contains(p, "Text part") {
		t.Fatalf("the body went before its retention:\n%s", p)
	}
	clk.Advance(2 * day)
	deadline := time.Now().Add(10 * time.Second)
	for p := page(); ; p = page() {
		if strings.Contains(p, `id="body-removed"`) {
			if !strings.Contains(p, "sec@kept.test") || !strings.Contains(p, "<td>sent</td>") || !strings.Contains(p, ">Sent<") {
				t.Errorf("the record of the sending is gone with the body:\n%s", p)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the body was not removed 401 days on:\n%s", p)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
