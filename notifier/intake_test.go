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

// TestIntakeSetsAsideADocumentThatNeverApplies: a document that parses but
// fails to apply every time is retried, then recorded as rejected, and the
// advisories behind it in the stream are still taken in.
func TestIntakeSetsAsideADocumentThatNeverApplies(t *testing.T) {
	opts := natstest.DefaultTestOptions
	opts.Port, opts.JetStream, opts.StoreDir = -1, true, t.TempDir()
	ns := natstest.RunServer(&opts)
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}

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
