package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/notifier/formats"
	"github.com/heed-dev/heed/subscribers/advisory"
)

func cmdPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("publish", "heed publish [-config FILE] [-subject SUBJECT] FILE...", stderr)
	configPath := fs.String("config", "", "configuration file (TOML)")
	subject := fs.String("subject", "advisories.heed", "NATS subject to publish on")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError(fs, "give at least one advisory FILE to publish")
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	// Every file is checked before anything is published, so a bad file in
	// a batch publishes nothing.
	type doc struct {
		path string
		data []byte
		adv  *advisory.Advisory
	}
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
	nc, err := connectNATS(cfg.NATS, "heed publish", log)
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
		msg := nats.NewMsg(*subject)
		msg.Data = d.data
		// JetStream drops a second copy of the same revision within its
		// duplicate window; intake ignores it after that anyway.
		msg.Header.Set(jetstream.MsgIDHeader, d.adv.ID+"@"+d.adv.Revision)
		ack, err := js.PublishMsg(ctx, msg)
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
