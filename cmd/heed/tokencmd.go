package main

import (
	"context"
	"fmt"
	"io"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
)

// The token commands open the server's database directly instead of
// calling its API: they are what an operator on the server's host has when
// no token works any more (the admin token was lost), and a token changes
// no mail, so nothing is lost by not going through the server. The server
// reads tokens from the database on every request: a token made or
// revoked here counts at once. Each change is in the audit log, made by
// "host:" and the user who ran the command.

// hostActor is who runs a token command on the server's host.
func hostActor(ctx context.Context) context.Context {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return store.WithActor(ctx, store.Actor{Name: "host:" + name, Via: "cli"})
}

func cmdTokenAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token add", "heed token add [-config FILE] -role admin|operator|viewer|metrics [-name NAME] [-publisher P]", stderr)
	configPath := fs.String("config", "", "configuration file (TOML) of the server")
	name := fs.String("name", "", "the token's name, shown in the audit log (default: the role and the time)")
	role := fs.String("role", "", "admin, operator, viewer or metrics (required)")
	publisher := fs.String("publisher", "", "limit a viewer or operator token to this publisher's advisories and their cases")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *role == "" {
		return usageError(fs, "-role is required: "+strings.Join(store.Roles, ", "))
	}
	if *name == "" {
		*name = *role + "-" + time.Now().UTC().Format("20060102-150405")
	}
	a, err := openForCommand(ctx, *configPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	t, secret, err := a.engine.Access.AddToken(hostActor(ctx), notifier.TokenSpec{Name: *name, Role: *role, Publisher: *publisher})
	if err != nil {
		return fmt.Errorf("token add: %w", err)
	}
	scope := ""
	if t.Publisher != "" {
		scope = ", publisher " + t.Publisher + " only"
	}
	fmt.Fprintf(stdout, "Token %q (%s%s), shown only this once; Heed keeps only its hash:\n\n    %s\n\n", t.Name, t.Role, scope, secret)
	return nil
}

func cmdTokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token list", "heed token list [-config FILE]", stderr)
	configPath := fs.String("config", "", "configuration file (TOML) of the server")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := openForCommand(ctx, *configPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	ts, err := a.engine.Access.Tokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tPUBLISHER\tCREATED\tBY")
	for _, t := range ts {
		pub := t.Publisher
		if pub == "" {
			pub = "(all)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, pub, t.CreatedAt.Format(time.DateTime), t.CreatedBy)
	}
	return tw.Flush()
}

func cmdTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token revoke", "heed token revoke [-config FILE] NAME", stderr)
	configPath := fs.String("config", "", "configuration file (TOML) of the server")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "name the one token to revoke")
	}
	a, err := openForCommand(ctx, *configPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.engine.Access.RevokeToken(hostActor(ctx), fs.Arg(0)); err != nil {
		return fmt.Errorf("token revoke: %w", err)
	}
	fmt.Fprintf(stdout, "Token %q revoked; its sessions are ended.\n", fs.Arg(0))
	return nil
}
