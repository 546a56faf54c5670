package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// withCases creates n organizations running the same affected product and
// applies one advisory, so that each has one open case.
func (v *env) withCases(n int) {
	v.t.Helper()
	ctx := context.Background()
	for i := range n {
		org, err := v.engine.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: fmt.Sprintf("Org %02d", i),
			Contacts: []subscribers.ContactSpec{{Email: fmt.Sprintf("sec@org%d.test", i)}}})
		if err != nil {
			v.t.Fatal(err)
		}
		if _, err := v.engine.Orgs.ReplaceInventory(ctx, org.ID, []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3", Asset: fmt.Sprintf("vpn%d", i)}}); err != nil {
			v.t.Fatal(err)
		}
	}
	adv := &advisory.Advisory{ID: "SA1", Revision: "1", Format: "heed", Title: "VPN flaw", Severity: "critical",
		Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Status: advisory.StatusAffected}}}
	if _, err := v.engine.Cases.ApplyAdvisory(ctx, adv); err != nil {
		v.t.Fatal(err)
	}
}

func TestCasesComeInPages(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.withCases(5)
	seen := map[string]bool{}
	path := "/api/v1/cases?limit=2"
	var sizes []int
	for path != "" {
		resp, body := v.do("GET", path, token, "", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		var page struct {
			Cases []struct {
				ID    string
				Items []struct{ Asset string }
			}
			Next *string
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil || page.Next == nil {
			t.Fatalf("GET %s: %v; want {\"cases\":[…],\"next\":…}\n%s", path, err, body)
		}
		sizes = append(sizes, len(page.Cases))
		for _, c := range page.Cases {
			if seen[c.ID] {
				t.Errorf("case %s on two pages", c.ID)
			}
			seen[c.ID] = true
			if len(c.Items) != 1 || c.Items[0].Asset == "" {
				t.Errorf("case %s items = %+v; want its one item", c.ID, c.Items)
			}
		}
		path = ""
		if *page.Next != "" {
			path = "/api/v1/cases?limit=2&cursor=" + url.QueryEscape(*page.Next)
		}
	}
	if fmt.Sprint(sizes) != "[2 2 1]" || len(seen) != 5 {
		t.Errorf("pages of %v, %d cases; want [2 2 1] and all 5", sizes, len(seen))
	}

	for _, bad := range []struct{ query, want string }{
		{"limit=0", "limit"}, {"limit=10001", "10000"}, {"limit=many", "limit"}, {"cursor=garbage", "cursor"},
	} {
		resp, body := v.do("GET", "/api/v1/cases?"+bad.query, token, "", "")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, bad.want) {
			t.Errorf("?%s: %d %s; want 400 naming %s", bad.query, resp.StatusCode, body, bad.want)
		}
	}
}

func TestOrgsComeInPages(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.withCases(3)
	var names []string
	path := "/api/v1/orgs?limit=2"
	for path != "" {
		_, body := v.do("GET", path, token, "", "")
		var page struct {
			Orgs []struct {
				Name     string
				Contacts []struct{ Email string }
			}
			Next string
		}
		json.Unmarshal([]byte(body), &page)
		for _, o := range page.Orgs {
			if len(o.Contacts) != 1 {
				t.Errorf("%s contacts = %+v", o.Name, o.Contacts)
			}
			names = append(names, o.Name)
		}
		path = ""
		if page.Next != "" {
			path = "/api/v1/orgs?limit=2&cursor=" + url.QueryEscape(page.Next)
		}
	}
	if strings.Join(names, ",") != "Org 00,Org 01,Org 02" {
		t.Errorf("orgs over pages = %v", names)
	}
}

func TestBoardPagesAndTotals(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.withCases(3)
	resp, body := v.do("GET", "/board?limit=2", token, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("board: %d %s", resp.StatusCode, body)
	}
	if n := strings.Count(body, `id="case-`); n != 2 {
		t.Errorf("board page has %d cases; want 2", n)
	}
	if !strings.Contains(body, "<strong>All: 3</strong>") || !strings.Contains(body, `data-state="open">Open: 3</a>`) {
		t.Errorf("board does not show the totals per state:\n%s", body)
	}
	next := strings.Index(body, `rel="next"`)
	href := strings.LastIndex(body[:max(next, 0)], `href="`)
	if next < 0 || href < 0 {
		t.Fatalf("no link to the next page:\n%s", body)
	}
	link := strings.ReplaceAll(body[href+6:strings.Index(body[href+6:], `"`)+href+6], "&amp;", "&")
	_, body = v.do("GET", link, token, "", "")
	if n := strings.Count(body, `id="case-`); n != 1 || strings.Contains(body, `rel="next"`) {
		t.Errorf("second page: %d cases; want the last one and no next link", n)
	}
}

func TestOutboxExplainsItsStates(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.withCases(1) // no relay: the notice is held
	resp, body := v.do("GET", "/outbox", token, "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<td>held</td>") {
		t.Fatalf("outbox: %d\n%s", resp.StatusCode, body)
	}
	for _, state := range []string{"pending", "sending", "sent", "failed", "held", "cancelled"} {
		if !regexp.MustCompile(`state=` + state + `">` + state + `</a></th><td>\w+`).MatchString(body) {
			t.Errorf("the outbox page does not explain %q", state)
		}
	}
}

// TestCSVExportsEveryPage: the export streams past the first page.
func TestCSVExportsEveryPage(t *testing.T) {
	v := newEnv(t)
	n := defaultPage + 5
	now := v.engine.Now()
	err := v.db.Update(context.Background(), func(tx *store.Tx) error {
		if err := tx.PutAdvisory(&store.Advisory{ID: "SA1", Revision: "1", Format: "heed", Title: "t", Severity: "high", Doc: []byte("{}"), ReceivedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		for i := range n {
			org := &store.Org{ID: fmt.Sprintf("org_%05d", i), Name: fmt.Sprintf("Org %05d", i), Language: "en", Timezone: "UTC", CreatedAt: now}
			if err := tx.CreateOrg(org); err != nil {
				return err
			}
			c := &store.Case{ID: fmt.Sprintf("case_%05d", i), AdvisoryID: "SA1", OrgID: org.ID, State: store.CaseOpen, OpenedAt: now, DueAt: now, UpdatedAt: now}
			if err := tx.CreateCase(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := v.do("GET", "/api/v1/cases?format=csv", token, "", "")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		seen[strings.Split(l, ",")[0]] = true
	}
	if resp.StatusCode != http.StatusOK || len(lines) != n+1 || len(seen) != n || !strings.Contains(body, "Org 01004") {
		t.Errorf("CSV of %d cases: %d, %d lines, %d distinct cases", n, resp.StatusCode, len(lines), len(seen))
	}
}
