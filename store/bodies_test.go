package store

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// sharedMail builds a message of a fan-out to recipient i: its own lines
// around two runs of a shared body that every recipient's message carries
// (the second half, then the first), and where they are.
func sharedMail(i int, shared []byte) (msg []byte, splices []Splice) {
	half := len(shared) / 2
	msg = fmt.Appendf(nil, "To: sec%05d@org.test\r\n\r\nDear organization %05d,\r\n", i, i)
	splices = append(splices, Splice{At: len(msg), From: half, Len: len(shared) - half})
	msg = append(msg, shared[half:]...)
	msg = fmt.Appendf(msg, "\r\nYour item: vpn-%05d\r\n", i)
	splices = append(splices, Splice{At: len(msg), From: 0, Len: half})
	msg = append(msg, shared[:half]...)
	return fmt.Appendf(msg, "\r\nhttps://heed.example/ack/%05d\r\n", i), splices
}

// TestSharedBodiesStoredOnce: the mails of a fan-out that name the pieces
// they share store them once, read back byte for byte (one mail, the due
// mails, after a restart of the store), and the shared row goes once the
// last body that uses it is pruned. The second batch's bodies are cut
// ahead of their transaction (Mail.CutShared), as a fan-out's are.
func TestSharedBodiesStoredOnce(t *testing.T) {
	t.Parallel()
	db, path := openTestDB(t)
	caseID, contact := seedCase(t, db)
	shared := NewSharedBody(append(bytes.Repeat([]byte("The advisory, the same in every mail =\r\n"), 60),
		bytes.Repeat([]byte("Upgrade.\r\n"), 30)...))
	const n = 50
	want := map[int64][]byte{}
	for batch := range 2 { // a shared body found again by a later transaction
		update(t, db, func(tx *Tx) error {
			for i := range n / 2 {
				msg, splices := sharedMail(batch*n/2+i, shared.body)
				m := &Mail{CaseID: caseID, ContactID: contact, Kind: "notice", Recipient: "sec@acme.example",
					MessageID: fmt.Sprintf("<%d.%d@heed>", batch, i), State: MailPending, NextAttemptAt: t0, CreatedAt: t0,
					Message: msg, Shared: shared, Splices: splices}
				if batch == 1 {
					if err := m.CutShared(); err != nil {
						return err
					}
				}
				if err := tx.AddMail(m); err != nil {
					return err
				}
				want[m.ID] = msg
			}
			return nil
		})
	}
	var rows, stored, whole int
	query(t, db, `SELECT count(*) FROM mail_shared`, &rows)
	query(t, db, `SELECT sum(length(message)) + (SELECT sum(length(body)) FROM mail_shared) FROM mail_bodies`, &stored)
	for _, msg := range want {
		whole += len(msg)
	}
	if rows != 1 || stored > whole/3 {
		t.Errorf("%d shared rows and %d bytes stored for %d bytes of mail; want one row and the shared pieces once", rows, stored, whole)
	}
	check := func(db *DB) {
		t.Helper()
		var due []Mail
		if err := db.View(context.Background(), func(tx *Tx) (err error) { due, err = tx.DueMails(t0, t0.Add(-time.Hour), 2*n, nil); return err }); err != nil {
			t.Fatal(err)
		}
		if len(due) != n {
			t.Fatalf("%d due mails, want %d", len(due), n)
		}
		for _, m := range due {
			if !bytes.Equal(m.Message, want[m.ID]) {
				t.Fatalf("due mail %d reads back as\n%q\nwant\n%q", m.ID, m.Message, want[m.ID])
			}
			if one := mailState(t, db, m.ID); !bytes.Equal(one.Message, want[m.ID]) {
				t.Fatalf("mail %d reads back as\n%q", m.ID, one.Message)
			}
		}
	}
	check(db)
	db.Close()
	reopened, err := Open(context.Background(), path) // nothing kept in memory
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	check(reopened)

	// Pruned mail by mail: the shared row stays while a body uses it.
	ids := make([]int64, 0, n)
	for id := range want {
		ids = append(ids, id)
	}
	for i, id := range ids {
		update(t, reopened, func(tx *Tx) error {
			if _, err := tx.exec(`UPDATE outbox SET state = 'sent' WHERE id = ?`, id); err != nil {
				return err
			}
			_, err := tx.exec(`UPDATE mail_bodies SET created_at = 0 WHERE mail_id = ?`, id)
			return err
		})
		update(t, reopened, func(tx *Tx) error { _, err := tx.PruneMailBodies(t0, n); return err })
		query(t, reopened, `SELECT count(*) FROM mail_shared`, &rows)
		if last := i == len(ids)-1; rows != map[bool]int{true: 0, false: 1}[last] {
			t.Fatalf("after pruning %d of %d bodies, %d shared rows", i+1, n, rows)
		}
	}
}

// TestSharedBodyMustBeThere: a mail whose runs are not what the shared
// body holds where it says is refused, not stored as a body that would
// read back otherwise.
func TestSharedBodyMustBeThere(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	caseID, contact := seedCase(t, db)
	shared := NewSharedBody([]byte("advisory\r\nremedies\r\n"))
	msg, good := sharedMail(1, shared.body)
	for _, bad := range [][]Splice{
		{{good[0].At + 1, good[0].From, good[0].Len}, good[1]},
		{good[0], {good[1].At, good[1].From + 1, good[1].Len}},
		{good[1], good[0]},
		{good[0], {good[1].At, good[1].From, good[1].Len + 100}},
		{{len(msg) - 2, 0, 5}},
	} {
		err := db.Update(context.Background(), func(tx *Tx) error {
			return tx.AddMail(&Mail{CaseID: caseID, ContactID: contact, Kind: "notice", Recipient: "sec@acme.example",
				MessageID: "<x@heed>", State: MailPending, NextAttemptAt: t0, CreatedAt: t0,
				Message: msg, Shared: shared, Splices: bad})
		})
		if err == nil {
			t.Errorf("runs %v of a message that has them at %v: stored", bad, good)
		}
		m := &Mail{Message: msg, Shared: shared, Splices: bad}
		if err := m.CutShared(); err == nil {
			t.Errorf("runs %v of a message that has them at %v: cut ahead", bad, good)
		}
	}
}

func query(t *testing.T, db *DB, q string, dest any) {
	t.Helper()
	if err := db.View(context.Background(), func(tx *Tx) error { return tx.queryRow(q).Scan(dest) }); err != nil {
		t.Fatal(err)
	}
}

// FuzzSplices: whatever the runs and where they stand, a message cut
// around them and spliced back is the message.
func FuzzSplices(f *testing.F) {
	f.Add([]byte("head shared1 middle shared2 tail"), uint8(5), uint8(7), uint8(8), uint8(7))
	f.Fuzz(func(t *testing.T, msg []byte, a, alen, gap, blen uint8) {
		first, second := int(a), int(a)+int(alen)+int(gap)
		if second+int(blen) > len(msg) {
			return
		}
		// The shared body holds the second run, then the first.
		s := NewSharedBody(append(slices.Clone(msg[second:second+int(blen)]), msg[first:first+int(alen)]...))
		splices := []Splice{{At: first, From: int(blen), Len: int(alen)}, {At: second, From: 0, Len: int(blen)}}
		own, enc, err := cutShared(msg, s, splices)
		if err != nil {
			t.Fatal(err)
		}
		back, err := splice(own, s.body, enc)
		if err != nil || !bytes.Equal(back, msg) {
			t.Fatalf("%q cut at %v reads back as %q, %v", msg, splices, back, err)
		}
	})
}

func TestSplicesRefuseWhatDoesNotFit(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		splices := make([]byte, r.IntN(8))
		for i := range splices {
			splices[i] = byte(r.IntN(256))
		}
		// Any bytes: an error or the own bytes with runs of the shared
		// ones, never a panic.
		if msg, err := splice([]byte("own bytes"), []byte("shared"), splices); err == nil && len(msg) < len("own bytes") {
			t.Fatalf("splices %x made %q", splices, msg)
		}
	}
}

// TestBodyCacheStaysBounded: however many shared bodies are read, the
// bytes kept in memory stay under the bound, and what is kept is right.
func TestBodyCacheStaysBounded(t *testing.T) {
	t.Parallel()
	var c bodyCache
	for id := range int64(100) {
		c.put(id, bytes.Repeat([]byte{byte(id)}, maxCachedBodies/10))
		if c.size > maxCachedBodies {
			t.Fatalf("%d bytes kept after %d bodies", c.size, id+1)
		}
	}
	for id, b := range c.bodies {
		if len(b) != maxCachedBodies/10 || b[0] != byte(id) {
			t.Fatalf("body %d kept as %d bytes of %d", id, len(b), b[0])
		}
	}
}
