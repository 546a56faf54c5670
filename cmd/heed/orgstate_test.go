package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOrgDeactivateActivateDeleteCLI: heed org delete refuses an
// organization with a case and says to deactivate it; heed org deactivate
// closes its case and mails nobody (the relay gets nothing more), the list
// says so; heed org activate opens the case again with a new notice; an
// organization without cases is deleted.
func TestOrgDeactivateActivateDeleteCLI(t *testing.T) {
	h, mails := heedKnowing(t, "advisories.heed", sa44101Path)
	conf := h.cliConfig()
	code, out, errOut := heedCLI(t, "org", "add", "-config", conf, "-name", "Leaving Corp", "-contact", "sec@leaving.test")
	if code != 0 {
		t.Fatalf("org add: %d %s", code, errOut)
	}
	orgID := strings.TrimSpace(out)
	csv := filepath.Join(t.TempDir(), "inv.csv")
	must(t, os.WriteFile(csv, []byte("vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn1\n"), 0o600))
	if code, out, errOut := heedCLI(t, "inventory", "import", "-config", conf, "-org", orgID, csv); code != 0 || !strings.Contains(out, "1 new case opened") {
		t.Fatalf("inventory import: %d %q %q", code, out, errOut)
	}
	if m := mails.next(t); m.To != "sec@leaving.test" {
		t.Fatalf("the notice went to %s", m.To)
	}

	code, _, errOut = heedCLI(t, "org", "delete", "-config", conf, orgID)
	if code == 0 || !strings.Contains(errOut, "it has cases (1)") || !strings.Contains(errOut, "heed org deactivate "+orgID) {
		t.Errorf("org delete of an organization with a case: %d %q; want a refusal suggesting deactivation", code, errOut)
	}
	code, out, errOut = heedCLI(t, "org", "deactivate", "-config", conf, orgID)
	if code != 0 || !strings.Contains(out, "1 case closed") || !strings.Contains(out, "nobody was mailed") {
		t.Fatalf("org deactivate: %d %q %q", code, out, errOut)
	}
	code, out, _ = heedCLI(t, "org", "list", "-config", conf)
	if code != 0 || !strings.Contains(out, "STATUS") || !strings.Contains(out, "deactivated 20") {
		t.Errorf("org list does not say the organization is deactivated:\n%s", out)
	}
	var c struct {
		Cases []struct{ State, ClosedReason string }
	}
	h.api("GET", "/api/v1/cases?org="+orgID, "", nil, &c)
	if len(c.Cases) != 1 || c.Cases[0].State != "closed" {
		t.Errorf("cases after deactivation: %+v; want the one, closed", c.Cases)
	}

	// Activated again: the next mail the relay gets is the new notice, so
	// no closing mail went between.
	code, out, errOut = heedCLI(t, "org", "activate", "-config", conf, orgID)
	if code != 0 || !strings.Contains(out, "1 case opened") {
		t.Fatalf("org activate: %d %q %q", code, out, errOut)
	}
	if m := mails.next(t); m.To != "sec@leaving.test" || !strings.Contains(m.Subject, "action required") || mails.count() != 2 {
		t.Errorf("after activation the relay got %q to %s (%d mails in all); want the new notice, the second mail", m.Subject, m.To, mails.count())
	}

	code, out, errOut = heedCLI(t, "org", "add", "-config", conf, "-name", "Never Corp", "-contact", "sec@never.test")
	if code != 0 {
		t.Fatalf("org add: %d %s", code, errOut)
	}
	never := strings.TrimSpace(out)
	if code, out, errOut := heedCLI(t, "org", "delete", "-config", conf, never); code != 0 || !strings.Contains(out, never+" deleted") {
		t.Errorf("org delete of an organization without cases: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := heedCLI(t, "org", "delete", "-config", conf, never); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("deleting it again: %d %q; want not found", code, errOut)
	}
}
