package main

import (
	"context"
	"fmt"
	"io"
)

// cmdKEVImport sends a catalog of known exploited vulnerabilities (CISA's
// KEV JSON) to the running server, which marks the cases it names.
func cmdKEVImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("kev import", "heed kev import [-config FILE] [-server URL] FILE.json", stderr)
	configPath := fs.String("config", "", "configuration file (TOML) of the running server")
	server := fs.String("server", "", "the running heed serve, e.g. http://127.0.0.1:8080 (default: from http.listen)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, fmt.Sprintf("give one FILE.json, CISA's catalog of known exploited vulnerabilities (got %d files)", fs.NArg()))
	}
	path := fs.Arg(0)
	c, err := clientFor(*configPath, *server)
	if err != nil {
		return err
	}
	var res struct {
		Added        int `json:"added"`
		CasesChanged int `json:"cases_changed"`
	}
	if err := c.sendFile(ctx, "POST", "/api/v1/kev", "application/json", path, stderr, &res); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(stdout, "imported %s: %s new to Heed, %s now known exploited\n", path,
		count(res.Added, "vulnerability", "vulnerabilities"), count(res.CasesChanged, "case", "cases"))
	return nil
}
