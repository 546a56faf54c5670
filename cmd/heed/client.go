package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/heed-dev/heed/notifier/web"
)

// The commands that change data (org add, inventory import) do not open the
// database: they call the running server's admin API. A mail they cause is
// then queued, signed and sent by the server itself, with the server's
// relay, secret and public URL, exactly like one the server queued on its
// own; and a command run from the wrong folder cannot write into a database
// the server never reads.

// serverClient calls the admin API of the running heed serve.
type serverClient struct {
	base  string // e.g. http://127.0.0.1:8080
	token string
	from  string // where base came from, for error messages
	http  *http.Client
}

// newServerClient finds the running server: the -server flag if given, else
// the address the config says it listens on. The token is HEED_TOKEN (an
// operator's own), else the admin token from the config or HEED_ADMIN_TOKEN.
func newServerClient(cfg Config, server string) (*serverClient, error) {
	c := &serverClient{base: strings.TrimRight(server, "/"), token: cfg.HTTP.AdminToken, from: "-server", http: &http.Client{}}
	if t := os.Getenv("HEED_TOKEN"); t != "" {
		c.token = t
	}
	if c.base == "" {
		host, port, _ := net.SplitHostPort(cfg.HTTP.Listen) // validated
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		c.base, c.from = "http://"+net.JoinHostPort(host, port), "http.listen"
	}
	if c.token == "" {
		return nil, errors.New("this command goes through the running server's API and needs a token: " +
			"set HEED_TOKEN to an operator's token, or HEED_ADMIN_TOKEN to the admin token (heed serve printed it at first start; " +
			"heed token add on the server's host makes another)")
	}
	return c, nil
}

// call sends a request to the API and decodes its JSON answer into out. An
// error answer is returned with the server's own message.
func (c *serverClient) call(ctx context.Context, method, path, ctype string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", web.CLIAgent+buildVersion()) // the audit log says the change came through the CLI
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return fmt.Errorf("no Heed server answers at %s (from %s): start heed serve, or run this with the -config of the running server", c.base, c.from)
		}
		return fmt.Errorf("%s %s%s: %w", method, c.base, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s%s: read answer: %w", method, c.base, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(bytes.ToValidUTF8(b, nil)))
		}
		if resp.StatusCode == http.StatusUnauthorized {
			e.Error = "the server at " + c.base + " knows no such token: set HEED_TOKEN or HEED_ADMIN_TOKEN to a token it gave (heed token add on the server's host makes one)"
		}
		return errors.New(e.Error)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s%s: answer is not the API's JSON (is %s a Heed server?): %w", method, c.base, path, c.base, err)
		}
	}
	return nil
}

// clientFor is the client of the server that a data-changing command's
// -config and -server flags name.
func clientFor(configPath, server string) (*serverClient, error) {
	cfg, err := loadConfig(configPath)
	if err != nil {
		return nil, err
	}
	return newServerClient(cfg, server)
}
