package main

import (
	"net"
	"strconv"
	"strings"
	"testing"

	natstest "github.com/nats-io/nats-server/v2/test"

	"github.com/heed-dev/heed/notifier/clock"
)

// TestNATSRestart stops the NATS server under a running Heed and starts it
// again with the same store: intake resumes by itself, and what was
// published while Heed was reconnecting is processed.
func TestNATSRestart(t *testing.T) {
	opts := natstest.DefaultTestOptions
	opts.Port = -1
	opts.JetStream = true
	opts.StoreDir = t.TempDir()
	ns := natstest.RunServer(&opts)
	url := ns.ClientURL()
	_, port, _ := net.SplitHostPort(ns.Addr().String())

	mails := startSink(t)
	h := startHeed(t, testConfig(t, t.TempDir(), url, mails.addr), clock.NewFake(testStart))
	org := h.addOrg("Acme", "sec@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\nApache,log4j-core,2.14.1,,pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1,app\n")
	publish(t, url, "advisories.heed", readFile(t, sa44101Path))
	if m := mails.next(t); !strings.Contains(m.Subject, "SA44101") {
		t.Fatalf("before the restart: %q", m.Subject)
	}

	ns.Shutdown()
	ns.WaitForShutdown()
	p, err := strconv.Atoi(port)
	must(t, err)
	opts.Port = p
	ns = natstest.RunServer(&opts)
	t.Cleanup(ns.Shutdown)

	publish(t, url, "advisories.osv", readFile(t, "../../testdata/advisories/log4shell.osv.json"))
	if m := mails.next(t); !strings.Contains(m.Subject, "GHSA-jfh8-c2jp-5v3q") {
		t.Fatalf("after the restart: %q", m.Subject)
	}
	if cs := h.cases("org=" + org); len(cs) != 2 {
		t.Errorf("cases after the restart = %d, want 2 (nothing lost, nothing doubled)", len(cs))
	}
}
