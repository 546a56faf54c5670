package notifier

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natstest "github.com/nats-io/nats-server/v2/test"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
)

// startJetStream runs a NATS server with JetStream, for the test, and
// returns a client of it.
func startJetStream(t testing.TB) jetstream.JetStream {
	t.Helper()
	opts := natstest.DefaultTestOptions
	opts.Port, opts.JetStream, opts.StoreDir = -1, true, t.TempDir()
	ns := natstest.RunServer(&opts)
	t.Cleanup(ns.Shutdown)
	nc, err := nats.Connect(ns.ClientURL())
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

// TestIntakeSetsAsideADocumentThatNeverApplies: a document that parses but
// fails to apply every time is retried, then recorded as rejected, and the
// advisories behind it in the stream are still taken in.
func TestIntakeSetsAsideADocumentThatNeverApplies(t *testing.T) {
	t.Parallel()
	js := startJetStream(t)

	path := filepath.Join(t.TempDir(), "heed.db")
	e, _ := newTestEngineAt(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Something outside Heed's control (a full disk, a broken file) makes
	// every attempt to store this one advisory fail: here, a trigger put in
	// by hand.
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TRIGGER poison BEFORE INSERT ON advisories
		WHEN NEW.id = 'POISON' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	cfg := IntakeConfig{Stream: "ADVISORIES", Subjects: []string{"advisories.>"}, RetryDelay: 10 * time.Millisecond}
	if _, err := EnsureStream(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Intake.Run(ctx, js, cfg) }()

	poison := `{"heed_advisory":1,"id":"POISON","revision":1,"title":"t","affected":[{"vendor":"a","product":"b"}]}`
	good, err := os.ReadFile("../testdata/advisories/sa44101.heed.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range [][]byte{[]byte(poison), good} {
		if _, err := js.Publish(ctx, "advisories.test", doc); err != nil {
			t.Fatal(err)
		}
	}
	var rej []store.Rejected
	eventually.Check(t, 20*time.Second, func() error {
		var advErr error
		e.db.View(ctx, func(tx *store.Tx) error {
			rej, _ = tx.RejectedDocs(10)
			_, advErr = tx.Advisory("SA44101")
			return nil
		})
		if len(rej) != 1 || advErr != nil {
			return fmt.Errorf("rejected %+v, SA44101: %v; want POISON set aside and SA44101 applied", rej, advErr)
		}
		return nil
	})
	if !strings.Contains(rej[0].Reason, "after 5 attempts") || !strings.Contains(rej[0].Reason, "disk on fire") {
		t.Errorf("reason = %q", rej[0].Reason)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunIntake: %v", err)
	}
}

// TestLongApplyIsNotRedelivered: while an advisory takes longer to apply
// than JetStream's ack wait (here SQLite's write lock is held elsewhere for
// 7.5 s against an ack wait of 3 s), intake says it is still at work, so
// the message is not redelivered and no attempt is spent. (An ack wait of
// 3 s, not less: intake tells JetStream every third of it, and on a loaded
// machine a second can pass between two of its turns.)
func TestLongApplyIsNotRedelivered(t *testing.T) {
	t.Parallel()
	js := startJetStream(t)
	path := filepath.Join(t.TempDir(), "heed.db")
	e, _ := newTestEngineAt(t, path)
	addOrg(t, e, "Alpha", "9.0R3.3")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := IntakeConfig{Stream: "ADVISORIES", Subjects: []string{"advisories.>"}, RetryDelay: 10 * time.Millisecond, AckWait: 3 * time.Second}
	done := make(chan error, 1)
	go func() { done <- e.Intake.Run(ctx, js, cfg) }()
	var cons jetstream.Consumer
	eventually.Check(t, 10*time.Second, func() (err error) { cons, err = js.Consumer(ctx, "ADVISORIES", "heed-intake"); return err })

	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	lock, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile("../testdata/advisories/sa44101.heed.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "advisories.test", good); err != nil {
		t.Fatal(err)
	}
	// The 7.5 s count from the delivery: a loaded machine may take a while
	// to hand the message to intake, and until then nothing is pending.
	eventually.Check(t, 20*time.Second, func() error {
		info, err := cons.Info(ctx)
		if err == nil && info.Delivered.Stream != 1 {
			err = fmt.Errorf("the advisory is not delivered to intake yet (consumer %+v)", info.Delivered)
		}
		return err
	})
	time.Sleep(7500 * time.Millisecond)
	info, err := cons.Info(ctx)
	if err != nil || info.NumAckPending != 1 || info.NumRedelivered != 0 {
		t.Errorf("7.5 s into the apply, %d messages are pending and %d redelivered (%v); want the one, never redelivered",
			info.NumAckPending, info.NumRedelivered, err)
	}
	if _, err := lock.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	lock.Close()
	eventually.Check(t, 20*time.Second, func() error {
		info, err := cons.Info(ctx)
		if err != nil || info.NumAckPending != 0 || info.AckFloor.Stream != 1 {
			return fmt.Errorf("consumer %+v, %v; want the message acknowledged", info, err)
		}
		return nil
	})
	var rej []store.Rejected
	if err := e.db.View(ctx, func(tx *store.Tx) (err error) { rej, err = tx.RejectedDocs(10); return err }); err != nil || len(rej) != 0 {
		t.Errorf("rejected %+v, %v; want nothing", rej, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("intake: %v", err)
	}
}
