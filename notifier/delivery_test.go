package notifier

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/notifier/relay"
	"github.com/heed-dev/heed/store"
)

// deliverDue runs one delivery round and folds its outcomes into the
// outbox, as the engine's fold loop (foldLoop) does a moment after the
// round: what a test then reads of the outbox is what the relay took.
func (dv *Delivery) deliverDue(ctx context.Context) (int, error) {
	n, err := dv.deliver(ctx)
	if dv.relay == nil {
		return n, err
	}
	if _, ferr := dv.fold(context.WithoutCancel(ctx)); ferr != nil {
		err = errors.Join(err, ferr)
	}
	return n, err
}

// TestRateCap: with a cap of one mail a second, the second and third mails
// wait for the (fake) clock to move a second each.
func TestRateCap(t *testing.T) {
	t.Parallel()
	mta, r := startMTA(t)

	e, clk := newTestEngine(t)
	e.Delivery.relay, e.Outbox.hold, e.Delivery.senders = r, false, 1
	e.Delivery.limiter = rate.NewLimiter(1, 1)
	ctx := context.Background()
	for _, name := range []string{"Alpha", "Beta", "Gamma"} {
		addOrg(t, e, name, "9.0R3.3")
	}
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() { _, err := e.Delivery.deliverDue(ctx); done <- err }()
	for want := int64(1); want <= 3; want++ {
		// Wait (real time, bounded) until the sender is blocked on the fake
		// clock or finished, then count what the relay has.
		eventually.True(t, 10*time.Second, "sender waiting on the clock or done", func() bool {
			return clk.Waiters() > 0 || len(done) > 0
		})
		if got := int64(mta.total()); got != want {
			t.Fatalf("after %d s the relay has %d mails, want %d", want-1, got, want)
		}
		clk.Advance(time.Second)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestRelayDownDefersTheBatch: when the relay cannot be reached, one mail
// records the error and the rest of the batch waits for the next round
// without spending an attempt, instead of each waiting out a timeout.
func TestRelayDownDefersTheBatch(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A relay that hangs up before its greeting cannot be reached. (A port
	// listened on and closed again would do too, until another process
	// took it.)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	r, err := relay.New(relay.Config{Addr: addr, TLS: relay.TLSNone, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	e, _ := newTestEngine(t)
	e.Delivery.relay, e.Outbox.hold, e.Delivery.senders = r, false, 1
	ctx := context.Background()
	for _, name := range []string{"Alpha", "Beta", "Gamma"} {
		addOrg(t, e, name, "9.0R3.3")
	}
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	if n, err := e.Delivery.deliverDue(ctx); err != nil || n != 3 {
		t.Fatalf("deliverDue = %d, %v", n, err)
	}
	var ms []store.Mail
	e.db.View(ctx, func(tx *store.Tx) (err error) { ms, err = tx.Mails(store.MailFilter{}); return err })
	tried, deferred := 0, 0
	for _, m := range ms {
		switch {
		case m.State != store.MailPending:
			t.Errorf("mail to %s is %s, want pending", m.Recipient, m.State)
		case m.Attempts == 1 && strings.Contains(m.LastReply, "dial"):
			tried++
		case m.Attempts == 0 && strings.Contains(m.LastReply, "not attempted"):
			deferred++
		default:
			t.Errorf("mail to %s: attempts %d, reply %q", m.Recipient, m.Attempts, m.LastReply)
		}
		if !m.NextAttemptAt.After(t0) {
			t.Errorf("mail to %s is due again at once", m.Recipient)
		}
	}
	if tried != 1 || deferred != 2 {
		t.Errorf("tried %d, deferred %d; want 1 and 2", tried, deferred)
	}
}
