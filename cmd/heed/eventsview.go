package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier"
)

// cmdEventsView prints the agency view: each advisory's organizations
// opened, answered, silent, overdue and closed, gathered from the events
// stream of every Heed instance that publishes into it (docs/SCALING.md).
// It reads the stream as it stands, then prints and exits.
func cmdEventsView(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("events view", "heed events view [-config FILE] [-nkey FILE] [-by-instance] [-json]", stderr)
	configPath := fs.String("config", "", "configuration file (TOML): its [nats] and [events] say where the stream is")
	nkey := fs.String("nkey", "", "the events reader's NKey seed file (heed events key), for the embedded NATS server when publishers are configured")
	byInstance := fs.Bool("by-instance", false, "also count each instance (the events' source, its public URL) apart")
	asJSON := fs.Bool("json", false, "print JSON: {\"advisories\": {ID: counts}, \"instances\": {source: {ID: counts}}}")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError(fs, "no arguments")
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if !cfg.Events.Enabled {
		return errors.New("[events] enabled = false: this Heed publishes no events to gather")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	nc, err := connectCLI(cfg, "heed events view", *nkey, "Heed's", "heed events key", log)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	view, err := gatherAll(ctx, js, cfg.Events.Stream)
	if err != nil {
		return err
	}
	if *asJSON {
		out := map[string]any{"advisories": view.Advisories("")}
		if *byInstance {
			instances := map[string]map[string]notifier.AgencyCounts{}
			for _, src := range view.Sources() {
				instances[src] = view.Advisories(src)
			}
			out["instances"] = instances
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	p := view.Progress()
	fmt.Fprintf(stdout, "%s: %s read, %s from %s\n", cfg.Events.Stream, count(int(p.LastSeq), "event", "events"),
		count(p.Cases, "case", "cases"), count(len(view.Sources()), "instance", "instances"))
	if p.Rejected > 0 {
		fmt.Fprintf(stdout, "%s not case events as Heed publishes them, skipped\n", count(p.Rejected, "message", "messages"))
	}
	w := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(w, "advisory\tinstance\topened\tanswered\tsilent\toverdue\tclosed\t")
	row := func(adv, src string, c notifier.AgencyCounts) {
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t\n", adv, src, c.Opened, c.Answered, c.Silent, c.Overdue, c.Closed)
	}
	all := view.Advisories("")
	for _, adv := range slices.Sorted(maps.Keys(all)) {
		row(adv, "all", all[adv])
		if !*byInstance {
			continue
		}
		for _, src := range view.Sources() {
			if c, ok := view.Advisories(src)[adv]; ok {
				row("", src, c)
			}
		}
	}
	return w.Flush()
}

// gatherAll reads the events stream up to the last event it holds now.
func gatherAll(ctx context.Context, js jetstream.JetStream, stream string) (*notifier.AgencyView, error) {
	view := notifier.NewAgencyView()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("events stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("events stream %s: %w", stream, err)
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 {
		return view, nil
	}
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- view.Gather(gctx, js, stream, func(g notifier.Gathered) {
			if g.Seq >= last {
				stop()
			}
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return view, nil
	case <-time.After(10 * time.Minute):
		return nil, fmt.Errorf("events stream %s: not read to event %d within 10 minutes", stream, last)
	}
}
