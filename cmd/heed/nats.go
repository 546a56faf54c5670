package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

const embeddedMaxPayload = 8 << 20

// startEmbeddedNATS runs a NATS server with JetStream inside the process,
// listening on cfg.EmbeddedListen and storing its streams in cfg.EmbeddedDir.
func startEmbeddedNATS(cfg NATSConfig, log *slog.Logger) (*server.Server, error) {
	host, portStr, err := net.SplitHostPort(cfg.EmbeddedListen)
	if err != nil {
		return nil, fmt.Errorf("nats.embedded_listen: %w", err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("nats.embedded_listen: port %q: %w", portStr, err)
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
	})
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(15 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded NATS did not start on %s (is the port in use? set nats.embedded_listen or nats.url)", cfg.EmbeddedListen)
	}
	log.Info("embedded NATS with JetStream started", "listen", cfg.EmbeddedListen, "store", cfg.EmbeddedDir)
	return ns, nil
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
func connectNATS(cfg NATSConfig, name string, log *slog.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("NATS reconnected", "url", c.ConnectedUrlRedacted()) }),
	}
	if cfg.Credentials != "" {
		opts = append(opts, nats.UserCredentials(cfg.Credentials))
	}
	nc, err := nats.Connect(natsURL(cfg), opts...)
	if err != nil {
		if errors.Is(err, nats.ErrNoServers) {
			return nil, fmt.Errorf("connect to NATS at %s: no server answers (is heed serve running, or nats.url right?)", natsURL(cfg))
		}
		return nil, fmt.Errorf("connect to NATS at %s: %w", natsURL(cfg), err)
	}
	return nc, nil
}
