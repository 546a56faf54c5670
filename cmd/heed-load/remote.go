package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// heed-load against a Heed already running (-url): a deployment an
// operator wants to load-test, with its own NATS (-nats) and its relay
// pointed at a sink started apart ("heed-load sink", -sink). Nothing is
// started or built; onboarding, the fan-out, the wire baselines and the
// first-mail runs are as in a local run. Heed's CPU and memory come from
// its /metrics (the process collector), read with the admin token: the
// peak is the highest of one reading a second, not the kernel's.

// tokenEnv holds the admin token of the Heed under load (never a flag: it
// would show in the process list).
const tokenEnv = "HEED_ADMIN_TOKEN"

// runRemote is run() against a Heed already running.
func runRemote(ctx context.Context, o options, stdout, stderr io.Writer) (result, error) {
	var res result
	res.Load[0] = loadavg()
	token := os.Getenv(tokenEnv)
	if token == "" {
		return res, fmt.Errorf("-url: set %s to the admin token of the Heed under load", tokenEnv)
	}
	s, err := connectSink(ctx, o.remote.sink)
	if err != nil {
		return res, err
	}
	h := &heedServer{base: strings.TrimSuffix(o.remote.url, "/"), nats: o.remote.nats, token: token, remote: &remoteStats{}}
	var health struct{ Role string }
	if err := h.call(ctx, http.MethodGet, "/healthz", "", nil, &health); err != nil {
		return res, fmt.Errorf("-url: %w", err)
	}
	if health.Role != "active" {
		return res, fmt.Errorf("-url: %s is the %q Heed, not the active one: load the active one", o.remote.url, health.Role)
	}
	if others, err := otherOrgs(ctx, h); err != nil {
		return res, err
	} else if others > 0 {
		return res, fmt.Errorf("-url: %s holds organizations other than the load's (%d): the load's advisories name real products "+
			"and would mail them too; run heed-load against a deployment of its own (a staging copy)", o.remote.url, others)
	}
	fmt.Fprintf(stderr, "heed-load: loading %s (NATS %s, sink %s); creating %d organizations\n", h.base, h.nats, s.base, o.orgs)
	if _, res.Onboarding, err = onboard(ctx, h, o.orgs, o.itemsPerOrg, o.importBatch, o.onboardConns, stderr); err != nil {
		return res, err
	}
	stop := h.remote.sample(ctx, h)
	defer stop()
	if err := measureAll(ctx, o, h, s, &res, stderr); err != nil {
		if len(res.Pairs) == 0 { // the first fan-out did not finish
			err = fmt.Errorf("%w (is the Heed's [smtp] addr the sink's SMTP address, %s?)", err, s.smtpAddr)
		}
		return res, err
	}
	res.Load[1] = loadavg()
	printSummary(stdout, o, res)
	return res, nil
}

// otherOrgs counts the organizations of the deployment that are not the
// load's (named "Load organization N").
func otherOrgs(ctx context.Context, h *heedServer) (int, error) {
	n, cursor := 0, ""
	for {
		var page struct {
			Orgs []struct{ Name string }
			Next string
		}
		if err := h.call(ctx, http.MethodGet, "/api/v1/orgs?limit=10000&cursor="+url.QueryEscape(cursor), "", nil, &page); err != nil {
			return 0, fmt.Errorf("list organizations: %w", err)
		}
		for _, o := range page.Orgs {
			var i int
			if _, err := fmt.Sscanf(o.Name, "Load organization %d", &i); err != nil {
				n++
			}
		}
		if cursor = page.Next; cursor == "" {
			return n, nil
		}
	}
}

// remoteStats is what heed-load knows of a Heed it did not start: its CPU
// and resident memory as its /metrics says, the memory sampled for a peak.
type remoteStats struct {
	mu   sync.Mutex
	peak int64
}

// sample reads Heed's resident memory once a second until stop.
func (r *remoteStats) sample(ctx context.Context, h *heedServer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if rss, err := h.metric(ctx, "process_resident_memory_bytes"); err == nil {
				r.mu.Lock()
				r.peak = max(r.peak, int64(rss))
				r.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
	return func() { cancel(); <-done }
}

// metric reads one unlabelled value of Heed's /metrics.
func (h *heedServer) metric(ctx context.Context, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read heed's metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("read heed's metrics: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, fmt.Errorf("read heed's metrics: %s: %w", name, err)
			}
			return f, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read heed's metrics: %w", err)
	}
	return 0, fmt.Errorf("read heed's metrics: no %s (is the process collector registered?)", name)
}

// remoteMemory is memory() of a Heed elsewhere: VmRSS is the current
// reading, VmHWM the highest sampled since resetPeak.
func (h *heedServer) remoteMemory(field string) (int64, error) {
	rss, err := h.metric(context.Background(), "process_resident_memory_bytes")
	if err != nil {
		return 0, err
	}
	r := h.remote
	r.mu.Lock()
	defer r.mu.Unlock()
	r.peak = max(r.peak, int64(rss))
	switch field {
	case "VmRSS":
		return int64(rss), nil
	case "VmHWM":
		return r.peak, nil
	}
	return 0, errors.New("read heed's memory: no " + field + " in its metrics")
}

// connectSink finds a sink started apart ("heed-load sink") by its HTTP
// address, and its SMTP address from it.
func connectSink(ctx context.Context, base string) (*sink, error) {
	if base == "" {
		return nil, errors.New("-url needs -sink: the HTTP address of a running \"heed-load sink\", Heed's relay")
	}
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	s := &sink{base: strings.TrimSuffix(base, "/")}
	st, err := s.status(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("-sink: %w", err)
	}
	if st.SMTP == "" {
		return nil, fmt.Errorf("-sink: %s did not say its SMTP address (not a heed-load sink?)", base)
	}
	s.smtpAddr = st.SMTP
	return s, nil
}

// sinkMain is "heed-load sink": the sink on given addresses, until
// interrupted, for a Heed deployment to relay to.
func sinkMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("heed-load sink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	smtpAddr := fs.String("smtp", "127.0.0.1:2525", "address the SMTP server listens on (Heed's [smtp] addr, tls = \"none\")")
	httpAddr := fs.String("http", "127.0.0.1:2526", "address of the counts (heed-load -sink)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sink: unexpected argument %q", fs.Arg(0))
	}
	return serveSink(ctx, *smtpAddr, *httpAddr, stdout)
}

// remoteOptions are the flags of a run against a Heed already running.
type remoteOptions struct {
	url, nats, nkey, sink, subject string
}

// remoteUsage explains them in -help.
const remoteUsage = `
Against a running deployment (a staging one: the run refuses a Heed that
holds organizations other than the load's): start the sink where Heed's
relay can reach it, "go run ./cmd/heed-load sink -smtp ADDR -http ADDR",
set Heed's [smtp] addr to its SMTP address (tls = "none"), then
	HEED_ADMIN_TOKEN=... go run ./cmd/heed-load -url http://heed:8080 \
		-nats nats://heed:4222 -sink http://ADDR -orgs 10000
Heed's CPU and resident memory then come from its /metrics; the raw and
relay-alone measurements go from this machine to the sink. Each run's advisories
have ids of their own (HEED-LOAD-<time>-...), so runs can follow each other.
`

func (r *remoteOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&r.url, "url", "", "the base URL of a Heed already running, to load instead of starting one (admin token in "+tokenEnv+")")
	fs.StringVar(&r.nats, "nats", "", "with -url: the NATS server the Heed reads advisories from")
	fs.StringVar(&r.nkey, "nkey", "", "with -url: a publisher's NKey seed file (heed publisher key), when its NATS takes keys")
	fs.StringVar(&r.subject, "subject", subject, "with -url: the subject to publish on (one the Heed reads, and the -nkey's publisher owns)")
	fs.StringVar(&r.sink, "sink", "", "with -url: the HTTP address of the \"heed-load sink\" the Heed relays to")
}

// check refuses flags that go only with -url without it, and flags of a
// local run with it.
func (r *remoteOptions) check(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if r.url == "" {
		for _, name := range []string{"nats", "nkey", "subject", "sink"} {
			if set[name] {
				return fmt.Errorf("-%s goes with -url (a Heed already running)", name)
			}
		}
		return nil
	}
	if r.nats == "" || r.sink == "" {
		return errors.New("-url needs -nats (its NATS server) and -sink (the heed-load sink it relays to)")
	}
	for _, name := range []string{"heed", "dir", "cpuprofile", "memprofile", "trace", "onboarded", "keep"} {
		if set[name] {
			return fmt.Errorf("-%s starts a Heed of its own: not with -url", name)
		}
	}
	return nil
}

// publisher connects to the NATS server the run publishes to: the local
// Heed's embedded one, or with -url the deployment's (with -nkey's key).
func (r *remoteOptions) publisher(url string) (*publisher, error) {
	if r.url == "" {
		return connectPublisher(url)
	}
	var opts []nats.Option
	if r.nkey != "" {
		opt, err := nats.NkeyOptionFromSeed(r.nkey)
		if err != nil {
			return nil, fmt.Errorf("-nkey: %w", err)
		}
		opts = append(opts, opt)
	}
	p, err := connectPublisher(url, opts...)
	if err != nil {
		return nil, err
	}
	p.subject, p.prefix = r.subject, fmt.Sprintf("%s-%d", idPrefix, time.Now().Unix())
	return p, nil
}
