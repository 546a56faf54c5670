package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// listFlag collects a repeated string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// openForCommand loads the config and opens the store and engine for a
// one-shot command that reads. It never creates a database: run from
// another folder, a command would otherwise read (and start) an empty one
// that the server never sees.
func openForCommand(ctx context.Context, configPath string, stderr io.Writer) (*app, error) {
	cfg, err := loadConfig(configPath)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.Store.Path); errors.Is(err, fs.ErrNotExist) {
		abs, _ := filepath.Abs(cfg.Store.Path)
		return nil, fmt.Errorf("no database at %s (store.path): heed serve has not run with it; run this from the folder where heed serve runs, or give the server's -config", abs)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return openApp(ctx, cfg, nil, log, nil)
}

func cmdOrgAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("org add", "heed org add [-config FILE] [-server URL] -name NAME -contact EMAIL[,Name] [-escalation EMAIL[,Name]] [-language en|ja] [-timezone Asia/Tokyo] [-business-hours \"09:00-18:00 Mon-Fri\"] [-digest off|daily] [-digest-time 09:00]", stderr)
	configPath := fs.String("config", "", "configuration file (TOML) of the running server")
	server := fs.String("server", "", "the running heed serve, e.g. http://127.0.0.1:8080 (default: from http.listen)")
	name := fs.String("name", "", "organization name (required)")
	lang := fs.String("language", "en", "language of its mail: en or ja")
	tz := fs.String("timezone", "UTC", "IANA time zone for dates in its mail")
	hours := fs.String("business-hours", "", "when reminders may go: always, or a window such as \"09:00-18:00 Mon-Fri\" in its time zone (default: [delivery] business_hours)")
	digest := fs.String("digest", "off", "off, or daily: reminders that fall due wait for one mail a day")
	digestTime := fs.String("digest-time", "09:00", "HH:MM, in its time zone, when a daily digest goes")
	var primary, escalation listFlag
	fs.Var(&primary, "contact", "primary contact `EMAIL[,Name]` (repeatable; at least one)")
	fs.Var(&escalation, "escalation", "escalation contact `EMAIL[,Name]` (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	spec := subscribers.OrgSpec{Name: *name, Language: *lang, Timezone: *tz, BusinessHours: *hours,
		Digest: *digest, DigestTime: *digestTime}
	for _, group := range []struct {
		role string
		list listFlag
	}{{"primary", primary}, {"escalation", escalation}} {
		for _, c := range group.list {
			email, cname, _ := strings.Cut(c, ",")
			spec.Contacts = append(spec.Contacts, subscribers.ContactSpec{Email: email, Name: cname, Role: group.role})
		}
	}
	c, err := clientFor(*configPath, *server)
	if err != nil {
		return err
	}
	body, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("org add: %w", err)
	}
	var created struct{ ID string }
	if err := c.call(ctx, "POST", "/api/v1/orgs", "application/json", bytes.NewReader(body), &created); err != nil {
		return err
	}
	fmt.Fprintln(stdout, created.ID)
	return nil
}

func cmdOrgList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("org list", "heed org list [-config FILE]", stderr)
	configPath := fs.String("config", "", "configuration file (TOML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := openForCommand(ctx, *configPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	var orgs []store.Org
	if err := a.db.View(ctx, func(tx *store.Tx) (err error) { orgs, err = tx.Orgs(); return err }); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tLANG\tTIMEZONE\tHOURS\tDIGEST\tITEMS\tCONTACTS\tSTATUS")
	for _, o := range orgs {
		var cs []string
		for _, c := range o.Contacts {
			s := c.Email
			if c.Role == "escalation" {
				s += " (escalation)"
			}
			if !c.Bounced.IsZero() {
				s += " (bounced)"
			}
			cs = append(cs, s)
		}
		digest := o.Digest
		if digest == subscribers.DigestDaily {
			digest += " " + o.DigestTime
		}
		status := "active"
		if !o.DeactivatedAt.IsZero() {
			status = "deactivated " + o.DeactivatedAt.UTC().Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", o.ID, o.Name, o.Language, o.Timezone, o.BusinessHours, digest,
			o.Items, strings.Join(cs, ", "), status)
	}
	return tw.Flush()
}

// cmdOrgImport sends an organization CSV file to the running server, which
// creates or updates each row by external_id, or, on a bad row, none.
func cmdOrgImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("org import", "heed org import [-config FILE] [-server URL] FILE.csv", stderr)
	configPath := fs.String("config", "", "configuration file (TOML) of the running server")
	server := fs.String("server", "", "the running heed serve, e.g. http://127.0.0.1:8080 (default: from http.listen)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, fmt.Sprintf("give one FILE.csv with the header external_id,name,language,timezone,contacts,escalation (got %d files)", fs.NArg()))
	}
	path := fs.Arg(0)
	c, err := clientFor(*configPath, *server)
	if err != nil {
		return err
	}
	var res struct{ Created, Updated int }
	err = c.sendFile(ctx, "POST", "/api/v1/orgs/import", "text/csv", path, stderr, &res)
	if err != nil && strings.Contains(err.Error(), "nothing imported") {
		return fmt.Errorf("%s: %w", path, err) // the server's refusal says so already
	}
	if err != nil {
		return fmt.Errorf("%s: %w (nothing imported)", path, err)
	}
	fmt.Fprintf(stdout, "imported %s: %s created, %s updated\n", path,
		count(res.Created, "organization", "organizations"), count(res.Updated, "organization", "organizations"))
	return nil
}
