package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/formats"
	"github.com/heed-dev/heed/notifier/publishers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// doc is one advisory file to publish, checked.
type doc struct {
	path string
	data []byte
	adv  *advisory.Advisory
}

func cmdPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("publish", "heed publish [-config FILE] [-subject SUBJECT] [-nkey FILE] [-signature FILE.sig] FILE...", stderr)
	configPath := fs.String("config", "", "configuration file (TOML)")
	subject := fs.String("subject", "advisories.heed", "NATS subject to publish on")
	nkey := fs.String("nkey", "", "a publisher's NKey seed file (heed publisher key), for the embedded NATS server when publishers are configured")
	sigPath := fs.String("signature", "", "OpenPGP detached signature of the one FILE (binary, or ASCII-armored), sent in the Heed-Signature header")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError(fs, "give at least one advisory FILE to publish")
	}
	var signature string
	if *sigPath != "" {
		if fs.NArg() != 1 {
			return usageError(fs, "-signature signs one FILE: publish signed files one at a time")
		}
		sig, err := readSignature(*sigPath)
		if err != nil {
			return err
		}
		signature = base64.StdEncoding.EncodeToString(sig)
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	// Every file is checked before anything is published, so a bad file in
	// a batch publishes nothing.
	var docs []doc
	for _, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		adv, err := formats.Parse(data)
		if err != nil {
			return fmt.Errorf("%s: not published: %w", path, err)
		}
		docs = append(docs, doc{path, data, adv})
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if *nkey != "" {
		return publishAsPublisher(cfg, log, *nkey, *subject, signature, docs, stdout)
	}
	nc, err := connectCLI(cfg, "heed publish", "", "publishers'", "heed publisher key", log)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if _, err := notifier.EnsureStream(ctx, js, cfg.NATS.intake()); err != nil {
		return err
	}
	for _, d := range docs {
		ack, err := js.PublishMsg(ctx, d.msg(*subject, signature))
		if err != nil {
			return fmt.Errorf("%s: publish on %s: %w", d.path, *subject, err)
		}
		note := ""
		if ack.Duplicate {
			note = " (duplicate: already in the stream)"
		}
		fmt.Fprintf(stdout, "published %s: %s revision %s (%s, %s, %s) on %s as stream %s #%d%s\n",
			d.path, d.adv.ID, d.adv.Revision, d.adv.Format, d.adv.Severity, count(len(d.adv.Affected), "affected entry", "affected entries"),
			*subject, ack.Stream, ack.Sequence, note)
	}
	return nil
}

// msg is the NATS message of a document. JetStream drops a second copy of
// the same revision on the same subject within its duplicate window
// (Nats-Msg-Id); intake ignores it after that anyway. The subject is part
// of the id: otherwise a copy that another publisher sent first (and
// intake refused) would make JetStream drop the owner's own, silently.
func (d doc) msg(subject, signature string) *nats.Msg {
	msg := nats.NewMsg(subject)
	msg.Data = d.data
	msg.Header.Set(jetstream.MsgIDHeader, subject+"/"+d.adv.ID+"@"+d.adv.Revision)
	if signature != "" {
		msg.Header.Set(publishers.SignatureHeader, signature)
	}
	return msg
}

// publishAsPublisher publishes with a publisher's NKey. Such a key may
// publish on its subjects and read nothing, not even JetStream's
// acknowledgement, so each message is a plain publish, and a refusal is
// the server's permissions error, seen once the connection is flushed.
func publishAsPublisher(cfg Config, log *slog.Logger, seedFile, subject, signature string, docs []doc, stdout io.Writer) error {
	nc, err := connectCLI(cfg, "heed publish", seedFile, "publishers'", "heed publisher key", log)
	if err != nil {
		return err
	}
	defer nc.Close()
	for _, d := range docs {
		if err := nc.PublishMsg(d.msg(subject, signature)); err != nil {
			return fmt.Errorf("%s: publish on %s: %w", d.path, subject, err)
		}
		if err := nc.FlushTimeout(10 * time.Second); err != nil {
			return fmt.Errorf("%s: publish on %s: %w", d.path, subject, err)
		}
		// The server answers a refused publish before the flush's PONG,
		// and the client records it before the flush returns.
		if err := nc.LastError(); err != nil {
			return fmt.Errorf("%s: publish on %s: the server refused it: %w", d.path, subject, err)
		}
		fmt.Fprintf(stdout, "published %s: %s revision %s (%s, %s, %s) on %s with a publisher key (whether Heed accepts it: /api/v1/advisories or /api/v1/rejected)\n",
			d.path, d.adv.ID, d.adv.Revision, d.adv.Format, d.adv.Severity, count(len(d.adv.Affected), "affected entry", "affected entries"), subject)
	}
	return nil
}

// readSignature reads a detached OpenPGP signature: binary, as
// "gpg --detach-sign" writes it, or ASCII-armored ("gpg --armor").
func readSignature(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-signature: %w", err)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN PGP SIGNATURE-----")) {
		return data, nil
	}
	block, err := armor.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("-signature %s: %w", path, err)
	}
	sig, err := io.ReadAll(block.Body)
	if err != nil {
		return nil, fmt.Errorf("-signature %s: %w", path, err)
	}
	return sig, nil
}
