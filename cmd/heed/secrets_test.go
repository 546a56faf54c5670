package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/eventually"
)

// TestNoSecretInLogs runs the built heed binary with a distinctive value in
// every secret it has — the SMTP password, the admin token, the ack secret,
// the user and password in the NATS URL (against a NATS server and a relay
// that require them), the DKIM key — once from the environment and once
// from the config file, drives it through mail, a refused and an accepted
// login, the CLI (through the API and on the database), a NATS restart,
// failed starts, and then looks for
// each secret in everything it printed.
func TestNoSecretInLogs(t *testing.T) {
	for _, from := range []string{"environment", "config file"} {
		t.Run(from, func(t *testing.T) { checkNoSecretLogged(t, from == "environment") })
	}
}

func checkNoSecretLogged(t *testing.T, fromEnv bool) {
	dir := t.TempDir()
	secrets := map[string]string{
		"smtp password": "smtp-pw-Kq7RzV2mLx",
		"admin token":   "admin-tok-Wp3NdY8sHc",
		"ack secret":    "ack-secret-Tf6GbJ1uQe4Za9XcVn2MlPo",
		"nats user":     "natsuser-Hy5Dk",
		"nats password": "nats-pw-Bv8Jq0Rs",
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	must(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	keyFile := filepath.Join(dir, "dkim.pem")
	must(t, os.WriteFile(keyFile, keyPEM, 0o600))
	secrets["DKIM key (PEM)"] = strings.Split(string(keyPEM), "\n")[1]
	secrets["DKIM key (base64)"] = base64.StdEncoding.EncodeToString(key.Seed())
	secrets["DKIM key (hex)"] = hex.EncodeToString(key.Seed())

	relay := startMTA(t, "heed", secrets["smtp password"])
	ns := startNATSServer(t, secrets["nats user"], secrets["nats password"])
	var env []string
	config := processConfig(t, dir, ns.url, relay.addr, func(c *Config) {
		c.SMTP.Username = "heed"
		c.SMTP.DKIMDomain, c.SMTP.DKIMSelector, c.SMTP.DKIMKeyFile = "heed.test", "s1", keyFile
		if !fromEnv {
			c.SMTP.Password, c.HTTP.AdminToken, c.HTTP.AckSecret = secrets["smtp password"], secrets["admin token"], secrets["ack secret"]
		}
	})
	if fromEnv {
		env = []string{"HEED_SMTP_PASSWORD=" + secrets["smtp password"], "HEED_ADMIN_TOKEN=" + secrets["admin token"],
			"HEED_ACK_SECRET=" + secrets["ack secret"]}
	}
	h := newHeedProc(t, dir, config, secrets["admin token"], env...)
	h.start()

	// Mail through the relay that requires the password.
	var org struct{ ID string }
	_, err = h.api("POST", "/api/v1/orgs", "application/json",
		[]byte(`{"name":"Acme","contacts":[{"email":"sec@acme.test"}]}`), &org)
	must(t, err)
	_, err = h.api("PUT", "/api/v1/orgs/"+org.ID+"/inventory", "text/csv",
		[]byte("vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n"), nil)
	must(t, err)
	publish(t, ns.url, "advisories.heed", readFile(t, sa44101Path))
	eventually.True(t, 30*time.Second, "the notice at the relay", func() bool { return relay.received() == 1 })

	// A refused and an accepted operator login.
	for _, token := range []string{"wrong-token-0123456789", secrets["admin token"]} {
		resp, err := http.PostForm(h.base+"/login", url.Values{"token": {token}})
		must(t, err)
		resp.Body.Close()
	}
	eventually.True(t, 10*time.Second, "the refused login in the log", func() bool { return len(h.log.lines("operator login refused")) > 0 })

	// The CLI's data-changing commands call the API with the admin token.
	cliCtx, cliCancel := context.WithTimeout(context.Background(), time.Minute)
	defer cliCancel()
	if out, err := h.run(cliCtx, "org", "add", "-config", h.config, "-server", h.base, "-name", "Beta", "-contact", "sec@beta.test"); err != nil {
		t.Errorf("heed org add: %v\n%s", err, out)
	}

	// NATS goes away and comes back: Heed logs the disconnection and the
	// reconnection, with the server's URL.
	ns.restart()
	eventually.True(t, 30*time.Second, "the reconnection in the log", func() bool { return len(h.log.lines("NATS reconnected")) > 0 })
	h.stop()

	// The CLI, and a start that fails because NATS is down: both name the
	// NATS URL in their errors.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := h.run(ctx, "org", "list", "-config", h.config); err != nil || !strings.Contains(out, "Acme") {
		t.Errorf("heed org list: %v\n%s", err, out)
	}
	ns.shutdown()
	doc, err := filepath.Abs(sa44101Path)
	must(t, err)
	if out, err := h.run(ctx, "publish", "-config", h.config, doc); err == nil || !strings.Contains(out, "connect to NATS at") {
		t.Errorf("heed publish with NATS down: %v\n%s", err, out)
	}
	if err := h.tryStart(); err == nil || !strings.Contains(err.Error(), "connect to NATS at") {
		t.Errorf("heed serve with NATS down: %v", err)
	}
	// A config file broken on the line of a secret.
	broken := filepath.Join(dir, "broken.toml")
	must(t, os.WriteFile(broken, []byte("[smtp]\npassword = \""+secrets["smtp password"]+"\n"), 0o600))
	if out, err := h.run(ctx, "serve", "-config", broken); err == nil || !strings.Contains(out, "broken.toml: line 2") {
		t.Errorf("heed serve with a broken config: %v\n%s", err, out)
	}

	log := h.log.String()
	for what, secret := range secrets {
		for _, form := range []string{secret, url.QueryEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret))} {
			if strings.Contains(log, form) {
				t.Errorf("the %s (%q) appears in heed's output:\n%s", what, form, lineWith(log, form))
			}
		}
	}
	// The URL is still shown, without its user info: the check above looked
	// at lines that do name the NATS server.
	if n := strings.Count(log, "nats://redacted@127.0.0.1:"); n < 4 {
		t.Errorf("the redacted NATS URL appears %d times, want it in the start line, the reconnection and both errors:\n%s", n, log)
	}
}

// lineWith returns the first line of s that contains sub.
func lineWith(s, sub string) string {
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, sub) {
			return line
		}
	}
	return ""
}
