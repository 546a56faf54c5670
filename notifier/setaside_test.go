package notifier

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// logBuffer keeps what an engine logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// withPanickyRenderer makes e's rendering panic, on its worker, for the
// mails of the organizations named while the returned switch is on: the
// stand-in for a bug, which nothing real provides. It keeps e's log.
func withPanickyRenderer(t testing.TB, e *Engine, orgs ...string) (*atomic.Bool, *logBuffer) {
	t.Helper()
	on := &atomic.Bool{}
	e.Outbox.renderMail = func(s *templates.Shared, d templates.MailData, b *templates.Bodies) (string, error) {
		if on.Load() && slices.Contains(orgs, d.OrgName) {
			panic("renderer bug")
		}
		return templates.RenderMailTo(s, d, b)
	}
	logs := &logBuffer{}
	e.log = slog.New(slog.NewTextHandler(logs, nil))
	return on, logs
}

// TestPanicWhileApplyingIsSetAside: a document whose apply panics on a
// rendering worker does not crash Heed; it is retried, then set aside with
// the panic in its reason and logged with where it came from, and the next
// advisory is applied.
func TestPanicWhileApplyingIsSetAside(t *testing.T) {
	js := startJetStream(t)
	e, _ := newTestEngine(t)
	on, logs := withPanickyRenderer(t, e, "Alpha")
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := IntakeConfig{Stream: "ADVISORIES", Subjects: []string{"advisories.>"}, RetryDelay: 10 * time.Millisecond}
	if _, err := EnsureStream(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Intake.Run(ctx, js, cfg) }()

	doc := func(id string) []byte {
		return fmt.Appendf(nil, `{"heed_advisory":1,"id":%q,"revision":1,"title":"t","severity":"high",
			"affected":[{"vendor":"Pulse Secure","product":"Pulse Connect Secure","versions":["9.0R3.3"]}]}`, id)
	}
	on.Store(true)
	if _, err := js.Publish(ctx, "advisories.test", doc("POISON")); err != nil {
		t.Fatal(err)
	}
	var rej []store.Rejected
	eventually.Check(t, 20*time.Second, func() error {
		err := e.db.View(ctx, func(tx *store.Tx) (err error) { rej, err = tx.RejectedDocs(10); return err })
		if err != nil || len(rej) != 1 {
			return fmt.Errorf("rejected %+v, %v; want the document set aside", rej, err)
		}
		return nil
	})
	if !strings.Contains(rej[0].Reason, "panic: renderer bug") || !strings.Contains(rej[0].Reason, "apply advisory POISON") {
		t.Errorf("reason = %q; want the panic and the document", rej[0].Reason)
	}
	if log := logs.String(); !strings.Contains(log, "document set aside") || !strings.Contains(log, "stack=") {
		t.Errorf("the log does not say what was set aside, with the stack:\n%s", log)
	}

	on.Store(false)
	if _, err := js.Publish(ctx, "advisories.test", doc("SA2")); err != nil {
		t.Fatal(err)
	}
	eventually.Check(t, 20*time.Second, func() error {
		var cs []store.Case
		err := e.db.View(ctx, func(tx *store.Tx) (err error) {
			cs, err = tx.Cases(store.CaseFilter{OrgID: org, AdvisoryID: "SA2"})
			return err
		})
		if err != nil || len(cs) != 1 || len(mailsOf(t, e, cs[0].ID)) != 1 {
			return fmt.Errorf("cases of SA2: %+v, %v; want one, with its notice", cs, err)
		}
		return nil
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("intake: %v", err)
	}
}

// panickyRelay is the real relay client, except that sending to victim
// panics: a bug in the SMTP exchange, which nothing real provides.
type panickyRelay struct {
	Relay
	victim string
}

func (r panickyRelay) Send(ctx context.Context, from, to string, msg []byte) (string, error) {
	if to == r.victim {
		panic("relay client bug")
	}
	return r.Relay.Send(ctx, from, to, msg)
}

// TestPanicWhileSendingSetsTheMailAside: the mail whose exchange panics is
// failed with the panic as its reply, nobody is bounced, and the others go.
func TestPanicWhileSendingSetsTheMailAside(t *testing.T) {
	ctx := context.Background()
	e, _, mta := deliveringEngine(t, filepath.Join(t.TempDir(), "heed.db"), "Alpha", "Beta", "Gamma")
	e.Delivery.relay = panickyRelay{Relay: e.Delivery.relay, victim: "sec@beta.test"}
	if _, err := e.Delivery.deliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	for to, m := range allMails(t, e) {
		switch {
		case to == "sec@beta.test":
			if m.State != store.MailFailed || !strings.Contains(m.LastReply, "panic: relay client bug") {
				t.Errorf("the mail whose send panicked is %s, reply %q; want failed with the panic", m.State, m.LastReply)
			}
		case m.State != store.MailSent || mta.received(to) != 1:
			t.Errorf("mail to %s is %s, received %d; want sent", to, m.State, mta.received(to))
		}
	}
	if c := contactsOf(t, e, orgIDByName(t, e, "Beta"))["sec@beta.test"]; !c.Bounced.IsZero() {
		t.Error("a panic in Heed bounced the contact")
	}
}

// TestPanicWhileRemindingSetsTheCaseAside: a reminder whose rendering panics
// puts its case off by an hour instead of failing the scheduler every
// second, and the other due cases are reminded; once the fault is gone,
// the reminder goes out.
func TestPanicWhileRemindingSetsTheCaseAside(t *testing.T) {
	ctx := context.Background()
	e, clk := newTestEngine(t)
	on, logs := withPanickyRenderer(t, e, "Alpha")
	alpha, beta := addOrg(t, e, "Alpha", "9.0R3.3"), addOrg(t, e, "Beta", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	due := caseOf(t, e, alpha).NextReminderAt
	clk.Set(due)
	on.Store(true)
	if n, err := e.Reminders.remindDue(ctx); err != nil || n != 1 {
		t.Fatalf("remindDue with Alpha's rendering panicking = %d, %v; want Beta's reminder and no error", n, err)
	}
	c := caseOf(t, e, alpha)
	if !c.NextReminderAt.Equal(due.Add(setAsideFor)) || c.RemindersSent != 0 {
		t.Errorf("Alpha's case is due at %v after %d reminders; want put off to %v", c.NextReminderAt, c.RemindersSent, due.Add(setAsideFor))
	}
	if b := caseOf(t, e, beta); b.RemindersSent != 1 {
		t.Errorf("Beta's case has %d reminders; want 1", b.RemindersSent)
	}
	if log := logs.String(); !strings.Contains(log, "case set aside") || !strings.Contains(log, c.ID) || !strings.Contains(log, "stack=") {
		t.Errorf("the log does not name the case set aside, with the stack:\n%s", log)
	}
	on.Store(false)
	clk.Set(due.Add(setAsideFor))
	if n, err := e.Reminders.remindDue(ctx); err != nil || n != 1 {
		t.Fatalf("remindDue once the fault is gone = %d, %v; want Alpha's reminder", n, err)
	}
}
