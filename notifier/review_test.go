package notifier

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// siemensAdvisory names one Siemens product, affected below 5.2.1.
func siemensAdvisory(id, revision, product string) *advisory.Advisory {
	return &advisory.Advisory{ID: id, Revision: revision, Format: "heed", Title: product + " flaw", Severity: "high",
		Affected: []advisory.Affected{{Vendor: "Siemens", Product: product, Status: advisory.StatusAffected,
			Ranges: []advisory.Range{{Introduced: "0", Fixed: "5.2.1"}}}}}
}

// orgWith registers an organization whose inventory is items.
func orgWith(t *testing.T, e *Engine, name string, items ...store.Item) string {
	t.Helper()
	org, err := e.Orgs.CreateOrg(context.Background(), subscribers.OrgSpec{Name: name,
		Contacts: []subscribers.ContactSpec{{Email: "sec@" + strings.ToLower(name) + ".test"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orgs.ReplaceInventory(context.Background(), org.ID, items); err != nil {
		t.Fatal(err)
	}
	return org.ID
}

// applyScanned applies adv, then looks for its near misses as the
// engine's loop does after it (scanNearMisses), until none waits.
func applyScanned(t *testing.T, e *Engine, adv *advisory.Advisory) (Outcome, error) {
	t.Helper()
	ctx := context.Background()
	out, err := e.Cases.ApplyAdvisory(ctx, adv)
	if err != nil {
		return out, err
	}
	for {
		n, err := e.Cases.scanNearMisses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return out, nil
		}
	}
}

func pendingOf(t *testing.T, e *Engine, orgID string) []store.NearMiss {
	t.Helper()
	all, err := e.Review.NearMisses(context.Background(), store.ReviewPending, 100)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(all, func(n store.NearMiss) bool { return n.OrgID != orgID })
}

// TestNearMissConfirmOpensTheCaseAndMails: "SCALANCE X-200" is close to the
// advisory's "SCALANCE X-200 switch family": not mailed, listed for review;
// confirmed, its case opens and its notice goes through a real SMTP relay,
// and the alias is learnt, so that the next advisory naming the family
// matches it at once. A different product of Siemens is neither matched
// nor listed.
func TestNearMissConfirmOpensTheCaseAndMails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mta, r := startMTA(t)
	path := filepath.Join(t.TempDir(), "heed.db")
	e, _ := newTestEngineAt(t, path, func(c *Config) { c.Relay, c.Hold = r, false })
	if _, _, err := rekey(e); err != nil { // as heed serve does first
		t.Fatal(err)
	}
	org := orgWith(t, e, "Delta",
		store.Item{Vendor: "Siemens AG", Product: "SCALANCE X-200", Version: "5.1", Asset: "plant-switch"},
		store.Item{Vendor: "Siemens AG", Product: "SCALANCE X-300", Version: "5.1"})
	out, err := applyScanned(t, e, siemensAdvisory("SSA-1", "1", "SCALANCE X-200 switch family"))
	if err != nil || out.Opened != 0 {
		t.Fatalf("apply: %+v, %v; want no case: the name is only close", out, err)
	}
	pending := pendingOf(t, e, org)
	if len(pending) != 1 {
		t.Fatalf("pending near misses = %+v, want SCALANCE X-200 alone", pending)
	}
	n := pending[0]
	if n.Product != "SCALANCE X-200" || n.AdvProduct != "SCALANCE X-200 switch family" || n.Why != subscribers.CloseWordsAdded ||
		strings.Join(n.Words, " ") != "switch family" || n.Reason.Code != subscribers.ReasonInRange || n.OrgName != "Delta" {
		t.Errorf("near miss = %+v", n)
	}

	got, err := e.Review.Confirm(store.WithActor(ctx, store.Actor{Name: "op", Via: "test"}), n.ID)
	if err != nil || !got.Opened {
		t.Fatalf("confirm: %+v, %v; want the case opened", got, err)
	}
	if _, err := e.Review.Confirm(ctx, n.ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second confirm: %v, want a conflict", err)
	}
	c := caseOf(t, e, org)
	if c.ID != got.Case || c.State != store.CaseOpen {
		t.Errorf("case = %+v, want %s open", c, got.Case)
	}
	if sent, err := e.Delivery.deliverDue(ctx); err != nil || sent != 1 || mta.received("sec@delta.test") != 1 {
		t.Fatalf("delivered %d (%v), relay got %d for sec@delta.test; want the notice", sent, err, mta.received("sec@delta.test"))
	}

	// The next advisory naming the family matches at once, through the
	// stored keys re-keyed by the confirmation; X-300 still does not.
	out, err = applyScanned(t, e, siemensAdvisory("SSA-2", "1", "SCALANCE X-200 switch family"))
	if err != nil || out.Opened != 1 {
		t.Fatalf("the next advisory: %+v, %v; want its case opened directly", out, err)
	}
	if p := pendingOf(t, e, org); len(p) != 0 {
		t.Errorf("pending after the alias was learnt: %+v", p)
	}

	// A restart reads the learnt alias back: the stored keys stay right.
	again, _ := newTestEngineAt(t, path)
	if items, advs, err := rekey(again); err != nil || items+advs != 0 {
		t.Errorf("restart re-keyed %d items, %d advisories (%v); want none: the fingerprint includes the learnt alias", items, advs, err)
	}
}

// TestNearMissDismissIsRemembered: a dismissed near miss stays dismissed
// through a later revision; a near miss is also found when an inventory
// changes, and dropped when the item goes.
func TestNearMissDismissIsRemembered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newTestEngine(t)
	org := orgWith(t, e, "Echo", store.Item{Vendor: "SIEMENS", Product: "SIMATIC S7-1200", Version: "4.0"})
	if _, err := applyScanned(t, e, siemensAdvisory("SSA-3", "1", "SIMATIC S7-1200 CPU family")); err != nil {
		t.Fatal(err)
	}
	pending := pendingOf(t, e, org)
	if len(pending) != 1 {
		t.Fatalf("pending = %+v, want S7-1200", pending)
	}
	if err := e.Review.Dismiss(ctx, pending[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := applyScanned(t, e, siemensAdvisory("SSA-3", "2", "SIMATIC S7-1200 CPU family")); err != nil {
		t.Fatal(err)
	}
	if p := pendingOf(t, e, org); len(p) != 0 {
		t.Errorf("revision 2 brought the dismissed pair back: %+v", p)
	}
	all, _ := e.Review.NearMisses(ctx, "", 100)
	if len(all) != 1 || all[0].State != store.ReviewDismissed {
		t.Errorf("near misses = %+v, want the one dismissed", all)
	}

	// An inventory change finds a near miss of a known advisory …
	other := orgWith(t, e, "Foxtrot")
	if _, err := e.Orgs.ReplaceInventory(ctx, other, []store.Item{{Vendor: "Siemens", Product: "S7-1200 CPU family", Version: "4.1"},
		{Vendor: "Siemens", Product: "SIMATIC S7-1500", Version: "4.1"}}); err != nil {
		t.Fatal(err)
	}
	p := pendingOf(t, e, other)
	if len(p) != 1 || p[0].Product != "S7-1200 CPU family" || p[0].Why != subscribers.CloseWordsAdded {
		t.Fatalf("after the inventory change: %+v, want S7-1200 CPU family", p)
	}
	// … and drops it when the item goes.
	if _, err := e.Orgs.ReplaceInventory(ctx, other, []store.Item{{Vendor: "Siemens", Product: "SIMATIC S7-1500", Version: "4.1"}}); err != nil {
		t.Fatal(err)
	}
	if p := pendingOf(t, e, other); len(p) != 0 {
		t.Errorf("the item is gone, its near miss is not: %+v", p)
	}
}

// TestNearMissScanSurvivesRestart: Heed stops after an advisory is applied
// and before its near misses are looked for (the loop is not running). The
// applied advisory keeps its mark, so the loop of the engine started next
// on the same database finds the near miss, once, and clears the mark.
func TestNearMissScanSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heed.db")
	e, _ := newTestEngineAt(t, path)
	org := orgWith(t, e, "Golf", store.Item{Vendor: "Siemens AG", Product: "SCALANCE X-200", Version: "5.1"})
	if out, err := e.Cases.ApplyAdvisory(ctx, siemensAdvisory("SSA-7", "1", "SCALANCE X-200 switch family")); err != nil || out.Opened != 0 {
		t.Fatalf("apply: %+v, %v", out, err)
	}
	if p := pendingOf(t, e, org); len(p) != 0 {
		t.Fatalf("near misses recorded while applying: %+v; want them left to the loop", p)
	}

	again, _ := newTestEngineAt(t, path)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- again.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	eventually.True(t, 10*time.Second, "the near miss found after the restart", func() bool {
		return len(pendingOf(t, again, org)) > 0
	})
	eventually.Check(t, 10*time.Second, func() error {
		return again.db.View(ctx, func(tx *store.Tx) error {
			if id, _, err := tx.NextNearMissScan(); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("advisory %q still waits for its scan (%v)", id, err)
			}
			return nil
		})
	})
	if p := pendingOf(t, again, org); len(p) != 1 || p[0].AdvisoryID != "SSA-7" || p[0].Product != "SCALANCE X-200" {
		t.Errorf("pending near misses = %+v, want SCALANCE X-200 of SSA-7 once", p)
	}
}

// TestNearMissScanGivesWayToMailsDue: the engine's near-miss loop leaves an
// advisory's scan waiting while a mail is due, scans it once the mail has
// gone, and gives way no longer than nearMissYield to mails that stay due.
func TestNearMissScanGivesWayToMailsDue(t *testing.T) {
	ctx := context.Background()
	e, clk, _ := deliveringEngine(t, filepath.Join(t.TempDir(), "heed.db"))
	near := orgWith(t, e, "Near", store.Item{Vendor: "Siemens", Product: "SCALANCE X-200", Version: "5.1"})
	orgWith(t, e, "Exact", store.Item{Vendor: "Siemens", Product: "SCALANCE X-200 switch family", Version: "5.1"})
	turn := e.nearMissTurns()
	scan := func(want int, what string) {
		t.Helper()
		if n, err := turn(ctx); err != nil || n != want {
			t.Fatalf("%s: scanned %d, %v; want %d", what, n, err, want)
		}
	}
	apply := func(id string) {
		t.Helper()
		if out, err := e.Cases.ApplyAdvisory(ctx, siemensAdvisory(id, "1", "SCALANCE X-200 switch family")); err != nil || out.Opened != 1 {
			t.Fatalf("apply %s: %+v, %v; want Exact's case opened", id, out, err)
		}
	}

	apply("SSA-1")
	scan(0, "Exact's notice due")
	if got := pendingOf(t, e, near); len(got) != 0 {
		t.Fatalf("near misses found while a mail was due: %+v", got)
	}
	if n, err := e.Delivery.deliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("deliverDue = %d, %v", n, err)
	}
	scan(1, "the notice sent")
	scan(1, "the notice sent, SA44101 (deliveringEngine's)")
	scan(0, "nothing left")
	if got := pendingOf(t, e, near); len(got) != 1 {
		t.Fatalf("near misses after the scan: %+v; want Near's", got)
	}

	apply("SSA-2")
	scan(0, "the second notice due")
	clk.Advance(nearMissYield - time.Second)
	scan(0, "due for less than nearMissYield")
	clk.Advance(time.Second)
	scan(1, "due for nearMissYield")
	if got := pendingOf(t, e, near); len(got) != 2 {
		t.Fatalf("near misses after the second scan: %+v; want Near's two", got)
	}
}
