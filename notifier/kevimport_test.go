package notifier

import (
	"context"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/templates"
)

// answerPatched records that an organization's case is patched, as its
// primary contact's click would.
func answerPatched(t *testing.T, e *Engine, orgID string) {
	t.Helper()
	ctx := context.Background()
	var o store.Org
	if err := e.db.View(ctx, func(tx *store.Tx) (err error) { o, err = tx.Org(orgID); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Answers.RecordAnswer(ctx, e.Links.ackToken(caseOf(t, e, orgID).ID, o.Contacts[0].ID, t0.Add(90*day)),
		AnswerInput{Status: AnswerPatched}); err != nil {
		t.Fatal(err)
	}
}

// exploitedMails lists the "exploited" mails of an organization's case.
func exploitedMails(t *testing.T, e *Engine, orgID string) []store.Mail {
	t.Helper()
	var out []store.Mail
	for _, m := range mailsOf(t, e, caseOf(t, e, orgID).ID) {
		if m.Kind == templates.KindExploited {
			out = append(out, m)
		}
	}
	return out
}

// TestKEVImportInBatches: a catalog naming the CVE of three open cases
// marks them one batch at a time (here batches of one), each committed with
// its mail before the next is written, so that other writes go between:
// a case answered between two batches is no longer waiting and is neither
// marked nor mailed; the two others get one "exploited" mail each, in
// their thread.
func TestKEVImportInBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newTestEngine(t)
	orgs := []string{addOrg(t, e, "Alpha", "9.0R3.3"), addOrg(t, e, "Beta", "9.0R3.3"), addOrg(t, e, "Gamma", "9.0R3.3")}
	if _, err := e.Cases.ApplyAdvisory(ctx, cveAdvisory("SA44101", "CVE-2019-11510")); err != nil {
		t.Fatal(err)
	}
	batches, answered := 0, ""
	between := func() {
		batches++
		if batches > 1 {
			return
		}
		var marked []string
		for _, org := range orgs {
			if c := caseOf(t, e, org); !c.ExploitedAt.IsZero() {
				marked = append(marked, org)
				if len(exploitedMails(t, e, org)) != 1 {
					t.Errorf("after the first batch, the case marked has no exploited mail")
				}
			} else if answered == "" {
				answered = org
			}
		}
		if len(marked) != 1 {
			t.Fatalf("after the first batch, %d cases marked; want 1", len(marked))
		}
		answerPatched(t, e, answered)
	}
	res, err := e.Cases.importKEV(ctx, catalog("2026-04-01", "CVE-2019-11510"), 1, between)
	if err != nil || res.CasesChanged != 2 || batches != 3 {
		t.Fatalf("import: %+v, %v in %d batches; want 2 cases changed (the third was answered meanwhile) in 3", res, err, batches)
	}
	for _, org := range orgs {
		c, ms := caseOf(t, e, org), exploitedMails(t, e, org)
		switch {
		case org == answered && (!c.ExploitedAt.IsZero() || len(ms) != 0):
			t.Errorf("the case answered between two batches was marked (%v) or mailed (%d)", c.ExploitedAt, len(ms))
		case org != answered && (c.ExploitedAt.IsZero() || len(ms) != 1):
			t.Errorf("case at %s: exploited %v, %d exploited mails; want marked, one mail", org, c.ExploitedAt, len(ms))
		case org != answered:
			if h, _ := readMail(t, e, ms[0].ID); h.Get("In-Reply-To") == "" {
				t.Errorf("the exploited mail at %s is not in its case's thread", org)
			}
		}
	}
}

// TestPreparedMarkForACaseChangedMeanwhile: between the snapshot a batch's
// marks and mails were prepared from and its write transaction, one
// organization is renamed and another answers. The first case is marked
// with its mail composed again, naming the organization as it is; the
// answered one is not marked.
func TestPreparedMarkForACaseChangedMeanwhile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newTestEngine(t)
	alpha, beta := addOrg(t, e, "Alpha", "9.0R3.3"), addOrg(t, e, "Beta", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, cveAdvisory("SA44101", "CVE-2019-11510")); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.PutKEV([]store.KEV{{CVE: "CVE-2019-11510", DateAdded: t0}}, t0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	work, err := e.Cases.catalogued(ctx)
	if err != nil || len(work) != 2 {
		t.Fatalf("work: %+v, %v; want the two cases", work, err)
	}
	pre, err := e.Cases.prepareMarks(ctx, work)
	if err != nil || len(pre) != 2 {
		t.Fatalf("prepared: %d, %v; want both cases", len(pre), err)
	}
	if _, err := e.Orgs.UpdateOrg(ctx, alpha, subscribers.OrgSpec{Name: "Alpha Holdings",
		Contacts: []subscribers.ContactSpec{{Email: "sec@alpha.test"}, {Email: "boss@alpha.test", Role: "escalation"}}}); err != nil {
		t.Fatal(err)
	}
	answerPatched(t, e, beta)
	marked := map[string]bool{}
	err = e.Outbox.update(ctx, func(tx *writeTx) error {
		adv, err := loadAdvisory(tx.Tx, "SA44101")
		if err != nil {
			return err
		}
		states, err := readMarks(tx.Tx, work)
		if err != nil {
			return err
		}
		for _, w := range work {
			if marked[w.caseID], err = e.Cases.markCatalogued(tx, adv, states[w.caseID], pre[w.caseID]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !marked[caseOf(t, e, alpha).ID] || marked[caseOf(t, e, beta).ID] {
		t.Errorf("marked: %v; want Alpha's case alone", marked)
	}
	ms := exploitedMails(t, e, alpha)
	if len(ms) != 1 {
		t.Fatalf("Alpha's exploited mails: %d, want 1", len(ms))
	}
	if _, text := readMail(t, e, ms[0].ID); !strings.Contains(text, "Alpha Holdings") {
		t.Errorf("the exploited mail does not name the organization as it is now:\n%s", text)
	}
	if ms := exploitedMails(t, e, beta); len(ms) != 0 {
		t.Errorf("Beta answered meanwhile, yet got %d exploited mails", len(ms))
	}
}
