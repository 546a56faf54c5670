package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/eventually"
)

// TestSBOMImportMatchesLog4Shell: with the Log4Shell advisory known, heed
// inventory import of an SBOM — CycloneDX JSON, CycloneDX XML, SPDX JSON,
// each told from its content — whose components include
// pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 opens a case at its
// organization and the notice reaches the relay, naming the component and
// where the SBOM says it runs. A broken SBOM changes nothing.
func TestSBOMImportMatchesLog4Shell(t *testing.T) {
	h, mails := heedKnowing(t, "advisories.osv", "../../testdata/advisories/log4shell.osv.json")
	conf := h.cliConfig()
	for _, sbom := range []struct{ file, asset string }{
		{"webshop.cdx.json", "webshop 3.1.0"}, {"billing.cdx.xml", "billing 2.0"}, {"portal.spdx.json", "intranet-portal-5.0"}} {
		t.Run(sbom.file, func(t *testing.T) {
			name := strings.Split(sbom.file, ".")[0]
			code, out, errOut := heedCLI(t, "org", "add", "-config", conf, "-name", name, "-contact", "sec@"+name+".test")
			if code != 0 {
				t.Fatalf("org add: %d %s", code, errOut)
			}
			orgID := strings.TrimSpace(out)
			// A name that says nothing: the CLI tells the format from the content.
			path := filepath.Join(t.TempDir(), "sbom")
			must(t, os.WriteFile(path, readFile(t, "../../testdata/sbom/"+sbom.file), 0o600))
			code, out, errOut = heedCLI(t, "inventory", "import", "-config", conf, "-org", orgID, path)
			if code != 0 || !strings.Contains(out, "1 new case opened") {
				t.Fatalf("inventory import: %d %q %q", code, out, errOut)
			}
			m := mails.next(t)
			if m.To != "sec@"+name+".test" || !strings.Contains(m.Text, "log4j-core") || !strings.Contains(m.Text, "2.14.1") || !strings.Contains(m.Text, sbom.asset) {
				t.Errorf("the notice to %s does not name log4j-core 2.14.1 in %q:\n%s", m.To, sbom.asset, m.Text)
			}

			bad := filepath.Join(t.TempDir(), "broken.cdx.json")
			must(t, os.WriteFile(bad, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"x","purl":"pkg:"}]}`), 0o600))
			code, _, errOut = heedCLI(t, "inventory", "import", "-config", conf, "-org", orgID, bad)
			if code == 0 || !strings.Contains(errOut, `components[0] ("x"): purl "pkg:"`) {
				t.Errorf("a broken SBOM: %d %q; want a refusal naming the component", code, errOut)
			}
			var inv struct{ Items []struct{ PURL string } }
			h.api("GET", "/api/v1/orgs/"+orgID+"/inventory", "", nil, &inv)
			found := false
			for _, it := range inv.Items {
				found = found || strings.Contains(it.PURL, "log4j-core@2.14.1")
			}
			if !found {
				t.Errorf("after the broken SBOM the inventory is %+v; want the first SBOM's still", inv.Items)
			}
		})
	}
}

// heedKnowing starts heed serve with a relay (mails) and the advisory of
// path taken in from NATS on subject.
func heedKnowing(t *testing.T, subject, path string) (*heed, *sink) {
	t.Helper()
	ns := startNATS(t)
	mails := startSink(t)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr), clock.NewFake(testStart))
	publish(t, ns.ClientURL(), subject, readFile(t, path))
	eventually.True(t, 20*time.Second, "the advisory taken in", func() bool {
		var list struct{ Advisories []struct{ ID string } }
		h.api("GET", "/api/v1/advisories", "", nil, &list)
		return len(list.Advisories) == 1
	})
	return h, mails
}
