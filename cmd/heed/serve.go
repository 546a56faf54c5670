package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/inbound"
	"github.com/heed-dev/heed/notifier/relay"
	"github.com/heed-dev/heed/notifier/web"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("serve", "heed serve [-config FILE] [-cpuprofile FILE] [-memprofile FILE] [-trace FILE]", stderr)
	configPath := fs.String("config", "", "configuration file (TOML); default: built-in defaults")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to FILE when heed stops (go tool pprof FILE)")
	traceFile := fs.String("trace", "", "write an execution trace of the whole run to FILE when heed stops (go tool trace FILE; -pprof=sync shows who waited for what)")
	memProfile := fs.String("memprofile", "", "write a heap profile to FILE at the run's highest live heap (go tool pprof -sample_index=inuse_space FILE)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *traceFile != "" {
		stop, err := startTrace(*traceFile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *memProfile != "" {
		p, err := startHeapProfile(*memProfile, log)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, p.finish()) }()
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, serveOptions{Log: log, Out: stdout})
}

// The relay client's errors tell delivery what a failed send means.
var _ notifier.SendError = (*relay.Error)(nil)

// serveOptions are the parts of serve that tests replace.
type serveOptions struct {
	Log      *slog.Logger
	Out      io.Writer   // where a generated admin token is printed
	Clock    clock.Clock // default: real time
	Listener net.Listener
	Ready    func(addr string) // called once HTTP is listening
	// EmbeddedNATS, when set, is told the embedded NATS server's address
	// once it listens (with nats.embedded_listen's port 0, the kernel's pick).
	EmbeddedNATS func(addr string)
	// Inbound, when set, is told the inbound SMTP server's address once it
	// listens.
	Inbound func(addr string)
}

// serve runs Heed until ctx ends, then drains: intake stops taking messages,
// HTTP finishes its requests, the loops finish their current batch.
func serve(ctx context.Context, cfg Config, opt serveOptions) error {
	log := opt.Log
	dbLock, err := lockDatabase(cfg.Store.Path, cfg.NATS.URL == "")
	if err != nil {
		return err
	}
	defer dbLock.Close()
	var mailRelay notifier.Relay
	if cfg.SMTP.Addr != "" {
		r, err := relay.New(relay.Config{Addr: cfg.SMTP.Addr, TLS: cfg.SMTP.TLS, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, MaxConns: cfg.SMTP.MaxConns, Logger: log})
		if err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
		defer r.Close()
		mailRelay = r
	}
	a, err := openApp(ctx, cfg, opt.Clock, log, mailRelay)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.engine.Access.EnsureAdmin(ctx, cfg.HTTP.AdminToken, opt.Out); err != nil {
		return err
	}

	var natsOpts []nats.Option
	if cfg.NATS.URL == "" {
		users, heedSeed, err := natsUsers(ctx, a.db, cfg)
		if err != nil {
			return err
		}
		if heedSeed != nil {
			opt, err := nkeyOption(heedSeed)
			if err != nil {
				return err
			}
			natsOpts = append(natsOpts, opt)
		}
		ns, err := startEmbeddedNATS(cfg.NATS, log, users)
		if err != nil {
			return err
		}
		defer func() {
			ns.Shutdown()
			ns.WaitForShutdown()
		}()
		cfg.NATS.EmbeddedListen = ns.Addr().String()
		if opt.EmbeddedNATS != nil {
			opt.EmbeddedNATS(cfg.NATS.EmbeddedListen)
		}
	}
	nc, err := connectNATS(cfg.NATS, "heed serve", log, natsOpts...)
	if err != nil {
		return err
	}
	defer nc.Drain()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	// The stream exists before /healthz answers: a publisher's key may not
	// create it, and its plain publish to a subject without a stream is
	// lost without a word, while act (which ensures it too) may still be
	// waiting for the lease or recomputing lookup keys.
	if _, err := notifier.EnsureStream(ctx, js, cfg.NATS.intake()); err != nil {
		return err
	}

	ttl, _ := notifier.ParseDuration(cfg.HA.LeaseTTL) // validated
	ls, err := openLease(ctx, js, cfg.NATS.leaseKey(), cfg.Store.Path, ttl, log)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := a.engine.Register(reg); err != nil {
		return err
	}
	publicURL, derived := cfg.HTTP.publicURL()
	if derived {
		log.Info("http.public_url is not set: links in mails point at " + publicURL + ", derived from http.listen; set http.public_url to the address recipients reach")
	}
	srv, err := web.New(web.Config{Records: a.db, Orgs: a.engine.Orgs, Answers: a.engine.Answers, Links: a.engine.Links, Access: a.engine.Access, Alerts: a.engine.Delivery, Approvals: a.engine.Cases, Subjects: a.engine.Intake, Review: a.engine.Review, KEV: a.engine.Cases, Now: a.engine.Now, Role: ls.Role,
		Secure: strings.HasPrefix(publicURL, "https://"), Metrics: reg, Logger: log})
	if err != nil {
		return err
	}
	if cfg.Inbound.Listen != "" {
		stop, err := serveInbound(cfg.Inbound, a, log, opt.Inbound)
		if err != nil {
			return err
		}
		defer stop()
	}
	ln := opt.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.HTTP.Listen); err != nil {
			return fmt.Errorf("http.listen %s: %w", cfg.HTTP.Listen, err)
		}
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		// Everything that reads advisories, sends mail or changes data on
		// a timer runs only while this process holds the lease.
		if err := ls.run(ctx, func(ctx context.Context) error { return act(ctx, a, js, cfg, opt.Clock, log) }); err != nil {
			errc <- err
		}
	}()
	go func() {
		defer wg.Done()
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	log.Info("heed is running", "http", ln.Addr().String(), "public_url", publicURL,
		"nats", redactURL(natsURL(cfg.NATS)), "store", cfg.Store.Path, "relay", relayName(cfg))
	if opt.Ready != nil {
		opt.Ready(ln.Addr().String())
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		log.Error("stopping", "err", runErr)
	}
	cancel()
	shutdownCtx, done := context.WithTimeout(context.Background(), 15*time.Second)
	defer done()
	httpSrv.Shutdown(shutdownCtx)
	wg.Wait()
	log.Info("heed stopped")
	return runErr
}

// act is what only the holder of the lease does: re-keying when the way
// names are matched changed (the items' beside the rest), intake, the
// reminder, delivery and near-miss loops (Engine.Run), publishing case
// events, the pruning of mail bodies and the re-reading of kev.path. It returns when ctx ends (the process
// stops, or the lease is lost) once they have all stopped.
func act(parent context.Context, a *app, js jetstream.JetStream, cfg Config, clk clock.Clock, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	// Delivery's journal (heed.db.delivery) is opened before anything is
	// sent: one missing although the database had one, or another
	// database's, may hold outcomes the outbox lacks, and stops serve with
	// that reason rather than failing each delivery round in the log.
	if cfg.SMTP.Addr != "" {
		if _, err := a.db.Journal(ctx); err != nil {
			return err
		}
	}
	// Keys stored by another way of folding names would miss: the
	// advisories' are recomputed before the first advisory is matched, the
	// items' beside intake (until they are, an advisory is matched against
	// every item not yet re-keyed).
	if _, err := a.engine.Cases.Rekey(ctx); err != nil {
		if parent.Err() != nil {
			return nil
		}
		return err
	}
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	wg.Add(6)
	go func() {
		defer wg.Done()
		if _, err := a.engine.Cases.RekeyItems(ctx); err != nil && ctx.Err() == nil {
			errc <- err
		}
	}()
	go func() {
		defer wg.Done()
		if err := a.engine.Intake.Run(ctx, js, cfg.NATS.intake()); err != nil {
			errc <- fmt.Errorf("intake: %w", err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := a.engine.Events.Run(ctx, js); err != nil {
			errc <- fmt.Errorf("events: %w", err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := a.engine.Run(ctx); err != nil {
			errc <- err
		}
	}()
	go func() {
		defer wg.Done()
		if clk == nil {
			clk = clock.Real{}
		}
		retention, _ := notifier.ParseDuration(cfg.Store.MailBodyRetention) // validated
		pruneMailBodies(ctx, a.db, clk, retention, log)
	}()
	go func() {
		defer wg.Done()
		interval, _ := notifier.ParseDuration(cfg.KEV.Interval) // validated
		watchKEV(ctx, a.engine.Cases, cfg.KEV.Path, interval, log)
	}()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancel()
	wg.Wait()
	if parent.Err() != nil {
		return nil // stopped, or the lease lost: what failed meanwhile was the stop
	}
	return err
}

func relayName(cfg Config) string {
	if cfg.SMTP.Addr == "" {
		return "none (mail held in the outbox; see /outbox)"
	}
	return cfg.SMTP.Addr
}

// serveInbound starts the inbound SMTP server; stop closes it.
func serveInbound(cfg InboundConfig, a *app, log *slog.Logger, ready func(addr string)) (stop func(), err error) {
	srv, err := inbound.New(inbound.Config{Domain: cfg.Domain, RequireAuth: cfg.RequireAuth,
		Links: a.engine.Links, Answers: a.engine.Answers, Bounces: a.engine.Cases, Logger: log})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("inbound.listen %s: %w", cfg.Listen, err)
	}
	go func() {
		if err := srv.Serve(ln); err != nil {
			log.Error("inbound mail stopped", "err", err)
		}
	}()
	log.Info("receiving replies and bounce reports", "inbound", ln.Addr().String(), "domain", cfg.Domain)
	if ready != nil {
		ready(ln.Addr().String())
	}
	return func() { srv.Close() }, nil
}
