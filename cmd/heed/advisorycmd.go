package main

import (
	"context"
	"encoding/json"

	"fmt"
	"io"
	"os"

	"github.com/heed-dev/heed/notifier/formats"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

func cmdInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("advisory inspect", "heed advisory inspect FILE...", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError(fs, "give at least one advisory FILE")
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	failed := 0
	for _, path := range fs.Args() {
		adv, err := parseFile(path)
		if err != nil {
			fmt.Fprintln(stderr, "heed:", err)
			failed++
			continue
		}
		if err := enc.Encode(adv); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %s could not be used", failed, count(fs.NArg(), "file", "files"))
	}
	return nil
}

func parseFile(path string) (*advisory.Advisory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	adv, err := formats.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return adv, nil
}

func cmdMatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("advisory match", "heed advisory match [-config FILE] FILE", stderr)
	configPath := fs.String("config", "", "configuration file (TOML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, fmt.Sprintf("give one advisory FILE (got %d)", fs.NArg()))
	}
	adv, err := parseFile(fs.Arg(0))
	if err != nil {
		return err
	}
	a, err := openForCommand(ctx, *configPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	hits, err := a.engine.Cases.Preview(ctx, adv)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s revision %s (%s, %s): %s\n", adv.ID, adv.Revision, adv.Format, adv.Severity,
		count(len(adv.Affected), "affected entry", "affected entries"))
	for _, n := range adv.Notes {
		fmt.Fprintf(stdout, "  note: %s\n", n)
	}
	if len(hits) == 0 {
		fmt.Fprintln(stdout, "no organization would be notified")
		return nil
	}
	for _, h := range hits {
		fmt.Fprintf(stdout, "\n%s  %s\n", h.OrgID, h.OrgName)
		for _, it := range h.Items {
			asset := ""
			if it.Asset != "" {
				asset = " [" + it.Asset + "]"
			}
			fmt.Fprintf(stdout, "  %-9s %s %s %s%s: %s\n", it.Certainty, it.Vendor, it.Product, orDash(it.Version), asset, templates.ReasonText("en", templates.Reason(it.Reason)))
		}
	}
	fmt.Fprintf(stdout, "\n%s would be notified (nothing was sent)\n", count(len(hits), "organization", "organizations"))
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "(no version)"
	}
	return s
}
