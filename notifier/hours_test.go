package notifier

import (
	"context"
	"testing"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/templates"
)

// addOrgWith registers an organization as spec says, with one primary and
// one escalation contact and the given Pulse Connect Secure versions.
func addOrgWith(t testing.TB, e *Engine, spec subscribers.OrgSpec, versions ...string) store.Org {
	t.Helper()
	ctx := context.Background()
	spec.Contacts = []subscribers.ContactSpec{{Email: "sec@" + spec.Name + ".test"}, {Email: "boss@" + spec.Name + ".test", Role: "escalation"}}
	org, err := e.Orgs.CreateOrg(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	var items []store.Item
	for _, v := range versions {
		items = append(items, store.Item{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: v})
	}
	if _, err := e.Orgs.ReplaceInventory(ctx, org.ID, items); err != nil {
		t.Fatal(err)
	}
	return org
}

func TestBusinessHoursHoldRemindersUntilNineInTokyo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clk := newTestEngine(t)
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	// Monday 2 March 2026, 18:00 UTC: Tuesday 03:00 in Tokyo.
	opened := time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC)
	clk.Set(opened)
	org := addOrgWith(t, e, subscribers.OrgSpec{Name: "tokyo", Timezone: "Asia/Tokyo", BusinessHours: "09:00-18:00 Mon-Fri"}, "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	c := caseOf(t, e, org.ID)
	notice := mailsOf(t, e, c.ID)
	if len(notice) != 1 || !notice[0].NextAttemptAt.Equal(opened) {
		t.Fatalf("notice of a critical advisory = %+v; want one, at once (03:00 in Tokyo)", notice)
	}

	// The first critical reminder falls due a day later: Wednesday 03:00 in
	// Tokyo. It waits for 09:00 there.
	due := opened.Add(day)
	clk.Set(due)
	if _, err := e.Reminders.remindDue(ctx); err != nil {
		t.Fatal(err)
	}
	if ms := mailsOf(t, e, c.ID); len(ms) != 1 {
		t.Fatalf("mails at 03:00 in Tokyo: %d; want the notice only", len(ms))
	}
	nine := time.Date(2026, 3, 4, 9, 0, 0, 0, tokyo)
	if got := caseOf(t, e, org.ID).NextReminderAt; !got.Equal(nine) {
		t.Fatalf("reminder held until %s; want %s", got.In(tokyo), nine)
	}
	clk.Set(nine.Add(-time.Minute))
	if n, err := e.Reminders.remindDue(ctx); err != nil || n != 0 {
		t.Fatalf("reminders at 08:59 in Tokyo: %d, %v; want none", n, err)
	}
	clk.Set(nine)
	if _, err := e.Reminders.remindDue(ctx); err != nil {
		t.Fatal(err)
	}
	ms := mailsOf(t, e, c.ID)
	if len(ms) != 2 || ms[0].Kind != templates.KindReminder || !ms[0].NextAttemptAt.Equal(nine) {
		t.Fatalf("mails at 09:00 in Tokyo = %+v; want the reminder, sent then", ms)
	}
	// The schedule keeps its rhythm: the next reminder is three days after
	// the first mail, not three days after the held one.
	if got := caseOf(t, e, org.ID).NextReminderAt; !got.Equal(opened.Add(3 * day)) {
		t.Errorf("next reminder at %s; want %s", got, opened.Add(3*day))
	}
}

func TestBusinessHoursHoldOnlyNoticesThatCanWait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clk := newTestEngine(t)
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	// Saturday 7 March 2026, 10:00 in Tokyo: outside Mon-Fri.
	sat := time.Date(2026, 3, 7, 10, 0, 0, 0, tokyo)
	clk.Set(sat)
	org := addOrgWith(t, e, subscribers.OrgSpec{Name: "tokyo", Timezone: "Asia/Tokyo", BusinessHours: "09:00-18:00 Mon-Fri"}, "9.0R3.3")
	for _, tt := range []struct {
		id, severity string
		kev          bool
		want         time.Time
	}{
		{"HIGH-1", "high", false, time.Date(2026, 3, 9, 9, 0, 0, 0, tokyo)},
		{"HIGH-KEV", "high", true, sat},
		{"CRIT-1", "critical", false, sat},
	} {
		adv := sa44101("1", "9.0R3.3")
		adv.ID, adv.Severity, adv.KnownExploited = tt.id, tt.severity, tt.kev
		if _, err := e.Cases.ApplyAdvisory(ctx, adv); err != nil {
			t.Fatal(err)
		}
		var c store.Case
		err := e.db.View(ctx, func(tx *store.Tx) (err error) { c, err = tx.CaseFor(tt.id, org.ID); return err })
		if err != nil {
			t.Fatal(err)
		}
		if ms := mailsOf(t, e, c.ID); len(ms) != 1 || !ms[0].NextAttemptAt.Equal(tt.want) {
			t.Errorf("%s notice goes at %v; want %s", tt.id, ms, tt.want)
		}
	}
}

// A reminder held for one organization's hours holds back nobody else's.
func TestHeldReminderHoldsBackNoOtherCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, clk := newTestEngine(t)
	// Monday 18:00 UTC: Tuesday 03:00 in Tokyo.
	clk.Set(time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC))
	tokyo := addOrgWith(t, e, subscribers.OrgSpec{Name: "tokyo", Timezone: "Asia/Tokyo", BusinessHours: "09:00-18:00 Mon-Fri"}, "9.0R3.3")
	london := addOrgWith(t, e, subscribers.OrgSpec{Name: "london", Timezone: "Europe/London"}, "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	// London's reminder falls due a minute after Tokyo's, so the held one
	// comes first in the batch.
	lc := caseOf(t, e, london.ID)
	lc.NextReminderAt = lc.NextReminderAt.Add(time.Minute)
	if err := e.db.Update(ctx, func(tx *store.Tx) error { return tx.UpdateCase(&lc) }); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(day + time.Minute))
	if _, err := e.Reminders.remindDue(ctx); err != nil {
		t.Fatal(err)
	}
	if ms := mailsOf(t, e, caseOf(t, e, london.ID).ID); len(ms) != 2 {
		t.Errorf("London's mails: %d; want the notice and its reminder", len(ms))
	}
	if ms := mailsOf(t, e, caseOf(t, e, tokyo.ID).ID); len(ms) != 1 {
		t.Errorf("Tokyo's mails at 03:00: %d; want the notice only", len(ms))
	}
}
