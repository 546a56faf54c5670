package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
)

// The organization's life after onboarding: deactivate (Heed stops
// following it, keeping the evidence), activate again, and delete one
// that never had a case. Each calls the running server's API.

func cmdOrgDeactivate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, id, err := orgCommand("deactivate", "no new cases; its open cases close without a mail; the evidence is kept", args, stderr)
	if err != nil {
		return err
	}
	var res struct {
		CasesClosed    int `json:"cases_closed"`
		MailsCancelled int `json:"mails_cancelled"`
	}
	if err := c.call(ctx, "POST", "/api/v1/orgs/"+url.PathEscape(id)+"/deactivate", "", nil, &res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s deactivated: %s closed, %s not sent; nobody was mailed\n", id,
		count(res.CasesClosed, "case", "cases"), count(res.MailsCancelled, "undelivered mail", "undelivered mails"))
	return nil
}

func cmdOrgActivate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, id, err := orgCommand("activate", "its inventory is matched again: what hits it opens a case, mailed", args, stderr)
	if err != nil {
		return err
	}
	var res struct {
		CasesOpened int `json:"cases_opened"`
	}
	if err := c.call(ctx, "POST", "/api/v1/orgs/"+url.PathEscape(id)+"/activate", "", nil, &res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s active: %s opened\n", id, count(res.CasesOpened, "case", "cases"))
	return nil
}

func cmdOrgDelete(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, id, err := orgCommand("delete", "only an organization without cases; deactivate one that has some", args, stderr)
	if err != nil {
		return err
	}
	if err := c.call(ctx, "DELETE", "/api/v1/orgs/"+url.PathEscape(id), "", nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s deleted with its contacts and inventory\n", id)
	return nil
}

// orgCommand reads the flags and the one organization id of heed org
// deactivate, activate and delete, and gives the running server's client.
func orgCommand(verb, what string, args []string, stderr io.Writer) (*serverClient, string, error) {
	fs := newFlags("org "+verb, "heed org "+verb+" [-config FILE] [-server URL] ID   ("+what+")", stderr)
	configPath := fs.String("config", "", "configuration file (TOML) of the running server")
	server := fs.String("server", "", "the running heed serve, e.g. http://127.0.0.1:8080 (default: from http.listen)")
	if err := parseFlags(fs, args); err != nil {
		return nil, "", err
	}
	if fs.NArg() != 1 {
		return nil, "", usageError(fs, fmt.Sprintf("give one organization ID (got %d arguments)", fs.NArg()))
	}
	c, err := clientFor(*configPath, *server)
	return c, fs.Arg(0), err
}
