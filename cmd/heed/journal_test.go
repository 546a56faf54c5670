package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/store"
)

// TestServeRefusesALostDeliveryJournal: a database whose delivery journal
// (heed.db.delivery) is missing, as when heed.db alone is copied to a new
// volume, may lack outcomes only the journal had; heed serve stops at start
// and its log names the file and what to do, instead of sending those mails
// again. With the journal put back it starts.
func TestServeRefusesALostDeliveryJournal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	relay, nats := startMTA(t, "", ""), startNATSServer(t, "", "")
	p := newHeedProc(t, dir, processConfig(t, dir, nats.url, relay.addr, nil), testToken)
	p.start()
	journal := store.JournalPath(filepath.Join(dir, "heed.db"))
	db, err := store.Open(context.Background(), filepath.Join(dir, "heed.db"))
	must(t, err)
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		// The database records its journal once the journal is made.
		var id string
		err := db.View(context.Background(), func(tx *store.Tx) (err error) { id, err = tx.Setting("delivery_journal"); return err })
		if err == nil && id != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("heed serve with a relay recorded no delivery journal: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	kept := filepath.Join(t.TempDir(), "kept")
	must(t, os.Rename(journal, kept))

	mark := p.log.len()
	if err := p.tryStart(); err == nil {
		deadline = time.Now().Add(60 * time.Second)
		for {
			if done, _ := p.exited(); done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("heed serve went on without its delivery journal")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	out := p.log.since(mark)
	if !strings.Contains(out, journal+" is missing") || !strings.Contains(out, "put it back beside the database") {
		t.Fatalf("heed serve without its journal said:\n%s\nwant the journal named as missing and what to do", out)
	}
	if _, err := os.Stat(journal); err == nil {
		t.Error("an empty journal was made in place of the missing one")
	}

	must(t, os.Rename(kept, journal))
	p.start()
	p.stop()
}

// TestForgetALostDeliveryJournal: heed delivery forget-journal refuses
// while the journal is there; once it is lost for good, it lets heed serve
// start again with a new one, and says what that costs.
func TestForgetALostDeliveryJournal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.Store.Path = filepath.Join(dir, "heed.db")
	conf := filepath.Join(dir, "heed.toml")
	must(t, os.WriteFile(conf, []byte("[store]\npath = \""+cfg.Store.Path+"\"\n"), 0o600))
	db, err := store.Open(ctx, cfg.Store.Path)
	must(t, err)
	_, err = db.Journal(ctx)
	must(t, err)
	db.Close()

	code, _, stderr := heedCLI(t, "delivery", "forget-journal", "-config", conf)
	if code != 1 || !strings.Contains(stderr, "the delivery journal is there") {
		t.Fatalf("forget-journal with the journal there: exit %d, %q; want a refusal", code, stderr)
	}
	journal := store.JournalPath(cfg.Store.Path)
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(journal + suffix)
	}
	db, err = store.Open(ctx, cfg.Store.Path)
	must(t, err)
	if _, err := db.Journal(ctx); err == nil || !strings.Contains(err.Error(), "heed delivery forget-journal") {
		t.Fatalf("the lost journal: %v; want the refusal to name the command", err)
	}
	db.Close()
	code, stdout, stderr := heedCLI(t, "delivery", "forget-journal", "-config", conf)
	if code != 0 || !strings.Contains(stdout, "sent again") {
		t.Fatalf("forget-journal with the journal lost: exit %d, %q %q; want it done, saying what it costs", code, stdout, stderr)
	}
	db, err = store.Open(ctx, cfg.Store.Path)
	must(t, err)
	defer db.Close()
	if _, err := db.Journal(ctx); err != nil {
		t.Fatalf("after forget-journal the database still refuses a new journal: %v", err)
	}
}
