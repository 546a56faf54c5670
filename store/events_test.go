package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// eventsOf lists a case's events as "seq:published_at" (0: not published).
func eventsOf(t *testing.T, db *DB, caseID string) string {
	t.Helper()
	var evs []Event
	if err := db.View(context.Background(), func(tx *Tx) (err error) { evs, err = tx.Events(caseID); return err }); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		at := int64(0)
		if !e.PublishedAt.IsZero() {
			at = ms(e.PublishedAt)
		}
		out = append(out, fmt.Sprintf("%d:%d", e.Seq, at))
	}
	return strings.Join(out, " ")
}

// unpublished lists the seqs of the unpublished events and their count.
func unpublished(t *testing.T, db *DB) ([]int64, int) {
	t.Helper()
	var evs []Event
	var n int
	err := db.View(context.Background(), func(tx *Tx) (err error) {
		if evs, err = tx.UnpublishedEvents(100); err != nil {
			return err
		}
		n, err = tx.UnpublishedEventCount()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, e := range evs {
		seqs = append(seqs, e.Seq)
	}
	return seqs, n
}

// TestEventMarks: an event is published when a mark covers it, with the
// mark's time; an older mark changes nothing; pruning deletes the events
// of marks older than the cutoff and no other; an event recorded after
// every event was pruned is not taken for published (seq never goes back).
func TestEventMarks(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	ctx := context.Background()
	add := func(n int) {
		t.Helper()
		update(t, db, func(tx *Tx) error {
			for range n {
				if err := tx.AddEvent(&Event{ID: fmt.Sprint(time.Now().UnixNano()), Kind: "opened", CaseID: "c1", At: t0, Data: []byte("{}")}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	mark := func(seq int64, at time.Time) {
		t.Helper()
		update(t, db, func(tx *Tx) error { return tx.MarkPublished(seq, at) })
	}
	prune := func(cutoff time.Time) int {
		t.Helper()
		var n int
		update(t, db, func(tx *Tx) (err error) { n, err = tx.PrunePublishedEvents(cutoff, 2); return err })
		return n
	}
	t1, t2 := t0.Add(time.Minute), t0.Add(time.Hour)
	add(5)
	if seqs, n := unpublished(t, db); !slices.Equal(seqs, []int64{1, 2, 3, 4, 5}) || n != 5 {
		t.Fatalf("unpublished %v (%d), want all five", seqs, n)
	}
	mark(3, t1)
	mark(2, t2) // already marked: nothing
	if seqs, n := unpublished(t, db); !slices.Equal(seqs, []int64{4, 5}) || n != 2 {
		t.Errorf("unpublished after marking up to 3: %v (%d), want 4 and 5", seqs, n)
	}
	want := fmt.Sprintf("1:%d 2:%d 3:%d 4:0 5:0", ms(t1), ms(t1), ms(t1))
	if got := eventsOf(t, db, "c1"); got != want {
		t.Errorf("events %s, want %s", got, want)
	}
	mark(5, t2)
	if n := prune(t1); n != 0 {
		t.Errorf("pruned %d events published before %v, want none", n, t1)
	}
	// Two a call (the limit), then the last of the first mark.
	if n, m := prune(t1.Add(time.Second)), prune(t1.Add(time.Second)); n != 2 || m != 1 {
		t.Errorf("pruned %d then %d, want 2 then 1", n, m)
	}
	if got, want := eventsOf(t, db, "c1"), fmt.Sprintf("4:%d 5:%d", ms(t2), ms(t2)); got != want {
		t.Errorf("events after pruning %s, want %s", got, want)
	}
	if n := prune(t2.Add(time.Second)) + prune(t2.Add(time.Second)); n != 2 {
		t.Errorf("pruned %d, want the last two", n)
	}
	add(1)
	if seqs, n := unpublished(t, db); !slices.Equal(seqs, []int64{6}) || n != 1 {
		t.Errorf("unpublished after pruning every event and adding one: %v (%d), want 6", seqs, n)
	}
	var marks int
	if err := db.View(ctx, func(tx *Tx) error { return tx.queryRow(`SELECT count(*) FROM event_marks`).Scan(&marks) }); err != nil {
		t.Fatal(err)
	}
	if marks != 1 {
		t.Errorf("%d marks kept, want the last one only", marks)
	}
}

// TestEventMarksFromPublishedRows: a database whose events carried their
// own published_at (before migration event_marks) keeps what was
// published up to the first event that was not, at the times it was
// marked; an event marked after one that was not is published again
// (JetStream drops it as a duplicate).
func TestEventMarksFromPublishedRows(t *testing.T) {
	t.Parallel()
	path := oldDB(t, "_event_marks.sql",
		`INSERT INTO events (seq, id, kind, case_id, at, data, published_at) VALUES
			(1, 'e1', 'opened', 'c1', 1, '{}', 100), (2, 'e2', 'opened', 'c1', 1, '{}', 100),
			(3, 'e3', 'reminded', 'c1', 2, '{}', 200), (4, 'e4', 'answered', 'c1', 3, '{}', NULL),
			(5, 'e5', 'closed', 'c1', 4, '{}', 300)`)
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, want := eventsOf(t, db, "c1"), "1:100 2:100 3:200 4:0 5:0"; got != want {
		t.Errorf("events after the migration %s, want %s", got, want)
	}
	if seqs, n := unpublished(t, db); !slices.Equal(seqs, []int64{4, 5}) || n != 2 {
		t.Errorf("unpublished %v (%d), want 4 and 5", seqs, n)
	}
}
