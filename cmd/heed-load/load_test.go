package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestMain(m *testing.M) {
	if os.Getenv(sinkEnv) == "1" {
		os.Exit(runSink()) // the sink process is this test binary again
	}
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built is heed, built once for the tests that run it.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

// testHeed is the path of a heed binary built from this tree.
func testHeed(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "heed-load-test-"); built.err == nil {
			built.bin, built.err = buildHeed(context.Background(), built.dir)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// TestLoadSmall runs the whole load command at a tiny size, so that it
// keeps working: a real heed serve built from this tree, the sink in its
// own process, two fan-out/raw pairs (-repeat 2), every organization
// mailed exactly once by each fan-out; both wire baselines (go-smtp's
// client and Heed's relay client alone) measured in each pair, every one
// of their mails accepted; the CPU of heed, the sink and each client
// measured and their medians printed with both ratios; heed's heap profile
// written and its peak in the summary.
func TestLoadSmall(t *testing.T) {
	var out, progress bytes.Buffer
	heap := filepath.Join(t.TempDir(), "heap.pprof")
	res, err := run(context.Background(), []string{"-orgs", "50", "-items-per-org", "3", "-repeat", "2",
		"-raw-mails", "200", "-first-mail-runs", "3", "-first-mail-rounds", "2", "-dir", t.TempDir(), "-heed", testHeed(t), "-memprofile", heap}, &out, &progress)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	t.Logf("\n%s", out.String())
	if len(res.Pairs) != 2 {
		t.Fatalf("%d fan-out/raw pairs, want 2 (-repeat 2)", len(res.Pairs))
	}
	for i, p := range res.Pairs {
		f := p.Fanout
		if f.Mails != 50 || len(f.Problems) > 0 {
			t.Errorf("fan-out %d: %d mails, problems %q; want 50, one to each primary contact", i+1, f.Mails, f.Problems)
		}
		if f.Rate <= 0 || f.PeakRSS <= 0 || f.CPU.Heed <= 0 || f.CPU.Sink <= 0 || f.CPU.Busy <= 0 {
			t.Errorf("fan-out %d: %.0f mails/s, peak RSS %d, CPU %+v: want the rate, the memory and heed's, the sink's and the machine's CPU measured",
				i+1, f.Rate, f.PeakRSS, f.CPU)
		}
		// Each baseline's client is heed-load itself and the sink
		// receives: each used the processor.
		for _, b := range []struct {
			name string
			r    raw
		}{{"raw go-smtp", p.Raw}, {"relay client alone", p.Relay}} {
			if r := b.r; r.Mails != 200 || r.Size != int(f.Bytes)/f.Mails || r.Conns != 4 || r.Rate <= 0 ||
				r.CPU.Load <= 0 || r.CPU.Sink <= 0 || r.CPU.Busy <= 0 {
				t.Errorf("pair %d, %s: %d mails of %d bytes over %d connections, %.0f mails/s, CPU %+v; "+
					"want 200 of the fan-out's %d bytes over 4, the rate and the client's, the sink's and the machine's CPU measured",
					i+1, b.name, r.Mails, r.Size, r.Conns, r.Rate, r.CPU, int(f.Bytes)/f.Mails)
			}
		}
	}
	checkFirstMail(t, "", res, 2, 3)
	for _, want := range []string{"every primary contact got exactly one mail of each fan-out", "pair 1:", "pair 2:",
		", relay alone ", "| relay client ", "medians of the 2 pairs", "raw SMTP:    ", "relay alone: ",
		"% of raw loopback go-smtp", "% of Heed's own relay client alone: what Heed adds over its wire path",
		"CPU a mail:  fan-out: heed ", "; raw: client ", "; relay alone: client ", "cores; busy ", " during the relay run"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary does not say %q:\n%s", want, out.String())
		}
	}
	if st, err := os.Stat(heap); err != nil || st.Size() == 0 || !strings.Contains(res.HeapProfile, "peak_live_heap_mb=") {
		t.Errorf("-memprofile: file %v (err %v), summary line %q; want a profile and its peak in the summary", st, err, res.HeapProfile)
	}
}

// TestCheckRecipients: a missing, a doubled and an unexpected recipient
// (an escalation contact) are each named.
func TestCheckRecipients(t *testing.T) {
	if p := checkRecipients(map[string]int{contact(0): 1, contact(1): 1}, 2); len(p) != 0 {
		t.Errorf("exactly one each: problems %q", p)
	}
	got := checkRecipients(map[string]int{contact(0): 2, escalation(1): 1}, 2)
	want := []string{contact(0) + " got 2 mails", contact(1) + " got 0 mails", escalation(1) + " got 1 mails and should have got none"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// checkFirstMail: rounds rounds of runs single-organization advisories
// timed, each mailing its organization alone, their slowest named.
func checkFirstMail(t *testing.T, prefix string, res result, rounds, runs int) {
	t.Helper()
	if len(res.FirstMail) != rounds {
		t.Errorf("%sfirst mail: %d rounds, want %d", prefix, len(res.FirstMail), rounds)
	}
	for i, l := range res.FirstMail {
		if l.Runs != runs || len(l.Problems) > 0 || l.P99 <= 0 || len(l.Slowest) != min(runs, 3) {
			t.Errorf("%sfirst mail, round %d: %+v; want %d runs, each one mail to its organization, the slowest named", prefix, i+1, l, runs)
		}
	}
}

// TestOnboardedReused: the first run with -onboarded onboards and saves its
// database there; the next runs on a copy of it without onboarding, and
// every organization of the snapshot still gets its one mail. A snapshot
// of other organizations is refused, naming what it holds.
func TestOnboardedReused(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "onboarded")
	args := func(orgs string) []string {
		return []string{"-orgs", orgs, "-items-per-org", "3", "-raw-mails", "50", "-first-mail-runs", "2",
			"-onboarded", snap, "-dir", t.TempDir(), "-heed", testHeed(t)}
	}
	for i, wantReused := range []string{"", snap} {
		var out, progress bytes.Buffer
		res, err := run(context.Background(), args("20"), &out, &progress)
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, progress.String())
		}
		if res.Onboarding.Reused != wantReused {
			t.Errorf("run %d: onboarding reused %q, want %q\n%s", i+1, res.Onboarding.Reused, wantReused, progress.String())
		}
		if f := res.Pairs[0].Fanout; f.Mails != 20 || len(f.Problems) > 0 {
			t.Errorf("run %d: fan-out %d mails, problems %q; want 20, one to each primary contact", i+1, f.Mails, f.Problems)
		}
		checkFirstMail(t, fmt.Sprintf("run %d: ", i+1), res, 1, 2)
	}
	var out, progress bytes.Buffer
	_, err := run(context.Background(), args("21"), &out, &progress)
	if err == nil || !strings.Contains(err.Error(), "holds 20 organizations with 3 items each") {
		t.Errorf("a snapshot of 20 organizations used for 21: error %v, want one naming what it holds", err)
	}
}

// TestLoadAgainstARunningHeed loads a heed serve that heed-load did not
// start, as an operator loads a deployment: its URL, its NATS server and
// a sink started apart. Every organization gets its mail, Heed's CPU and
// memory come from its /metrics, a second run follows the first on the
// same Heed (advisories of its own), and a Heed holding organizations
// other than the load's is refused before anything is published.
func TestLoadAgainstARunningHeed(t *testing.T) {
	ctx := context.Background()
	s, err := startSink(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	h, err := startHeed(ctx, testHeed(t), t.TempDir(), s.smtpAddr, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop()
	t.Setenv(tokenEnv, h.token)
	args := []string{"-url", h.base, "-nats", h.nats, "-sink", s.base, "-orgs", "30", "-items-per-org", "3",
		"-raw-mails", "100", "-first-mail-runs", "2"}
	for round := range 2 {
		var out, progress bytes.Buffer
		res, err := run(ctx, args, &out, &progress)
		if err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, progress.String())
		}
		t.Logf("round %d:\n%s", round, out.String())
		if f := res.Pairs[0].Fanout; f.Mails != 30 || len(f.Problems) > 0 || f.PeakRSS <= 0 || f.StartRSS <= 0 {
			t.Errorf("round %d: fan-out %d mails, problems %q, RSS %d (peak %d); want 30, one to each, memory read", round, f.Mails, f.Problems, f.StartRSS, f.PeakRSS)
		}
		checkFirstMail(t, fmt.Sprintf("round %d: ", round), res, 1, 2)
	}

	if err := h.call(ctx, "POST", "/api/v1/orgs/import", "text/csv",
		[]byte("external_id,name,language,timezone,contacts,escalation\nreal-1,Someone Real,en,UTC,sec@real.example,\n"), nil); err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	_, err = run(ctx, args, &bytes.Buffer{}, &progress)
	if err == nil || !strings.Contains(err.Error(), "organizations other than the load's (1)") || strings.Contains(progress.String(), "publishing") {
		t.Errorf("a Heed with another organization: %v\n%s", err, progress.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-url", h.base, "-sink", s.base}, "-url needs -nats"},
		{[]string{"-sink", s.base}, "-sink goes with -url"},
		{[]string{"-url", h.base, "-nats", h.nats, "-sink", s.base, "-keep"}, "-keep starts a Heed of its own"},
	} {
		if _, err := run(ctx, c.args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.args, err, c.want)
		}
	}
}
