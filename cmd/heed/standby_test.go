package main

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/eventually"
)

// TestStandbyNeverDoubles runs two real heed serve processes on one NATS
// server and one database: one acts, the other waits; the advisory reaches
// each contact once; kill -9 of the active one, and the standby takes over
// within 15 s and sends the next reminder, once.
func TestStandbyNeverDoubles(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	dir := t.TempDir()
	// The second reaches the database through another path, as a machine
	// with the volume mounted elsewhere would: it cannot tell that the
	// first ran beside it, and waits for the lease's TTL (the default, 10s).
	must(t, os.Symlink(dir, filepath.Join(dir, "volume")))
	procs := make([]*heedProc, 2)
	for i, data := range []string{dir, filepath.Join(dir, "volume")} {
		config := processConfig(t, data, ns.ClientURL(), mails.addr, func(c *Config) {
			// The first reminder comes after the kill and the takeover
			// (SA44101 is known exploited: that policy schedules it).
			c.Policy = []PolicyConfig{{Severity: "known_exploited", Reminders: []string{"20s"}, Repeat: "1h"}}
		})
		sub := filepath.Join(dir, string(rune('a'+i)))
		must(t, os.Mkdir(sub, 0o700))
		procs[i] = newHeedProc(t, sub, config, testToken)
	}
	first, second := procs[0], procs[1]
	first.start()
	eventually.True(t, 10*time.Second, "the first heed serve active", func() bool { return role(first) == "active" })
	second.start()
	if r := role(second); r != "standby" {
		t.Fatalf("second heed serve: role %q, want standby", r)
	}

	contacts := []string{"sec@one.test", "sec@two.test"}
	for i, c := range contacts {
		var org struct{ ID string }
		// Either process serves the API: it writes to the one database.
		p := procs[i]
		if _, err := p.api("POST", "/api/v1/orgs", "application/json", orgJSON("Org "+c, c), &org); err != nil {
			t.Fatal(err)
		}
		if _, err := p.api("PUT", "/api/v1/orgs/"+org.ID+"/inventory", "text/csv",
			[]byte("vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,8.2R12,,,vpn\n"), nil); err != nil {
			t.Fatal(err)
		}
	}
	publish(t, ns.ClientURL(), "advisories.heed", readFile(t, sa44101Path))
	notices := mails.nextN(t, len(contacts))
	for i, m := range notices {
		if m.To != contacts[i] || !strings.Contains(m.Subject, "SA44101") || strings.Contains(m.Subject, "Reminder") {
			t.Errorf("notice %d: to %s, subject %q", i, m.To, m.Subject)
		}
	}
	time.Sleep(time.Second) // a doubled notice would arrive meanwhile
	if n := mails.count(); n != len(contacts) {
		t.Fatalf("%d mails for %d contacts: the advisory was mailed twice", n, len(contacts))
	}
	if r := role(second); r != "standby" {
		t.Fatalf("second heed serve: role %q while the first is alive, want standby", r)
	}

	first.kill()
	killed := time.Now()
	eventually.True(t, 15*time.Second, "the standby takes over", func() bool { return role(second) == "active" })
	t.Logf("takeover %v after kill -9", time.Since(killed).Round(100*time.Millisecond))

	reminders := mails.nextN(t, len(contacts))
	for i, m := range reminders {
		if m.To != contacts[i] || !strings.Contains(m.Subject, "Reminder 1") {
			t.Errorf("reminder %d: to %s, subject %q", i, m.To, m.Subject)
		}
	}
	time.Sleep(2 * time.Second)
	if n := mails.count(); n != 2*len(contacts) {
		t.Errorf("%d mails in all, want %d: one notice and one reminder per contact", n, 2*len(contacts))
	}
}

// role is what a running heed serve's /healthz says of it; "" when it does
// not answer.
func role(p *heedProc) string {
	var out struct{ Status, Role string }
	if code, err := p.api("GET", "/healthz", "", nil, &out); err != nil || code != http.StatusOK || out.Status != "ok" {
		return ""
	}
	return out.Role
}

// TestSecondHeedOnEmbeddedNATSRefuses: with the embedded NATS server a
// second heed serve cannot see the first's lease, so the database's lock
// refuses it, at once and saying why; and a taken port is named at once.
func TestSecondHeedOnEmbeddedNATSRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heed.db")
	f, err := lockDatabase(path, true)
	must(t, err)
	defer f.Close()
	for _, exclusive := range []bool{true, false} {
		if _, err := lockDatabase(path, exclusive); err == nil || !strings.Contains(err.Error(), "another heed serve is running on the database") {
			t.Errorf("second lock (exclusive %v): %v", exclusive, err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	start := time.Now()
	cfg := defaultConfig().NATS
	cfg.EmbeddedListen, cfg.EmbeddedDir = ln.Addr().String(), t.TempDir()
	_, err = startEmbeddedNATS(cfg, nil, nil)
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) || !strings.Contains(err.Error(), "port is taken") {
		t.Errorf("embedded NATS on a taken port: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second { // the old wait was 15 s; a loaded machine may take a moment
		t.Errorf("took %v to fail", d)
	}
}
