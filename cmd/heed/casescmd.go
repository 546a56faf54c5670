package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/heed-dev/heed/store"
)

func cmdCases(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("cases", "heed cases [-config FILE] [-advisory ID] [-org ID] [-state "+strings.Join(store.CaseStates, "|")+"]", stderr)
	configPath := fs.String("config", "", "configuration file (TOML)")
	adv := fs.String("advisory", "", "only this advisory")
	org := fs.String("org", "", "only this organization")
	state := fs.String("state", "", "only this state")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *state != "" && !slices.Contains(store.CaseStates, *state) {
		return fmt.Errorf("-state %q: use one of %s", *state, strings.Join(store.CaseStates, ", "))
	}
	a, err := openForCommand(ctx, *configPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	var cases []store.Case
	var names map[string]string
	err = a.db.View(ctx, func(tx *store.Tx) error {
		cases, err = tx.Cases(store.CaseFilter{AdvisoryID: *adv, OrgID: *org, State: *state})
		if err != nil {
			return err
		}
		ids := make([]string, len(cases))
		for i, c := range cases {
			ids[i] = c.OrgID
		}
		names, err = tx.OrgNames(ids)
		return err
	})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tADVISORY\tORG\tSTATE\tREMINDERS\tNEXT REMINDER\tDUE\tANSWER")
	for _, c := range cases {
		answer := "-"
		if c.Answer != nil {
			answer = c.Answer.Status + " " + c.Answer.At.Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", c.ID, c.AdvisoryID, names[c.OrgID], c.State,
			c.RemindersSent, when(c.NextReminderAt), when(c.DueAt), answer)
	}
	return tw.Flush()
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}
