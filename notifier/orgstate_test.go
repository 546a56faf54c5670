package notifier

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// TestDeactivatedOrgIsLeftAlone: deactivating an organization closes its
// open case with the reason, cancels its undelivered mail and writes none;
// while deactivated, neither a new revision, nor a new advisory, nor an
// inventory change opens a case for it, and it cannot be deleted (it has a
// case); activated again, what still hits it opens and is mailed. An
// organization without cases is deleted with its inventory.
func TestDeactivatedOrgIsLeftAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newTestEngine(t)
	a := addOrg(t, e, "Alpha", "9.0R3.3")
	b := addOrg(t, e, "Beta", "9.0R3.3")
	if out, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil || out.Opened != 2 {
		t.Fatalf("apply: %+v, %v; want 2 opened", out, err)
	}
	ca := caseOf(t, e, a)

	res, err := e.Orgs.Deactivate(ctx, a)
	if err != nil || res.CasesClosed != 1 || res.MailsCancelled != 1 {
		t.Fatalf("deactivate: %+v, %v; want its case closed and its notice (not yet delivered) cancelled", res, err)
	}
	ca = caseOf(t, e, a)
	if ca.State != store.CaseClosed || ca.ClosedReason != store.ClosedDeactivated || !ca.NextReminderAt.IsZero() {
		t.Errorf("Alpha's case = %s (%s), next reminder %v; want closed as deactivated, no reminder", ca.State, ca.ClosedReason, ca.NextReminderAt)
	}
	ms := mailsOf(t, e, ca.ID)
	if len(ms) != 1 || ms[0].Kind != templates.KindNotice || ms[0].State != "cancelled" {
		t.Errorf("Alpha's mails = %+v; want only its notice, cancelled: no closing mail", ms)
	}
	if res, err := e.Orgs.Deactivate(ctx, a); err != nil || res.CasesClosed != 0 {
		t.Errorf("deactivating again: %+v, %v; want nothing done", res, err)
	}

	// A new revision, a new advisory, an inventory change: nothing for Alpha.
	if out, err := e.Cases.ApplyAdvisory(ctx, sa44101("2", "9.0R3.3", "9.0R2")); err != nil || out.Opened != 0 {
		t.Fatalf("revision 2: %+v, %v; want nothing opened", out, err)
	}
	other := &advisory.Advisory{ID: "SA2", Revision: "1", Format: "heed", Title: "Another flaw", Severity: "high",
		Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Versions: []string{"9.0R3.3"}, Status: advisory.StatusAffected}}}
	if out, err := e.Cases.ApplyAdvisory(ctx, other); err != nil || out.Opened != 1 {
		t.Fatalf("SA2: %+v, %v; want Beta's case only", out, err)
	}
	inv := []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R2"}}
	if res, err := e.Orgs.ReplaceInventory(ctx, a, inv); err != nil || res.Opened != 0 || res.Updated != 0 {
		t.Fatalf("Alpha's inventory: %+v, %v; want no case", res, err)
	}
	var alphaCases []store.Case
	e.db.View(ctx, func(tx *store.Tx) (err error) { alphaCases, err = tx.Cases(store.CaseFilter{OrgID: a}); return err })
	if len(alphaCases) != 1 || alphaCases[0].State != store.CaseClosed || len(mailsOf(t, e, ca.ID)) != 1 {
		t.Errorf("Alpha has %+v; want its one case, closed, with no new mail", alphaCases)
	}
	var betaCases []store.Case
	e.db.View(ctx, func(tx *store.Tx) (err error) { betaCases, err = tx.Cases(store.CaseFilter{OrgID: b}); return err })
	if len(betaCases) != 2 || betaCases[0].State != store.CaseOpen || betaCases[1].State != store.CaseOpen {
		t.Errorf("Beta has %+v; want both its cases open", betaCases)
	}

	err = e.Orgs.DeleteOrg(ctx, a)
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "it has cases (1)") || !strings.Contains(err.Error(), "deactivate it instead") {
		t.Errorf("delete Alpha: %v; want a conflict saying it has a case and to deactivate it", err)
	}
	spare, err := e.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Spare", Contacts: []subscribers.ContactSpec{{Email: "sec@spare.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orgs.ReplaceInventory(ctx, spare.ID, []store.Item{{Vendor: "Other", Product: "Thing", Version: "1"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Orgs.DeleteOrg(ctx, spare.ID); err != nil {
		t.Fatalf("delete an organization without cases: %v", err)
	}
	e.db.View(ctx, func(tx *store.Tx) error {
		if _, err := tx.Org(spare.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the deleted organization: %v; want not found", err)
		}
		if items, err := tx.Inventory(spare.ID); err != nil || len(items) != 0 {
			t.Errorf("the deleted organization's items: %v, %v; want none", items, err)
		}
		return nil
	})
	if err := e.Orgs.DeleteOrg(ctx, spare.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting it again: %v; want not found", err)
	}

	// Active again: its inventory (now 9.0R2) is matched against both.
	got, err := e.Orgs.Activate(ctx, a)
	if err != nil || got.Opened != 1 {
		t.Fatalf("activate: %+v, %v; want SA44101 (which lists 9.0R2 since revision 2) opened", got, err)
	}
	ca = caseOf(t, e, a)
	if ca.State != store.CaseOpen || ca.ClosedReason != "" {
		t.Errorf("Alpha's case after activation = %s (%q); want open", ca.State, ca.ClosedReason)
	}
	if ms := mailsOf(t, e, ca.ID); len(ms) != 2 || ms[0].Kind != templates.KindNotice || ms[0].State == "cancelled" {
		t.Errorf("Alpha's mails after activation = %+v; want a new notice", ms)
	}
}

// TestDeactivationClosesWithAnEvent: the case closed by deactivating its
// organization is published as heed.case.closed with the reason, once.
func TestDeactivationClosesWithAnEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js := startJetStream(t)
	e, _ := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), withEvents)
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orgs.Deactivate(ctx, org); err != nil {
		t.Fatal(err)
	}
	runEvents(t, e, js)
	waitPublished(t, js, 2)
	got := consume(t, js)
	if len(got) != 2 || got[1].Event["type"] != "heed.case.closed" || got[1].Subject != "heed.events.case.closed" ||
		got[1].Data["reason"] != store.ClosedDeactivated || got[1].Data["state"] != store.CaseClosed {
		t.Errorf("events %+v; want opened, then heed.case.closed with reason %s", got, store.ClosedDeactivated)
	}
}
