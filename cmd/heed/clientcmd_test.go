package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/eventually"
)

// TestCLIGoesWhereTheServerIs: an inventory imported with the CLI opens a
// case whose notice the server sends through its relay, and whose link the
// server takes, like one it queued itself.
func TestCLIGoesWhereTheServerIs(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr), clock.NewFake(testStart))
	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	eventually.True(t, 20*time.Second, "the advisory taken in", func() bool {
		var list struct{ Advisories []struct{ ID string } }
		h.api("GET", "/api/v1/advisories", "", nil, &list)
		return len(list.Advisories) == 1
	})

	conf := h.cliConfig()
	code, out, errOut := heedCLI(t, "org", "add", "-config", conf, "-name", "CLI Corp", "-contact", "sec@cli.test")
	if code != 0 {
		t.Fatalf("org add: %d %s", code, errOut)
	}
	orgID := strings.TrimSpace(out)
	csv := filepath.Join(t.TempDir(), "inv.csv")
	must(t, os.WriteFile(csv, []byte("vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn1\n"), 0o600))
	code, out, errOut = heedCLI(t, "inventory", "import", "-config", conf, "-org", orgID, csv)
	if code != 0 || !strings.Contains(out, "1 new case opened") {
		t.Fatalf("inventory import: %d %q %q", code, out, errOut)
	}

	notice := mails.next(t)
	if notice.To != "sec@cli.test" {
		t.Fatalf("the notice went to %s", notice.To)
	}
	link := notice.ackLink(t)
	if !strings.HasPrefix(link, h.base+"/ack/") {
		t.Errorf("link %s is not the server's (%s)", link, h.base)
	}
	page := fetch(t, h.http, link)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)[1]
	resp, err := h.http.PostForm(link, url.Values{"status": {"patched"}, "csrf": {csrf}})
	must(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("answer through the link: %d\n%s", resp.StatusCode, b)
	}
	if cs := h.cases("org=" + orgID); len(cs) != 1 || cs[0].State != "answered" {
		t.Errorf("case after the answer: %+v", cs)
	}

	// Without a server to talk to, the command says so and changes nothing.
	code, _, errOut = heedCLI(t, "org", "add", "-config", conf, "-server", "http://127.0.0.1:1", "-name", "X", "-contact", "x@x.test")
	if code == 0 || !strings.Contains(errOut, "no Heed server answers at http://127.0.0.1:1") {
		t.Errorf("org add with no server: %d %q", code, errOut)
	}
}

// TestCLIElsewhereCreatesNoDatabase: run from another folder without a
// config, a command fails saying why, and leaves no empty database behind.
func TestCLIElsewhereCreatesNoDatabase(t *testing.T) {
	adv, err := filepath.Abs(sa44101Path)
	must(t, err)
	t.Chdir(t.TempDir())
	t.Setenv("HEED_ADMIN_TOKEN", "")
	for _, args := range [][]string{{"org", "list"}, {"cases"}, {"advisory", "match", adv}, {"token", "list"}, {"token", "add", "-role", "viewer"}} {
		code, _, errOut := heedCLI(t, args...)
		if code == 0 || !strings.Contains(errOut, "no database at") {
			t.Errorf("heed %s elsewhere: exit %d, %q; want a failure saying there is no database", strings.Join(args, " "), code, errOut)
		}
	}
	code, _, errOut := heedCLI(t, "org", "add", "-name", "Lost KK", "-contact", "sec@lost.test")
	if code == 0 || !strings.Contains(errOut, "HEED_ADMIN_TOKEN") {
		t.Errorf("org add without a token: exit %d, %q; want it to ask for the admin token", code, errOut)
	}
	if _, err := os.Stat("heed-data"); err == nil {
		t.Errorf("a command run elsewhere created heed-data/")
	}
}
