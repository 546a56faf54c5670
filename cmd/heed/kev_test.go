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

// kevCatalog is a KEV catalog written for these tests, listing cves.
func kevCatalog(cves ...string) []byte {
	var entries []string
	for _, c := range cves {
		entries = append(entries, `{"cveID":"`+c+`","dateAdded":"2021-11-03","dueDate":"2030-01-01"}`)
	}
	return []byte(`{"vulnerabilities":[` + strings.Join(entries, ",") + `]}`)
}

// sa44101NotExploited is SA44101 as published before anyone knew it was
// exploited: its cases follow the critical policy.
func sa44101NotExploited(t *testing.T) []byte {
	t.Helper()
	doc := strings.Replace(string(readFile(t, sa44101Path)), `"known_exploited": true,`, "", 1)
	if strings.Contains(doc, "known_exploited") {
		t.Fatal("SA44101's file says known_exploited in a way this test does not know")
	}
	return []byte(doc)
}

// TestKEVImportCLIAndPath: heed kev import sends the catalog to the running
// server, whose case of a catalogued CVE gets one "Now exploited" mail
// through the relay; the same catalog again mails nothing; a broken one
// imports nothing. The catalog at [kev] path is read at the start and
// again when it changes, by the active server.
func TestKEVImportCLIAndPath(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	dir := t.TempDir()
	watched := filepath.Join(dir, "kev-watched.json")
	must(t, os.WriteFile(watched, kevCatalog("CVE-2021-44228"), 0o600))
	cfg := testConfig(t, dir, ns.ClientURL(), mails.addr)
	cfg.KEV.Path, cfg.KEV.Interval = watched, "1s"
	h := startHeed(t, cfg, clock.NewFake(testStart))
	publish(t, ns.ClientURL(), "advisories.heed", sa44101NotExploited(t))
	eventually.True(t, 20*time.Second, "the advisory taken in", func() bool {
		var list struct{ Advisories []struct{ ID string } }
		h.api("GET", "/api/v1/advisories", "", nil, &list)
		return len(list.Advisories) == 1
	})
	org := h.addOrg("Exploited KK", "sec@kev.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn1\n")
	notice := mails.next(t)

	conf := h.cliConfig()
	file := filepath.Join(dir, "kev.json")
	must(t, os.WriteFile(file, kevCatalog("CVE-2019-11510"), 0o600))
	code, out, errOut := heedCLI(t, "kev", "import", "-config", conf, file)
	if code != 0 || !strings.Contains(out, "1 vulnerability new to Heed, 1 case now known exploited") {
		t.Fatalf("kev import: %d %q %q", code, out, errOut)
	}
	m := mails.next(t)
	if !strings.HasPrefix(m.Subject, "[Heed] Now exploited:") || m.InReplyTo != notice.MessageID {
		t.Errorf("after the import: %q in reply to %q; want Now exploited, in reply to the notice %s", m.Subject, m.InReplyTo, notice.MessageID)
	}
	var c struct {
		KnownExploited bool `json:"known_exploited"`
	}
	if h.api("GET", "/api/v1/cases/"+h.cases("org=" + org)[0].ID, "", nil, &c); !c.KnownExploited {
		t.Errorf("the case is not known_exploited in the API")
	}

	code, out, errOut = heedCLI(t, "kev", "import", "-config", conf, file)
	if code != 0 || !strings.Contains(out, "0 vulnerabilities new to Heed, 0 cases now known exploited") {
		t.Fatalf("the same catalog again: %d %q %q", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.json")
	must(t, os.WriteFile(bad, []byte(`{"vulnerabilities":[{"cveID":"CVE-2024-21887","dateAdded":"2024-01-10"},{"cveID":"CVE-2023-46805"}]}`), 0o600))
	if code, _, errOut = heedCLI(t, "kev", "import", "-config", conf, bad); code == 0 || !strings.Contains(errOut, "nothing imported") ||
		!strings.Contains(errOut, "vulnerabilities[1] (CVE-2023-46805).dateAdded: missing") {
		t.Errorf("a broken catalog: %d %q; want a failure naming the entry", code, errOut)
	}

	// The watched file was read at the start; a change is read again.
	fromFile := func() int {
		var page struct {
			Entries []struct{ Action, Via string }
		}
		h.api("GET", "/api/v1/audit", "", nil, &page)
		n := 0
		for _, e := range page.Entries {
			if e.Action == "kev.import" && e.Via == "file" {
				n++
			}
		}
		return n
	}
	eventually.True(t, 20*time.Second, "the watched catalog imported", func() bool { return fromFile() == 1 })
	must(t, os.WriteFile(watched, kevCatalog("CVE-2021-44228", "CVE-2024-21887"), 0o600))
	eventually.True(t, 20*time.Second, "the changed catalog imported", func() bool { return fromFile() == 2 })
	code, out, _ = heedCLI(t, "kev", "import", "-config", conf, watched)
	if code != 0 || !strings.Contains(out, "0 vulnerabilities new to Heed") {
		t.Errorf("the watched catalog through the CLI after the server read it: %q; want nothing new", out)
	}
	select {
	case m := <-mails.ch:
		t.Errorf("an unexpected mail: %q", m.Subject)
	case <-time.After(time.Second):
	}
}
