package main

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// app is what every command that touches the database shares.
type app struct {
	cfg     Config
	db      *store.DB
	engine  *notifier.Engine
	matcher *subscribers.Matcher
}

// openApp opens the store and builds the engine (without a relay: a command
// queues mail; the server delivers it).
func openApp(ctx context.Context, cfg Config, clk clock.Clock, log *slog.Logger, relay notifier.Relay) (*app, error) {
	db, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return nil, err
	}
	secret, err := ackSecret(ctx, db, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	aliases, err := newAliases(cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	matcher := subscribers.NewMatcher(aliases)
	pubs, err := cfg.publisherSet(aliases)
	if err != nil {
		db.Close()
		return nil, err
	}
	var dkim *notifier.DKIM
	if cfg.SMTP.DKIMKeyFile != "" {
		if dkim, err = loadDKIM(cfg.SMTP); err != nil {
			db.Close()
			return nil, err
		}
	}
	publicURL, _ := cfg.HTTP.publicURL()
	eng, err := notifier.New(notifier.Config{
		DB: db, Matcher: matcher, Clock: clk, Policies: cfg.policies(), PublicURL: publicURL,
		From: cfg.SMTP.From, AckSecret: secret, Relay: relay, Hold: cfg.SMTP.Addr == "",
		Senders: cfg.SMTP.MaxConns, RatePerSecond: cfg.SMTP.RatePerSecond, ClaimTimeout: cfg.claimTimeout(),
		BusinessHours: cfg.Delivery.BusinessHours, InboundDomain: cfg.Inbound.Domain, DKIM: dkim, Publishers: pubs, Logger: log,
		Events: cfg.Events.engine(publicURL),
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &app{cfg: cfg, db: db, engine: eng, matcher: matcher}, nil
}

func (a *app) Close() error { return a.db.Close() }

// newAliases is the built-in alias table with the configured groups added.
func newAliases(cfg Config) (*subscribers.Aliases, error) {
	aliases := subscribers.DefaultAliases()
	for i, al := range cfg.Aliases {
		if err := aliases.Add(al.Kind, al.Names...); err != nil {
			return nil, fmt.Errorf("config alias[%d]: %w", i, err)
		}
	}
	return aliases, nil
}

// ackSecret returns the key that signs links: from the config or the
// environment, else one generated once and kept in the database, so links
// stay valid across restarts.
func ackSecret(ctx context.Context, db *store.DB, cfg Config) ([]byte, error) {
	if cfg.HTTP.AckSecret != "" {
		return []byte(cfg.HTTP.AckSecret), nil
	}
	var secret string
	err := db.Update(ctx, func(tx *store.Tx) error {
		var err error
		secret, err = tx.Setting("ack_secret")
		if errors.Is(err, store.ErrNotFound) {
			secret = randomHex(32)
			return tx.SetSetting("ack_secret", secret)
		}
		return err
	})
	return []byte(secret), err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// loadDKIM reads the DKIM signing key named in the config: PEM, PKCS#8
// (RSA or Ed25519) or PKCS#1 (RSA).
func loadDKIM(c SMTPConfig) (*notifier.DKIM, error) {
	data, err := os.ReadFile(c.DKIMKeyFile)
	if err != nil {
		return nil, fmt.Errorf("smtp.dkim_key_file: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("smtp.dkim_key_file %s: not a PEM file", c.DKIMKeyFile)
	}
	var key any
	if key, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		if key, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return nil, fmt.Errorf("smtp.dkim_key_file %s: not an RSA or Ed25519 private key", c.DKIMKeyFile)
		}
	}
	var signer crypto.Signer
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("smtp.dkim_key_file %s: an RSA key of %d bits is too short (use 2048)", c.DKIMKeyFile, k.N.BitLen())
		}
		signer = k
	case ed25519.PrivateKey:
		signer = k
	default:
		return nil, fmt.Errorf("smtp.dkim_key_file %s: a %T cannot sign DKIM; use RSA or Ed25519", c.DKIMKeyFile, key)
	}
	return &notifier.DKIM{Domain: c.DKIMDomain, Selector: c.DKIMSelector, Signer: signer}, nil
}
