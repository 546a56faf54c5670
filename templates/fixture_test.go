package templates

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// tokyo is fixed rather than loaded from the system's zoneinfo so that the
// goldens do not depend on the machine.
var tokyo = time.FixedZone("JST", 9*60*60)

// sampleMail is the Pulse Secure case that Heed exists for.
func sampleMail(kind, lang string) MailData {
	return MailData{
		Kind:          kind,
		Lang:          lang,
		Location:      tokyo,
		OrgName:       "Example Manufacturing Co.",
		RecipientName: "Taro Yamada",
		Advisory: AdvisoryView{
			ID:             "SA44101",
			Revision:       "2",
			Publisher:      "Pulse Secure",
			Title:          "Pulse Connect Secure arbitrary file read",
			Severity:       "critical",
			CVEs:           []string{"CVE-2019-11510"},
			Summary:        "An unauthenticated remote attacker can send a crafted URI to read arbitrary files.\nStolen session data and credentials allow further access.",
			URL:            "https://kb.pulsesecure.net/articles/Pulse_Security_Advisories/SA44101",
			Published:      time.Date(2019, 4, 24, 0, 0, 0, 0, time.UTC),
			KnownExploited: true,
			Remediations: []RemediationView{
				{Category: "vendor_fix", Details: "Upgrade to 9.0R3.4 or later.", URL: "https://kb.pulsesecure.net/articles/Pulse_Security_Advisories/SA44101"},
				{Category: "mitigation", Details: "Reset all user passwords after upgrading."},
			},
			Notes:   []string{"Credentials stolen before patching remain valid until reset."},
			Relayed: &RelayedView{Publisher: "ivanti", Role: "vendor", RevisedBy: "nisc", ReviserRole: "agency", Signer: "0F6B0A3C9D2E4F5A6B7C8D9E0F1A2B3C4D5E6F70 (Ivanti PSIRT)"},
		},
		Items: []ItemView{
			{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3", Asset: "vpn-gw-01", Certainty: "affected", Reason: Reason{Code: "in_range", Args: []string{"9.0R3.3", "[9.0R1, 9.0R3.4)"}}},
			{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Asset: "vpn-gw-02", Certainty: "possible", Reason: Reason{Code: "no_version", Args: []string{"Pulse Connect Secure"}}},
		},
		DueAt:  time.Date(2019, 5, 1, 9, 0, 0, 0, time.UTC),
		AckURL: "https://heed.example.org/ack/3q2-7N_abcdEFGH",
	}
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./templates -update to create it): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; run go test ./templates -run %s -update and review the diff\n--- got ---\n%s", path, t.Name(), got)
	}
}
