package web

import (
	"encoding/xml"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/web/headless"
	"github.com/heed-dev/heed/store"
)

var ackPathRe = regexp.MustCompile(`http://heed\.test(/ack/[A-Za-z0-9_.-]+)`)

// uptakeHistory builds SA1 with four cases on a fake clock: the notices
// at the start, Org 00 answers "patched" a day later, Org 01 "mitigated"
// two days later, Org 02's link is opened by a person on the third day,
// and four days after the start the page is read. It returns the start.
func uptakeHistory(t *testing.T) (*env, time.Time) {
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	clk := clock.NewFake(start)
	v := newEnv(t, func(c *notifier.Config) { c.Clock = clk })
	v.withCases(4)
	links := map[string]string{} // org name → its ack link
	cp, err := v.db.CasePage(t.Context(), store.CaseQuery{CaseFilter: store.CaseFilter{AdvisoryID: "SA1"}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cp.Cases {
		ms, err := v.db.Mails(t.Context(), store.MailFilter{CaseID: c.ID})
		if err != nil || len(ms) == 0 {
			t.Fatalf("mails of %s: %v %v", c.ID, ms, err)
		}
		m, err := v.db.Mail(t.Context(), ms[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		pm, err := parseMessage(m.Message)
		if err != nil {
			t.Fatal(err)
		}
		links[cp.OrgNames[c.OrgID]] = v.srv.URL + ackPathRe.FindStringSubmatch(pm.text)[1]
	}
	clk.Set(start.Add(24 * time.Hour))
	v.answerThrough(links["Org 00"], "patched")
	clk.Set(start.Add(48 * time.Hour))
	v.answerThrough(links["Org 01"], "mitigated")
	clk.Set(start.Add(72 * time.Hour))
	req, _ := http.NewRequest("GET", links["Org 02"], nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	req.Header.Set("Accept-Language", "en")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("open Org 02's link: %v %v", resp, err)
	}
	clk.Set(start.Add(96 * time.Hour))
	return v, start
}

// svgRect is a rectangle of the uptake curve with the numbers it carries.
type svgRect struct {
	Class  string  `xml:"class,attr"`
	Status string  `xml:"data-status,attr"`
	From   string  `xml:"data-from,attr"`
	To     string  `xml:"data-to,attr"`
	Cases  int     `xml:"data-cases,attr"`
	Total  int     `xml:"data-total,attr"`
	X      float64 `xml:"x,attr"`
	Y      float64 `xml:"y,attr"`
	W      float64 `xml:"width,attr"`
	H      float64 `xml:"height,attr"`
}

type svgDoc struct {
	XMLName xml.Name  `xml:"svg"`
	Rects   []svgRect `xml:"rect"`
	Lines   []struct {
		Class string  `xml:"class,attr"`
		At    string  `xml:"data-at,attr"`
		X1    float64 `xml:"x1,attr"`
	} `xml:"line"`
}

// TestUptakeSVGHasTheCurvesPoints reads GET /advisories/{id}/uptake.svg as
// XML and finds each interval between answers drawn with its numbers: no
// band before the first answer, one "patched" case of four from day 1,
// then "patched" and "mitigated" stacked from day 2 to now, each as high
// as its share and placed on the time axis; the due date marked.
func TestUptakeSVGHasTheCurvesPoints(t *testing.T) {
	v, start := uptakeHistory(t)
	resp, body := v.do("GET", "/advisories/SA1/uptake.svg", token, "", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("GET uptake.svg: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var doc svgDoc
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("the SVG is not XML: %v\n%s", err, body)
	}
	cp, err := v.db.CasePage(t.Context(), store.CaseQuery{CaseFilter: store.CaseFilter{AdvisoryID: "SA1"}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	due := cp.Cases[0].DueAt
	now := start.Add(96 * time.Hour)
	end := now
	if due.After(end) {
		end = due
	}
	x := func(t time.Time) float64 { return plotLeftX + float64(t.Sub(start))/float64(end.Sub(start))*plotWidth }
	day := func(n int) string { return start.Add(time.Duration(n) * 24 * time.Hour).Format(time.RFC3339) }
	type band struct {
		status, from, to string
		cases            int
		bottom           float64 // cases below it in the stack
	}
	want := []band{
		{"patched", day(1), day(2), 1, 0},
		{"patched", day(2), day(4), 1, 0},
		{"mitigated", day(2), day(4), 1, 1},
	}
	var got []svgRect
	for _, r := range doc.Rects {
		if r.Class == "band" {
			got = append(got, r)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d bands, want %d: %+v", len(got), len(want), got)
	}
	unit := plotHeight / 4
	for i, w := range want {
		r := got[i]
		from, _ := time.Parse(time.RFC3339, w.from)
		to, _ := time.Parse(time.RFC3339, w.to)
		if r.Status != w.status || r.From != w.from || r.To != w.to || r.Cases != w.cases || r.Total != 4 {
			t.Errorf("band %d: %s %d/%d from %s to %s; want %s %d/4 from %s to %s", i, r.Status, r.Cases, r.Total, r.From, r.To,
				w.status, w.cases, w.from, w.to)
		}
		if !near(r.X, x(from)) || !near(r.W, x(to)-x(from)) || !near(r.H, float64(w.cases)*unit) ||
			!near(r.Y, plotBottomY-(w.bottom+float64(w.cases))*unit) {
			t.Errorf("band %d at x=%.2f w=%.2f y=%.2f h=%.2f; want x=%.2f w=%.2f y=%.2f h=%.2f", i, r.X, r.W, r.Y, r.H,
				x(from), x(to)-x(from), plotBottomY-(w.bottom+float64(w.cases))*unit, float64(w.cases)*unit)
		}
	}
	var dueLine bool
	for _, l := range doc.Lines {
		if l.Class == "due" {
			dueLine = l.At == due.Format(time.RFC3339) && near(l.X1, x(due))
		}
	}
	if !dueLine {
		t.Errorf("no due line at %s (x=%.2f): %+v", due.Format(time.RFC3339), x(due), doc.Lines)
	}
}

// The chart's plot area as the SVG draws it (templates/uptake.go).
const (
	plotLeftX, plotWidth    = 52.0, 648.0
	plotBottomY, plotHeight = 230.0, 214.0
)

func near(a, b float64) bool { return math.Abs(a-b) < 0.02 }

// TestAdvisoryPageShowsWhoIsSilent: the page of SA1 says who published it,
// its revisions, its cases by state, and lists the two silent
// organizations with their reminders and whether their link was opened;
// ?lang=ja shows it in Japanese and stores nothing (a GET changes nothing).
func TestAdvisoryPageShowsWhoIsSilent(t *testing.T) {
	v, _ := uptakeHistory(t)
	resp, body := v.do("GET", "/advisories/SA1", token, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /advisories/SA1: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{`id="publisher">default<`, `id="severity">Critical<`, "VPN flaw", `<svg `, `data-state="answered">2<`,
		`data-state="open">2<`, `id="silent-`, "opened 2026-05-04", "sec@org2.test", "not opened", "Revision history", "Silent: no answer yet, not yet due (2)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	resp, body = v.do("GET", "/advisories/SA1?lang=ja", token, "", "")
	if !strings.Contains(body, "改訂履歴") || !strings.Contains(body, `lang="ja"`) || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("?lang=ja: cookie %q, page:\n%s", resp.Header.Get("Set-Cookie"), body)
	}
	if resp, _ := v.do("GET", "/advisories/NOPE", token, "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown advisory: %d, want 404", resp.StatusCode)
	}
}

// TestAdvisoryPageInBrowser signs in with the form in headless Chromium,
// goes from the list of advisories to SA1's page, finds the curve drawn
// and the silent organizations listed, and leaves a screenshot in the
// test's output folder.
func TestAdvisoryPageInBrowser(t *testing.T) {
	v, _ := uptakeHistory(t)
	ctx := headless.Start(t)
	err := chromedp.Do(ctx,
		signInTasks(v.srv.URL, token),
		chromedp.Navigate(v.srv.URL+"/advisories"),
		chromedp.Click(chromedp.CSS(`a[href="/advisories/SA1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`svg.uptake`)),
	)
	if err != nil {
		t.Fatalf("open the advisory's page: %v", err)
	}
	bands, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.uptake rect.band").length`))
	if err != nil || bands != 3 {
		t.Errorf("bands drawn in the browser: %d, %v; want 3", bands, err)
	}
	silent, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("silent")))
	if err != nil || !strings.Contains(silent, "(2)") {
		t.Errorf("silent heading %q, %v", silent, err)
	}
	headless.Screenshot(ctx, t, "advisory-SA1.png")
	// The same page in Japanese, by the link on it.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"] svg.uptake`))); err != nil {
		t.Fatalf("switch to Japanese: %v", err)
	}
	headless.Screenshot(ctx, t, "advisory-SA1-ja.png")
	// From a silent organization to its page, back in English.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] svg.uptake`)),
		chromedp.Click(chromedp.CSS(`#silent + table a[href^="/orgs/"]`)), chromedp.WaitVisible(chromedp.ID("mails"))); err != nil {
		t.Fatalf("open a silent organization's page: %v", err)
	}
	headless.Screenshot(ctx, t, "org.png")
}

// TestOrgPageShowsItsEvidence: the page of Org 00 lists its contact (marked
// bounced once the relay refused it, with the refusal), its inventory by
// product, its case of SA1 with the answer, the notice sent to it and the
// answer in the history.
func TestOrgPageShowsItsEvidence(t *testing.T) {
	v, _ := uptakeHistory(t)
	var org store.Org
	err := v.db.Update(t.Context(), func(tx *store.Tx) error {
		orgs, err := tx.Orgs()
		if err != nil {
			return err
		}
		org = orgs[0]
		return tx.MarkBounced(org.Contacts[0].ID, time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC), "550 5.1.1 <sec@org0.test>: no such user")
	})
	if err != nil || org.Name != "Org 00" {
		t.Fatalf("org %+v, %v", org, err)
	}
	resp, body := v.do("GET", "/orgs/"+org.ID, token, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /orgs/%s: %d\n%s", org.ID, resp.StatusCode, body)
	}
	for _, want := range []string{"<h1>Org 00</h1>", "sec@org0.test", "bounced 2026-05-03", "550 5.1.1", "<td>Pulse Secure</td><td>Pulse Connect Secure</td><td>1</td>",
		`<a href="/advisories/SA1">SA1</a>`, "Answered", "Mails (1)", ">notice<", "Answers (1)", "Patched"} {
		if !strings.Contains(body, want) {
			t.Errorf("the organization's page lacks %q:\n%s", want, body)
		}
	}
	if _, board := v.do("GET", "/board", token, "", ""); !strings.Contains(board, `href="/orgs/`+org.ID+`"`) {
		t.Errorf("the board does not link to the organization's page")
	}
	if resp, _ := v.do("GET", "/orgs/nope", token, "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown organization: %d, want 404", resp.StatusCode)
	}
}

// TestRejectedPageSaysWhyAndWhose: a refused document is listed with its
// reason and the publisher that owns its subject; one on a subject no
// publisher owns says so.
func TestRejectedPageSaysWhyAndWhose(t *testing.T) {
	v := newEnv(t)
	err := v.db.Update(t.Context(), func(tx *store.Tx) error {
		for i, r := range []store.Rejected{
			{Subject: "advisories.ivanti.csaf", StreamSeq: 1, Reason: "csaf: document.category <script>: not an advisory", Payload: []byte("{}")},
			{Subject: "elsewhere.x", StreamSeq: 2, Reason: "no publisher owns this subject", Payload: []byte("{}")},
		} {
			r.ReceivedAt = time.Date(2026, 5, 1, i, 0, 0, 0, time.UTC)
			if err := tx.AddRejected(&r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := v.do("GET", "/rejected", token, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /rejected: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"<td>ivanti</td><td>advisories.ivanti.csaf</td>", "document.category &lt;script&gt;: not an advisory",
		"none owns this subject</span></td><td>elsewhere.x</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
}
