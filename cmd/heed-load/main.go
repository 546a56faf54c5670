// Command heed-load measures Heed's fan-out as an agency would see it: it
// runs a real "heed serve" (built from this repository) on a temporary
// database with its embedded NATS server, creates N organizations and
// their inventories through Heed's API, publishes one advisory that hits
// every one of them to NATS, and counts the mails at a go-smtp server in
// a process of its own. In the same run it measures what go-smtp's client
// and Heed's own relay client (notifier/relay) each move over loopback
// without Heed (same message size, same number of connections), and the time from publishing an advisory that hits one
// organization to its mail, over many such advisories.
//
//	go run ./cmd/heed-load -orgs 10000
//
// See docs/PERFORMANCE.md for results and -help for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	if os.Getenv(sinkEnv) == "1" {
		os.Exit(runSink())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == "sink" {
		err = sinkMain(ctx, os.Args[2:], os.Stdout, os.Stderr)
	} else {
		_, err = run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "heed-load:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	orgs, itemsPerOrg, conns      int
	importBatch, onboardConns     int
	rawMails, firstMailRuns       int
	firstMailRounds, repeat       int
	heed, dir, onboarded          string
	cpuProfile, memProfile, trace string
	keep                          bool
	timeout                       time.Duration
	remote                        remoteOptions // -url and what goes with it: a Heed already running
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("heed-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: go run ./cmd/heed-load [flags]

Runs "heed serve" (built from this repository unless -heed is given) on a
temporary database with its embedded NATS server and a go-smtp sink in
another process as its relay; creates -orgs organizations with
-items-per-org items each through the API (POST /api/v1/orgs/import, then
PUT /api/v1/orgs/{id}/inventory); publishes one critical advisory hitting
every organization and waits until each primary contact has its mail;
sends the same number of mails of the same size straight to the sink over
-conns connections, once with go-smtp's plain client (raw loopback go-smtp)
and once with Heed's own relay client alone (notifier/relay); then times
-first-mail-runs advisories that each hit one organization. Prints mails/s,
the ratio to raw (the target's) and to the relay client alone (what Heed
adds over its own wire path), the time to the first mail, the first-mail p50/p99 and Heed's peak
resident memory (VmHWM, counted from just before the publish).

With -url, loads a Heed already running instead (see remoteUsage below).
`+remoteUsage+`
Flags:
`)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.orgs, "orgs", 10000, "organizations, each with one primary and one escalation contact")
	fs.IntVar(&o.itemsPerOrg, "items-per-org", 10, "inventory items per organization (the first is hit by the fan-out advisory, the second by a single-organization one)")
	fs.IntVar(&o.conns, "conns", 4, "SMTP connections: heed's smtp.max_conns and the raw and relay-alone measurements'")
	fs.IntVar(&o.importBatch, "import-batch", 5000, "organizations per import request")
	fs.IntVar(&o.onboardConns, "onboard-conns", 4, "inventory uploads at once")
	fs.IntVar(&o.rawMails, "raw-mails", 0, "mails of the raw and relay-alone measurements (0: as many as organizations, at least 2,000, at most 100,000)")
	fs.IntVar(&o.firstMailRuns, "first-mail-runs", 100, "single-organization advisories timed for the first-mail percentiles (0: none)")
	fs.IntVar(&o.firstMailRounds, "first-mail-rounds", 1, "rounds of -first-mail-runs advisories, one after the other, each with its own percentiles")
	fs.IntVar(&o.repeat, "repeat", 1, "fan-out/raw pairs (each with its relay-alone run), one after the other, each fan-out a new advisory hitting every organization: each pair printed, then the medians")
	fs.StringVar(&o.heed, "heed", "", "the heed binary to run (default: go build github.com/heed-dev/heed/cmd/heed)")
	fs.StringVar(&o.dir, "dir", "", "folder for the database, NATS and heed's log (default: a temporary one, removed at the end)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "restart heed after the onboarding with heed serve -cpuprofile FILE: a profile of the fan-out and what follows, written when heed stops")
	fs.StringVar(&o.trace, "trace", "", "restart heed after the onboarding with heed serve -trace FILE: an execution trace of the fan-out and what follows (go tool trace -pprof=sync FILE: who waited for what)")
	fs.StringVar(&o.memProfile, "memprofile", "", "restart heed after the onboarding with heed serve -memprofile FILE: a heap profile at the highest live heap of the fan-out and what follows")
	fs.StringVar(&o.onboarded, "onboarded", "", "a folder for an onboarded database of these -orgs and -items-per-org: a copy of it replaces the onboarding; when it holds none yet, the run onboards and saves a copy there")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder (its path is printed)")
	fs.DurationVar(&o.timeout, "timeout", time.Hour, "how long the fan-out may take")
	o.remote.flags(fs)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch err := o.remote.check(fs); {
	case err != nil:
		return o, err
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q (see -help)", fs.Arg(0))
	case o.orgs < 1:
		return o, errors.New("-orgs: at least 1")
	case o.itemsPerOrg < 2:
		return o, errors.New("-items-per-org: at least 2 (the fan-out's item and the organization's own)")
	case o.conns < 1 || o.conns > 100:
		return o, errors.New("-conns: from 1 to 100 (smtp.max_conns's range)")
	case o.importBatch < 1 || o.onboardConns < 1:
		return o, errors.New("-import-batch and -onboard-conns: at least 1")
	case o.firstMailRuns < 0 || o.rawMails < 0:
		return o, errors.New("-first-mail-runs and -raw-mails: not negative")
	case o.firstMailRounds < 1:
		return o, errors.New("-first-mail-rounds: at least 1")
	case o.repeat < 1:
		return o, errors.New("-repeat: at least 1")
	}
	if o.rawMails == 0 {
		o.rawMails = min(max(o.orgs, 2000), 100000)
	}
	return o, nil
}

// result is everything a run measured.
type result struct {
	Onboarding onboarding
	Pairs      []pair      // one a -repeat
	FirstMail  []latencies // one a round
	Load       [2]string   // /proc/loadavg before and after
	// HeapProfile is heed's log line about its -memprofile.
	HeapProfile string
}

// run carries out one load run and prints its summary to stdout, progress
// to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (result, error) {
	var res result
	o, err := parseOptions(args, stderr)
	if err != nil {
		return res, err
	}
	if o.remote.url != "" {
		return runRemote(ctx, o, stdout, stderr)
	}
	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "heed-load-"); err != nil {
			return res, err
		}
		if o.keep {
			fmt.Fprintln(stderr, "heed-load: keeping", dir)
		} else {
			defer os.RemoveAll(dir)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	res.Load[0] = loadavg()
	bin := o.heed
	if bin == "" {
		fmt.Fprintln(stderr, "heed-load: building heed")
		if bin, err = buildHeed(ctx, dir); err != nil {
			return res, err
		}
	}
	s, err := startSink(ctx)
	if err != nil {
		return res, err
	}
	defer s.stop()
	profile, err := profileArgs(o)
	if err != nil {
		return res, err
	}
	h, err := startOnboarded(ctx, o, bin, dir, s.smtpAddr, profile, &res.Onboarding, stderr)
	if err != nil {
		return res, err
	}
	defer func() { h.stop() }()
	if err := measureAll(ctx, o, h, s, &res, stderr); err != nil {
		return res, fmt.Errorf("%w\nheed's output, last lines:\n%s", err, h.log.tail(4096))
	}
	res.Load[1] = loadavg()
	if o.memProfile != "" {
		h.stop() // heed writes its heap profile's log line as it stops
		res.HeapProfile = heapProfileLine(h.log.String())
	}
	printSummary(stdout, o, res)
	return res, nil
}

// profileArgs are heed serve's profile flags of the run, with absolute
// paths (heed runs in the run's folder).
func profileArgs(o options) ([]string, error) {
	var args []string
	for _, p := range []struct{ flag, path string }{{"-cpuprofile", o.cpuProfile}, {"-memprofile", o.memProfile}, {"-trace", o.trace}} {
		if p.path == "" {
			continue
		}
		path, err := filepath.Abs(p.path)
		if err != nil {
			return nil, err
		}
		args = append(args, p.flag, path)
	}
	return args, nil
}

// heapProfileLine is what heed logged of its heap profile as it stopped
// (path, peak live heap, Go's memory at the peak), empty if nothing.
func heapProfileLine(log string) string {
	for line := range strings.Lines(log) {
		if _, rest, ok := strings.Cut(line, `msg="heap profile written" `); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

func measureAll(ctx context.Context, o options, h *heedServer, s *sink, res *result, progress io.Writer) (err error) {
	p, err := o.remote.publisher(h.nats)
	if err != nil {
		return err
	}
	defer p.nc.Close()
	for i := range o.repeat {
		var pr pair
		// Each pair's fan-out is an advisory of its own; the first keeps
		// the id runs had before -repeat.
		id := p.prefix + "-FANOUT"
		if i > 0 {
			id += fmt.Sprintf("-%d", i+1)
		}
		fmt.Fprintf(progress, "heed-load: publishing one advisory hitting all %d organizations (%s, pair %d of %d)\n", o.orgs, id, i+1, o.repeat)
		if pr.Fanout, err = measureFanout(ctx, h, s, p, id, o.orgs, o.timeout, progress); err != nil {
			return err
		}
		size := int(pr.Fanout.Bytes / int64(max(pr.Fanout.Mails, 1)))
		fmt.Fprintf(progress, "heed-load: raw loopback SMTP: %d mails of %d bytes over %d connections\n", o.rawMails, size, o.conns)
		if pr.Raw, err = measureRaw(ctx, h, s, o.rawMails, size, o.conns); err != nil {
			return err
		}
		fmt.Fprintf(progress, "heed-load: Heed's relay client alone: the same %d mails over %d connections\n", o.rawMails, o.conns)
		if pr.Relay, err = measureRelay(ctx, h, s, o.rawMails, size, o.conns); err != nil {
			return err
		}
		res.Pairs = append(res.Pairs, pr)
	}
	for round := range o.firstMailRounds {
		if o.firstMailRuns == 0 {
			break
		}
		fmt.Fprintf(progress, "heed-load: timing the first mail of %d single-organization advisories (round %d of %d)\n", o.firstMailRuns, round+1, o.firstMailRounds)
		l, err := measureFirstMail(ctx, s, p, o.orgs, o.firstMailRuns, round, progress)
		if err != nil {
			return err
		}
		res.FirstMail = append(res.FirstMail, l)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadavg is the machine's load average, to say what else was running.
func loadavg() string {
	data, err := os.ReadFile(filepath.Join("/proc", "loadavg"))
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
