package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
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

// TestEmbeddedDefaults runs Heed the way the README's first command does:
// embedded NATS with JetStream, no relay. The CLI publishes to the embedded
// server, the mail is held in the outbox, the operator sees it in the web
// view, and its link opens the case.
func TestEmbeddedDefaults(t *testing.T) {
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.Store.Path = filepath.Join(dir, "heed-data", "heed.db")
	cfg.NATS.EmbeddedDir = filepath.Join(dir, "heed-data", "nats")
	cfg.NATS.EmbeddedListen = "127.0.0.1:0" // a port from the kernel
	cfg.HTTP.AdminToken = testToken
	must(t, cfg.validate())
	h := startHeed(t, cfg, clock.NewFake(time.Now()))

	conf := h.cliConfig()
	code, out, errOut := heedCLI(t, "org", "add", "-config", conf, "-name", "Example KK", "-language", "ja", "-timezone", "Asia/Tokyo", "-contact", "security@example.co.jp")
	if code != 0 {
		t.Fatalf("org add: %s", errOut)
	}
	orgID := strings.TrimSpace(out)
	if code, _, errOut := heedCLI(t, "inventory", "import", "-config", conf, "-org", orgID, "../../testdata/inventory-example.csv"); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	code, out, errOut = heedCLI(t, "publish", "-config", conf, "../../testdata/advisories/sa44101.heed.json")
	if code != 0 || !strings.Contains(out, "SA44101 revision 1") || !strings.Contains(out, "stream ADVISORIES #1") {
		t.Fatalf("publish: %d %q %q", code, out, errOut)
	}
	code, out, _ = heedCLI(t, "publish", "-config", conf, "../../testdata/advisories/sa44101.heed.json")
	if code != 0 || !strings.Contains(out, "duplicate") {
		t.Errorf("publishing the same revision again: %q; want it reported as a duplicate", out)
	}
	// On another subject (another publisher's) it is a message of its own:
	// a copy someone else sent first must not make the stream drop it.
	code, out, _ = heedCLI(t, "publish", "-config", conf, "-subject", "advisories.other", "../../testdata/advisories/sa44101.heed.json")
	if code != 0 || strings.Contains(out, "duplicate") || !strings.Contains(out, "stream ADVISORIES #2") {
		t.Errorf("the same revision on another subject: %q; want it taken as stream message #2", out)
	}

	// A document over NATS's default 1 MiB, as real CSAF files can be.
	big := filepath.Join(dir, "big.json")
	var entries []string
	for i := range 20000 {
		entries = append(entries, fmt.Sprintf(`{"vendor":"Vendor %d","product":"Product %d","versions":["1.%d"]}`, i, i, i))
	}
	must(t, os.WriteFile(big, []byte(`{"heed_advisory":1,"id":"BIG-1","revision":1,"title":"many products","affected":[`+
		strings.Join(entries, ",")+`]}`), 0o600))
	if code, out, errOut := heedCLI(t, "publish", "-config", conf, big); code != 0 || !strings.Contains(out, "BIG-1") {
		t.Errorf("publish of a 1.5 MB advisory: %d %q %q", code, out, errOut)
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := browser.PostForm(h.base+"/login", url.Values{"token": {testToken}})
	must(t, err)
	resp.Body.Close()
	var outboxPage string
	eventually.Check(t, 20*time.Second, func() error {
		if outboxPage = fetch(t, browser, h.base+"/outbox"); !strings.Contains(outboxPage, "/outbox/1") {
			return fmt.Errorf("the notice is not in the outbox:\n%s", outboxPage)
		}
		return nil
	})
	if !strings.Contains(outboxPage, "held") {
		t.Errorf("without a relay the mail should be held:\n%s", outboxPage)
	}
	msgPage := fetch(t, browser, h.base+"/outbox/1")
	link := regexp.MustCompile(`href="(http://[^"]+/ack/[^"]+)"`).FindStringSubmatch(msgPage)
	if link == nil || !strings.Contains(msgPage, "security@example.co.jp") {
		t.Fatalf("message page lacks the recipient or the link:\n%s", msgPage)
	}
	if html := fetch(t, browser, h.base+"/outbox/1/html"); !strings.Contains(html, "SA44101") {
		t.Errorf("HTML part not served")
	}
	ack := fetch(t, http.DefaultClient, link[1])
	if !strings.Contains(ack, "9.0R3.3") || !strings.Contains(ack, `lang="ja"`) {
		t.Errorf("ack page of a Japanese org does not show the item in Japanese:\n%s", ack)
	}
	eventually.Check(t, 20*time.Second, func() error {
		var list struct{ Advisories []struct{ ID string } }
		if h.api("GET", "/api/v1/advisories", "", nil, &list); len(list.Advisories) != 2 {
			return fmt.Errorf("the large advisory was not taken in: %+v", list)
		}
		return nil
	})
	if got := fetch(t, http.DefaultClient, h.base+"/healthz"); strings.TrimSpace(got) != `{"status":"ok","role":"active"}` {
		t.Errorf("healthz: %q", got)
	}
}

func fetch(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, b)
	}
	return string(b)
}
