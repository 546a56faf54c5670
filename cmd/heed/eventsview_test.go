package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier/clock"
)

// TestEventsViewOverTwoInstances: two heed serve, each the active Heed of
// its own partition (own database and consumer) on one NATS server, take
// in one advisory; one organization answers through its mail's link.
// "heed events view" shows the advisory across both (three opened, one
// answered, two silent) and, with -by-instance, each apart; -json says
// the same.
func TestEventsViewOverTwoInstances(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	var hs []*heed
	for i, orgs := range [][]string{{"Acme"}, {"Beta", "Gamma"}} {
		cfg := testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr)
		cfg.NATS.Consumer = []string{"heed-p00", "heed-p01"}[i]
		h := startHeed(t, cfg, clock.NewFake(testStart))
		for _, name := range orgs {
			org := h.addOrg(name, "sec@"+strings.ToLower(name)+".test")
			h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n")
		}
		hs = append(hs, h)
	}
	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	for _, m := range mails.nextN(t, 3) {
		if m.To != "sec@acme.test" {
			continue
		}
		link := m.ackLink(t)
		page := fetch(t, hs[0].http, link)
		csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)[1]
		resp, err := hs[0].http.PostForm(link, url.Values{"status": {"patched"}, "csrf": {csrf}})
		must(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("answer through the link: %d\n%s", resp.StatusCode, b)
		}
	}
	streamedEvents(t, eventsClient(t, ns.ClientURL()), 4) // three opened, one answered

	conf := hs[0].cliConfig()
	code, out, errOut := heedCLI(t, "events", "view", "-config", conf, "-by-instance")
	if code != 0 {
		t.Fatalf("events view: %d %s", code, errOut)
	}
	t.Logf("heed events view -by-instance:\n%s", out)
	rows := map[string]string{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) >= 6 {
			rows[f[len(f)-6]] = strings.Join(f[len(f)-5:], " ")
		}
	}
	sources := map[string]string{"all": "3 1 2 0 0", hs[0].base: "1 1 0 0 0", hs[1].base: "2 0 2 0 0"}
	for src, want := range sources {
		if rows[src] != want {
			t.Errorf("row of %s: %q, want opened answered silent overdue closed %q\n%s", src, rows[src], want, out)
		}
	}
	if !strings.Contains(out, "4 events read, 3 cases from 2 instances") {
		t.Errorf("summary line missing:\n%s", out)
	}

	code, out, errOut = heedCLI(t, "events", "view", "-config", conf, "-json")
	if code != 0 {
		t.Fatalf("events view -json: %d %s", code, errOut)
	}
	var got struct {
		Advisories map[string]struct{ Opened, Answered, Silent, Overdue, Closed int }
	}
	must(t, json.Unmarshal([]byte(out), &got))
	if c := got.Advisories["SA44101"]; c.Opened != 3 || c.Answered != 1 || c.Silent != 2 || len(got.Advisories) != 1 {
		t.Errorf("-json: %s", out)
	}
}
