package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/heed-dev/heed/subscribers"
)

func cmdInventoryImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("inventory import", "heed inventory import [-config FILE] [-server URL] -org ID FILE.csv|FILE.json|SBOM (CycloneDX JSON or XML, SPDX JSON)", stderr)
	configPath := fs.String("config", "", "configuration file (TOML) of the running server")
	server := fs.String("server", "", "the running heed serve, e.g. http://127.0.0.1:8080 (default: from http.listen)")
	orgID := fs.String("org", "", "organization id (required; see heed org list)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *orgID == "" && fs.NArg() != 1:
		return usageError(fs, "which organization, and which file? Give -org ID (see heed org list) and one FILE.csv, FILE.json or SBOM")
	case *orgID == "":
		return usageError(fs, "which organization? Give -org ID (see heed org list)")
	case fs.NArg() != 1:
		return usageError(fs, fmt.Sprintf("give one FILE.csv, FILE.json or SBOM (got %d)", fs.NArg()))
	}
	path := fs.Arg(0)
	ctype, err := inventoryType(path)
	if err != nil {
		return err
	}
	c, err := clientFor(*configPath, *server)
	if err != nil {
		return err
	}
	var res struct {
		Items    int `json:"items"`
		Opened   int `json:"cases_opened"`
		Updated  int `json:"cases_updated"`
		Resolved int `json:"cases_resolved"`
	}
	// The server parses the file as it streams in, refuses it whole on a
	// bad line, and matches it against the known advisories.
	err = c.sendFile(ctx, "PUT", "/api/v1/orgs/"+url.PathEscape(*orgID)+"/inventory", ctype, path, stderr, &res)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(stdout, "imported %s into %s; %s opened, %s updated, %s resolved\n", count(res.Items, "item", "items"), *orgID,
		count(res.Opened, "new case", "new cases"), count(res.Updated, "case", "cases"), count(res.Resolved, "case", "cases"))
	return nil
}

// progressReader prints how much of a file has been read, at most every
// interval, so that a long import shows it is moving.
// sendFile streams a file to the server, printing a progress line on
// progress while it goes, and decodes the answer into out.
// inventoryType tells what an inventory file is from its first 64 KiB
// and its name: CSV, Heed's JSON, or an SBOM (CycloneDX JSON or XML, SPDX
// JSON), so that the server reads it as what it is.
func inventoryType(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	ctype := subscribers.InventoryMediaType(filepath.Base(path), head[:n])
	if ctype == "" {
		return "", fmt.Errorf("%s: neither CSV nor JSON nor an SBOM (CycloneDX JSON or XML, SPDX JSON): name it .csv, .json, .cdx.json, .spdx.json or .xml", path)
	}
	return ctype, nil
}

func (c *serverClient) sendFile(ctx context.Context, method, apiPath, ctype, path string, progress io.Writer, out any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pr := &progressReader{r: f, total: st.Size(), name: filepath.Base(path), out: progress, every: 250 * time.Millisecond}
	err = c.call(ctx, method, apiPath, ctype, pr, out)
	pr.finish()
	return err
}

type progressReader struct {
	r       io.Reader
	total   int64
	read    int64
	name    string
	out     io.Writer
	every   time.Duration
	last    time.Time
	printed bool
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read += int64(n)
	if now := time.Now(); now.Sub(p.last) >= p.every {
		if !p.last.IsZero() {
			p.print()
		}
		p.last = now
	}
	return n, err
}

func (p *progressReader) print() {
	pct := 100.0
	if p.total > 0 {
		pct = float64(p.read) * 100 / float64(p.total)
	}
	fmt.Fprintf(p.out, "\rreading %s: %5.1f%% (%d of %d bytes)", p.name, pct, p.read, p.total)
	p.printed = true
}

// finish ends the progress line, if one was printed.
func (p *progressReader) finish() {
	if p.printed {
		p.print()
		fmt.Fprintln(p.out)
	}
}
