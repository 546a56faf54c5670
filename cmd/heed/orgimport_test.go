package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier/clock"
)

// TestOrgImportCLI: heed org import sends the file to the running server,
// says what it created and updated, and on a bad row names its line and
// imports nothing.
func TestOrgImportCLI(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr), clock.NewFake(testStart))
	conf := h.cliConfig()
	dir := t.TempDir()
	good := filepath.Join(dir, "orgs.csv")
	must(t, os.WriteFile(good, []byte("external_id,name,language,timezone,contacts,escalation\n"+
		"A-1,Alpha KK,ja,Asia/Tokyo,sec@alpha.test;cert@alpha.test,boss@alpha.test\nB-2,Beta Ltd,en,UTC,sec@beta.test,\n"), 0o600))
	code, out, errOut := heedCLI(t, "org", "import", "-config", conf, good)
	if code != 0 || !strings.Contains(out, "2 organizations created, 0 organizations updated") {
		t.Fatalf("org import: %d %q %q", code, out, errOut)
	}
	code, out, errOut = heedCLI(t, "org", "import", "-config", conf, good)
	if code != 0 || !strings.Contains(out, "0 organizations created, 2 organizations updated") {
		t.Fatalf("org import again: %d %q %q", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.csv")
	must(t, os.WriteFile(bad, []byte("external_id,name,language,timezone,contacts,escalation\n"+
		"C-3,Gamma KK,en,UTC,sec@gamma.test,\nD-4,Delta KK,fr,UTC,sec@delta.test,\n"), 0o600))
	code, _, errOut = heedCLI(t, "org", "import", "-config", conf, bad)
	if code == 0 || !strings.Contains(errOut, "line 3") || !strings.Contains(errOut, "language") || strings.Count(errOut, "nothing imported") != 1 {
		t.Fatalf("org import of a bad file: %d %q", code, errOut)
	}
	code, out, _ = heedCLI(t, "org", "list", "-config", conf)
	if code != 0 || strings.Contains(out, "Gamma") || !strings.Contains(out, "cert@alpha.test") {
		t.Fatalf("after a refused file the list is:\n%s", out)
	}
}
