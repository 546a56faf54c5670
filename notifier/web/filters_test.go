package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

var (
	boardRow  = regexp.MustCompile(`id="case-([^"]+)"`)
	nextLink  = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	csvLink   = regexp.MustCompile(`<a href="([^"]+)" id="csv">`)
	filterBox = regexp.MustCompile(`<form method="get" action="/board" id="filters"`)
)

// TestBoardFilters: six cases of two advisories (two publishers) at three
// organizations, in every kind of state; each filter of the board, alone
// and combined, shows exactly the cases it names, on every page (the
// paging links keep the filters), and the CSV link of the filtered board
// downloads exactly those cases.
func TestBoardFilters(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	ctx := context.Background()
	orgs := map[string]string{} // short name → id
	for short, name := range map[string]string{"A": "Alpha Water Works", "B": "Beta Power", "C": "ALPHA Gas"} {
		org, err := v.engine.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: name,
			Contacts: []subscribers.ContactSpec{{Email: "sec@" + strings.ToLower(short) + ".test"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.engine.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}}); err != nil {
			t.Fatal(err)
		}
		orgs[short] = org.ID
	}
	affected := []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Status: advisory.StatusAffected}}
	if _, err := v.engine.Cases.ApplyAdvisory(ctx, &advisory.Advisory{ID: "SA1", Revision: "1", Format: "heed",
		Title: "VPN flaw", Severity: "critical", Affected: affected}); err != nil {
		t.Fatal(err)
	}
	v.applyAs("ivanti", &advisory.Advisory{ID: "IV1", Revision: "1", Format: "heed", Title: "Ivanti's own", Severity: "high", Affected: affected})

	// Put each case in its state; the server's clock is 2026-05-01.
	past, future := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	answer := func(status string) *store.Answer {
		return &store.Answer{Status: status, At: past, Until: future}
	}
	set := map[string]struct {
		state  string
		due    time.Time
		answer *store.Answer
	}{
		"SA1@A": {store.CaseAnswered, past, answer("patched")},
		"SA1@B": {store.CaseOpen, past, nil},   // silent and overdue
		"SA1@C": {store.CaseOpen, future, nil}, // silent, not yet due
		"IV1@A": {store.CaseOpen, past, nil},   // silent and overdue
		"IV1@B": {store.CaseClosed, past, nil},
		"IV1@C": {store.CaseScheduled, past, answer("scheduled")},
	}
	ids := map[string]string{} // case id → "SA1@A"
	err := v.db.Update(ctx, func(tx *store.Tx) error {
		for short, orgID := range orgs {
			for _, adv := range []string{"SA1", "IV1"} {
				c, err := tx.CaseFor(adv, orgID)
				if err != nil {
					return err
				}
				s := set[adv+"@"+short]
				c.State, c.DueAt, c.Answer = s.state, s.due, s.answer
				if err := tx.UpdateCase(&c); err != nil {
					return err
				}
				ids[c.ID] = adv + "@" + short
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 6 {
		t.Fatalf("%d cases, want 6", len(ids))
	}
	named := func(caseIDs []string) []string {
		var out []string
		for _, id := range caseIDs {
			out = append(out, ids[id])
		}
		slices.Sort(out)
		return out
	}
	// board follows the board's pages of two rows from path and returns
	// the cases shown, and the CSV link of its first page.
	board := func(path, auth string) (shown []string, csvPath string) {
		for pages := 0; path != ""; pages++ {
			if pages > 6 {
				t.Fatalf("board %s: more than 6 pages of two for 6 cases", path)
			}
			resp, body := v.do("GET", path, auth, "", "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
			}
			if !filterBox.MatchString(body) {
				t.Fatalf("GET %s: no filter form:\n%s", path, body)
			}
			if csvPath == "" {
				m := csvLink.FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("GET %s: no CSV link:\n%s", path, body)
				}
				csvPath = html.UnescapeString(m[1])
			}
			for _, m := range boardRow.FindAllStringSubmatch(body, -1) {
				shown = append(shown, m[1])
			}
			path = ""
			if m := nextLink.FindStringSubmatch(body); m != nil {
				path = html.UnescapeString(m[1])
			}
		}
		return named(shown), csvPath
	}
	exported := func(path, auth string) []string {
		resp, body := v.do("GET", path, auth, "", "")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		return named(got)
	}

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"IV1@A", "IV1@B", "IV1@C", "SA1@A", "SA1@B", "SA1@C"}},
		{"state=open", []string{"IV1@A", "SA1@B", "SA1@C"}},
		{"state=answered", []string{"SA1@A"}},
		{"state=scheduled", []string{"IV1@C"}},
		{"advisory=IV1", []string{"IV1@A", "IV1@B", "IV1@C"}},
		{"publisher=default", []string{"SA1@A", "SA1@B", "SA1@C"}},
		{"publisher=ivanti", []string{"IV1@A", "IV1@B", "IV1@C"}},
		{"silent=true", []string{"IV1@A", "SA1@B", "SA1@C"}},
		{"overdue=true", []string{"IV1@A", "SA1@B"}},
		{"org_name=alpha", []string{"IV1@A", "IV1@C", "SA1@A", "SA1@C"}},
		{"org_name=WATER+works", []string{"IV1@A", "SA1@A"}},
		{"org_name=alpha&overdue=true", []string{"IV1@A"}},
		{"publisher=default&silent=true", []string{"SA1@B", "SA1@C"}},
		{"advisory=SA1&state=closed", nil},
		{"org_name=nobody", nil},
	} {
		shown, csvPath := board("/board?limit=2&"+tc.query, token)
		if !slices.Equal(shown, tc.want) {
			t.Errorf("board ?%s shows %v, want %v", tc.query, shown, tc.want)
		}
		if got := exported(csvPath, token); !slices.Equal(got, tc.want) {
			t.Errorf("board ?%s: its CSV link %s downloads %v, want %v", tc.query, csvPath, got, tc.want)
		}
		if got := exported("/board.csv?"+tc.query, token); !slices.Equal(got, tc.want) {
			t.Errorf("/board.csv?%s downloads %v, want %v", tc.query, got, tc.want)
		}
		_, body := v.do("GET", "/api/v1/cases?"+tc.query, token, "", "")
		var page struct{ Cases []caseJSON }
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		var api []string
		for _, c := range page.Cases {
			api = append(api, c.ID)
		}
		if got := named(api); !slices.Equal(got, tc.want) {
			t.Errorf("/api/v1/cases?%s lists %v, want %v", tc.query, got, tc.want)
		}
	}

	// The form shows the filters it was sent.
	_, body := v.do("GET", "/board?org_name=alpha&overdue=true&state=open", token, "", "")
	for _, want := range []string{`name="org_name" id="f-org-name" value="alpha"`, `id="f-overdue" checked`, `<option value="open" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the filtered board's form lacks %s", want)
		}
	}
	if resp, body := v.do("GET", "/board?silent=maybe", token, "", ""); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "silent") {
		t.Errorf("silent=maybe: %d %s; want 400 naming silent", resp.StatusCode, body)
	}

	// A publisher-scoped reader asking for another publisher sees nothing.
	sctx := store.WithActor(ctx, store.Actor{Name: "test", Via: "cli"})
	_, scoped, err := v.engine.Access.AddToken(sctx, notifier.TokenSpec{Name: "ivanti-watcher", Role: "viewer", Publisher: "ivanti"})
	if err != nil {
		t.Fatal(err)
	}
	if shown, csvPath := board("/board?limit=2&publisher=default", scoped); len(shown) != 0 || len(exported(csvPath, scoped)) != 0 {
		t.Errorf("the ivanti viewer filtering on the default publisher sees %v", shown)
	}
	if shown, _ := board("/board?limit=2&silent=true", scoped); !slices.Equal(shown, []string{"IV1@A"}) {
		t.Errorf("the ivanti viewer's silent cases: %v, want [IV1@A]", shown)
	}
}
