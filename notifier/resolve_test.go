package notifier

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/templates"
)

// vpns is an inventory of Pulse Connect Secure gateways: asset → version
// ("" leaves the asset out).
func vpns(versions map[string]string) []store.Item {
	var items []store.Item
	for asset, v := range versions {
		if v != "" {
			items = append(items, store.Item{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: v, Asset: asset})
		}
	}
	return items
}

// TestInventoryAtTheFixedVersionResolvesTheCase: an inventory update that
// leaves one gateway vulnerable keeps the case open and mails nothing; the
// one that shows every gateway at the fixed version (or gone) closes it as
// resolved, says what the inventory shows, mails that once in the case's
// thread through a real SMTP relay, and keeps the items as they were.
func TestInventoryAtTheFixedVersionResolvesTheCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, r := keptMTA(t)
	e, clk := relayedEngine(t, r, nil)
	org, err := e.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Alpha", Contacts: []subscribers.ContactSpec{{Email: "sec@alpha.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orgs.ReplaceInventory(ctx, org.ID, vpns(map[string]string{"vpn-1": "9.0R3.3", "vpn-2": "9.0R3.3", "vpn-3": "9.0R3.3"})); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Cases.ApplyAdvisory(ctx, rangeAdvisory("1", "9.0R3.4")); err != nil {
		t.Fatal(err)
	}
	notice := deliver(t, e, srv)
	if len(notice) != 1 {
		t.Fatalf("notice: %d mails delivered, want 1", len(notice))
	}
	before := caseOf(t, e, org.ID)

	// Two gateways patched, one still at 9.0R3.3: the case stays open.
	res, err := e.Orgs.ReplaceInventory(ctx, org.ID, vpns(map[string]string{"vpn-1": "9.0R3.4", "vpn-2": "9.0R3.5", "vpn-3": "9.0R3.3"}))
	if err != nil {
		t.Fatal(err)
	}
	if c := caseOf(t, e, org.ID); res.Resolved != 0 || c.State != store.CaseOpen || !c.NextReminderAt.Equal(before.NextReminderAt) {
		t.Errorf("one gateway still vulnerable: resolved %d, case %s, next reminder %v (was %v); want it open, its schedule kept",
			res.Resolved, c.State, c.NextReminderAt, before.NextReminderAt)
	}
	if got := deliver(t, e, srv); len(got) != 0 {
		t.Errorf("the mixed update mailed %d messages", len(got))
	}

	// The last one patched, and vpn-2 taken out of service: resolved.
	clk.Advance(3 * time.Hour)
	res, err = e.Orgs.ReplaceInventory(ctx, org.ID, vpns(map[string]string{"vpn-1": "9.0R3.4", "vpn-3": "9.0R3.4"}))
	if err != nil {
		t.Fatal(err)
	}
	c := caseOf(t, e, org.ID)
	if res.Resolved != 1 || c.State != store.CaseClosed || !c.NextReminderAt.IsZero() {
		t.Fatalf("every gateway fixed or gone: resolved %d, case %s, next reminder %v; want closed, nothing planned", res.Resolved, c.State, c.NextReminderAt)
	}
	for _, want := range []string{"resolved: ", "Pulse Secure Pulse Connect Secure (vpn-1): now at version 9.0R3.4",
		"(vpn-3): now at version 9.0R3.4", "Pulse Secure Pulse Connect Secure (vpn-2): no longer in the inventory"} {
		if !strings.Contains(c.ClosedReason, want) {
			t.Errorf("closed_reason %q does not say %q", c.ClosedReason, want)
		}
	}
	var items []store.CaseItem
	e.db.View(ctx, func(tx *store.Tx) (err error) { items, err = tx.CaseItems(c.ID); return err })
	if len(items) != 3 || items[0].Version != "9.0R3.3" {
		t.Errorf("the evidence: %+v; want the three gateways at 9.0R3.3, as they were", items)
	}

	got := deliver(t, e, srv)
	if len(got) != 1 {
		t.Fatalf("resolution: %d mails delivered, want 1", len(got))
	}
	if h := got[0].header; !strings.HasPrefix(h.Get("Subject"), "[Heed] Resolved: SA44101") ||
		h.Get("In-Reply-To") != notice[0].header.Get("Message-ID") {
		t.Errorf("resolution mail: Subject %q, In-Reply-To %q; want Resolved, in reply to the notice %s",
			h.Get("Subject"), h.Get("In-Reply-To"), notice[0].header.Get("Message-ID"))
	}
	ms := mailsOf(t, e, c.ID)
	_, text := readMail(t, e, ms[0].ID)
	for _, want := range []string{"No action needed", "closed as resolved", "(vpn-1): now at version 9.0R3.4", "(vpn-2): no longer in the inventory"} {
		if !strings.Contains(text, want) {
			t.Errorf("the resolution mail does not say %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "/ack/") {
		t.Errorf("the resolution mail asks for an answer:\n%s", text)
	}

	// The same inventory again, and the days after: nothing more.
	if res, err := e.Orgs.ReplaceInventory(ctx, org.ID, vpns(map[string]string{"vpn-1": "9.0R3.4", "vpn-3": "9.0R3.4"})); err != nil || res.Resolved != 0 {
		t.Errorf("the same inventory again: resolved %d, %v", res.Resolved, err)
	}
	clk.Advance(30 * day)
	if _, err := e.Reminders.remindDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := deliver(t, e, srv); len(got) != 0 {
		t.Errorf("after the resolution, %d more mails (%s)", len(got), got[0].header.Get("Subject"))
	}
	if ms := mailsOf(t, e, c.ID); len(ms) != 2 || ms[0].Kind != templates.KindResolved {
		t.Errorf("the case's mails: %d, the last %q; want the notice and one resolved mail", len(ms), ms[0].Kind)
	}
}
