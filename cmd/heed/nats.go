package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

const embeddedMaxPayload = 8 << 20

// startEmbeddedNATS runs a NATS server with JetStream inside the process,
// listening on cfg.EmbeddedListen and storing its streams in cfg.EmbeddedDir.
// Port 0 takes a free port from the kernel (for tests); ns.Addr() says which.
// With users (publishers configured), only they may connect, each with its
// permissions.
func startEmbeddedNATS(cfg NATSConfig, log *slog.Logger, users []*server.NkeyUser) (*server.Server, error) {
	host, portStr, err := net.SplitHostPort(cfg.EmbeddedListen)
	if err != nil {
		return nil, fmt.Errorf("nats.embedded_listen: %w", err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("nats.embedded_listen: port %q: %w", portStr, err)
	}
	if port == 0 {
		port = server.RANDOM_PORT // nats-server reads 0 as its default, 4222
	} else if err := portFree(cfg.EmbeddedListen); err != nil {
		return nil, err
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: "heed-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   cfg.EmbeddedDir,
		NoSigs:     true,
		NoLog:      true,
		// Real CSAF documents (Red Hat's, with every package listed) pass
		// NATS's default 1 MiB.
		MaxPayload: embeddedMaxPayload,
		Nkeys:      users,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(15 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded NATS did not start on %s (is the port in use? set nats.embedded_listen or nats.url)", cfg.EmbeddedListen)
	}
	log.Info("embedded NATS with JetStream started", "listen", ns.Addr().String(), "store", cfg.EmbeddedDir, "nkey_users", len(users))
	return ns, nil
}

// portFree fails at once, with what to do, when another process listens
// where the embedded server would (nats-server would wait in silence).
func portFree(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("nats.embedded_listen %s: the port is taken (%w): another heed serve or NATS server runs there; "+
			"stop it, set nats.embedded_listen to a free port, or set nats.url to share an external NATS server (a second heed serve on it waits as a standby)", addr, err)
	}
	return ln.Close()
}

// natsURL is the server to connect to: the configured one, else the
// embedded server's address.
func natsURL(cfg NATSConfig) string {
	if cfg.URL != "" {
		return cfg.URL
	}
	return "nats://" + cfg.EmbeddedListen
}

// connectNATS connects with reconnects that never give up, so a NATS restart
// pauses intake instead of ending it.
// connectCLI connects a command of the CLI to Heed's NATS server, with the
// NKey whose seed is in seedFile if one is given. Where [[publisher]]
// secures the embedded server, a connection without a key is refused;
// the error then says which key to give (whose: "publishers'", "Heed's";
// from: the command that writes one).
func connectCLI(cfg Config, name, seedFile, whose, from string, log *slog.Logger) (*nats.Conn, error) {
	var opts []nats.Option
	if seedFile != "" {
		key, err := nats.NkeyOptionFromSeed(seedFile)
		if err != nil {
			return nil, fmt.Errorf("-nkey: %w", err)
		}
		opts = append(opts, key)
	}
	nc, err := connectNATS(cfg.NATS, name, log, opts...)
	if errors.Is(err, nats.ErrAuthorization) && len(cfg.Publishers) > 0 && seedFile == "" {
		return nil, fmt.Errorf("%w: with [[publisher]] configured, the embedded NATS server takes %s keys only: give -nkey FILE (from %s)", err, whose, from)
	}
	return nc, err
}

func connectNATS(cfg NATSConfig, name string, log *slog.Logger, extra ...nats.Option) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("NATS reconnected", "url", redactURL(c.ConnectedUrl())) }),
	}
	if cfg.Credentials != "" {
		opts = append(opts, nats.UserCredentials(cfg.Credentials))
	}
	opts = append(opts, extra...)
	nc, err := nats.Connect(natsURL(cfg), opts...)
	if err != nil {
		if errors.Is(err, nats.ErrNoServers) {
			return nil, fmt.Errorf("connect to NATS at %s: no server answers (is heed serve running, or nats.url right?)", redactURL(natsURL(cfg)))
		}
		return nil, fmt.Errorf("connect to NATS at %s: %w", redactURL(natsURL(cfg)), err)
	}
	return nc, nil
}

// redactURL is a NATS URL, or a comma-separated list of them, fit for a log
// line or an error: the user info is replaced whole, since it holds a
// password or, alone, a token (which url.URL.Redacted would keep).
func redactURL(urls string) string {
	parts := strings.Split(urls, ",")
	for i, u := range parts {
		at := strings.LastIndex(u, "@")
		if at < 0 {
			continue
		}
		start := 0
		if s := strings.Index(u, "://"); s >= 0 && s < at {
			start = s + len("://")
		}
		parts[i] = u[:start] + "redacted" + u[at:]
	}
	return strings.Join(parts, ",")
}
