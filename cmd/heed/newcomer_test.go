package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier/clock"
)

// The rough edges a new user met on a first try, each tried as they would.

func TestUnknownCaseStateIsRefused(t *testing.T) {
	conf := tempConfig(t)
	code, out, errOut := heedCLI(t, "cases", "-config", conf, "-state", "bogus")
	if code == 0 || out != "" || !strings.Contains(errOut, `"bogus"`) ||
		!strings.Contains(errOut, "open, scheduled, answered, closed, watching") {
		t.Errorf("cases -state bogus: exit %d, stdout %q, stderr %q; want a failure naming the allowed states", code, out, errOut)
	}
}

func TestHelpOfOneCommand(t *testing.T) {
	code, _, errOut := heedCLI(t, "advisory", "inspect", "-h")
	if code != 0 || !strings.Contains(errOut, "heed advisory inspect FILE") || strings.Contains(errOut, "Flags:") {
		t.Errorf("advisory inspect -h: exit %d, %q; want its usage and no empty Flags: line", code, errOut)
	}
	code, out, _ := heedCLI(t, "org", "-h")
	if code != 0 || !strings.Contains(out, "heed org add") || !strings.Contains(out, "heed org list") ||
		strings.Contains(out, "heed serve") || strings.Contains(out, "heed inventory") {
		t.Errorf("org -h: exit %d, %q; want the org commands only", code, out)
	}
	code, _, errOut = heedCLI(t, "org")
	if code != 2 || !strings.Contains(errOut, "heed org add") || strings.Contains(errOut, "heed serve") {
		t.Errorf("org without a subcommand: exit %d, %q", code, errOut)
	}
}

func TestInventoryImportSaysWhatIsMissing(t *testing.T) {
	conf := tempConfig(t)
	code, _, errOut := heedCLI(t, "inventory", "import", "-config", conf, "../../testdata/inventory-example.csv")
	if code != 2 || !strings.Contains(errOut, "-org") || !strings.Contains(errOut, "which organization") {
		t.Errorf("import without -org: exit %d, %q; want it to ask for -org", code, errOut)
	}
	code, _, errOut = heedCLI(t, "inventory", "import", "-config", conf, "-org", "org_x")
	if code != 2 || !strings.Contains(errOut, "FILE.csv") {
		t.Errorf("import without a file: exit %d, %q; want it to ask for the file", code, errOut)
	}
}

func TestCountsInTheSingular(t *testing.T) {
	ns := startNATS(t)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), ""), clock.NewFake(testStart))
	conf := h.cliConfig()
	code, orgID, errOut := heedCLI(t, "org", "add", "-config", conf, "-name", "Solo KK", "-contact", "sec@solo.test")
	if code != 0 {
		t.Fatalf("org add: %s", errOut)
	}
	orgID = strings.TrimSpace(orgID)
	csv := filepath.Join(t.TempDir(), "one.csv")
	must(t, os.WriteFile(csv, []byte("vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn1\n"), 0o600))
	code, out, errOut := heedCLI(t, "inventory", "import", "-config", conf, "-org", orgID, csv)
	if code != 0 || !strings.Contains(out, "imported 1 item into") || strings.Contains(out, "1 items") {
		t.Errorf("import of one item: exit %d, %q %q", code, out, errOut)
	}
	code, out, _ = heedCLI(t, "advisory", "match", "-config", conf, sa44101Path)
	if code != 0 || !strings.Contains(out, "1 organization would be notified") || strings.Contains(out, "1 organizations") ||
		strings.Contains(out, "1 affected entries") {
		t.Errorf("advisory match: exit %d\n%s", code, out)
	}
}

// TestLinksFollowListen: with http.listen moved and http.public_url unset,
// the links in mails point where Heed listens, and start-up says so.
func TestLinksFollowListen(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	cfg := testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr)
	h := startHeed(t, cfg, clock.NewFake(testStart)) // listens on a port of the kernel's choosing
	if !strings.HasPrefix(h.base, "http://127.0.0.1:") || h.base == "http://127.0.0.1:8080" {
		t.Fatalf("base %q", h.base)
	}
	org := h.addOrg("Moved Corp", "sec@moved.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn1\n")
	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	if link := mails.next(t).ackLink(t); !strings.HasPrefix(link, h.base+"/ack/") {
		t.Errorf("link %s does not point where Heed listens (%s)", link, h.base)
	}
	if log := h.log.String(); !strings.Contains(log, "links in mails point at "+h.base+", derived from http.listen") {
		t.Errorf("start-up did not say where links point:\n%s", log)
	}
}

// tempConfig writes a config whose database is in a temp dir.
func tempConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "heed.toml")
	must(t, os.WriteFile(conf, []byte("[store]\npath = \""+filepath.Join(dir, "heed.db")+"\"\n"), 0o600))
	return conf
}
