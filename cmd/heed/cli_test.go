package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier/clock"
)

// heedCLI runs one command in-process, as the binary would, and returns its
// exit code and output.
func heedCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct{ file, want string }{
		{"testdata/unknown-key.toml", "unknown key smtp.adress"},
		{"testdata/bad-policy.toml", "policy[0] (critical): reminders[1]"},
		{"testdata/bad-tls.toml", `smtp.tls: "ssl" must be starttls, tls or none`},
		{"testdata/short-ack-wait.toml", `nats.ack_wait: "2s" must be a duration of at least 10s`},
		{"testdata/bad-events-prefix.toml", `events.subject_prefix: "heed.events.>" is not a NATS subject without wildcards`},
		{"testdata/events-stream-taken.toml", `events.stream: "ADVISORIES" is also nats.stream`},
		{"testdata/bad-consumer.toml", `nats.consumer: "heed p07" is not a consumer name`},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			_, err := loadConfig(tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("loadConfig(%s) = %v; want an error containing %q", tt.file, err, tt.want)
			}
		})
	}
}

// TestExampleConfigIsTheDefaults keeps config.example.toml true to the code:
// it must load, and say exactly what the built-in defaults are.
func TestExampleConfigIsTheDefaults(t *testing.T) {
	cfg, err := loadConfig("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(struct{ Store, NATS, SMTP, HTTP any }{cfg.Store, cfg.NATS, cfg.SMTP, cfg.HTTP})
	want, _ := json.Marshal(struct{ Store, NATS, SMTP, HTTP any }{def.Store, def.NATS, def.SMTP, def.HTTP})
	if string(got) != string(want) {
		t.Errorf("config.example.toml differs from the defaults:\n got %s\nwant %s", got, want)
	}
	if p := cfg.policies()["critical"]; p.Due != def.policies()["critical"].Due || len(p.Reminders) != 2 {
		t.Errorf("example critical policy %+v differs from the built-in one", p)
	}
}

func TestSecretsFromEnvironment(t *testing.T) {
	t.Setenv("HEED_ADMIN_TOKEN", "from-the-environment-123")
	t.Setenv("HEED_SMTP_PASSWORD", "hunter2")
	cfg, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.AdminToken != "from-the-environment-123" || cfg.SMTP.Password != "hunter2" {
		t.Errorf("secrets not taken from the environment: %+v %+v", cfg.HTTP, cfg.SMTP)
	}
}

// TestNATSPasswordNotShown: a NATS URL's user and password appear neither in
// the error of a failed connection nor in the address Heed logs.
// (TestNoSecretInLogs checks the whole binary; this fails in a second.)
func TestNATSPasswordNotShown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() { // a server that hangs up: no NATS answers
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	url := "nats://heed:pw-in-url-1@" + ln.Addr().String() + ",nats://other:pw-in-url-2@" + ln.Addr().String()
	_, err = connectNATS(NATSConfig{URL: url}, "test", slog.New(slog.DiscardHandler))
	if err == nil || strings.Contains(err.Error(), "pw-in-url") {
		t.Errorf("connecting to a NATS that hangs up: %v; want an error without the password", err)
	}
	if got := redactURL(url); strings.Contains(got, "pw-in-url") || strings.Contains(got, "heed:") {
		t.Errorf("redactURL(%q) = %q", url, got)
	}
}

func TestCLIOperatorFlow(t *testing.T) {
	ns := startNATS(t)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), ""), clock.NewFake(testStart))
	dir := t.TempDir()
	conf := h.cliConfig()

	code, out, errOut := heedCLI(t, "org", "add", "-config", conf, "-name", "Example KK", "-language", "ja",
		"-timezone", "Asia/Tokyo", "-business-hours", "09:00-18:00 Mon-Fri", "-digest", "daily", "-digest-time", "08:30",
		"-contact", "security@example.co.jp,Security Team", "-escalation", "ciso@example.co.jp")
	if code != 0 {
		t.Fatalf("org add: %d %s", code, errOut)
	}
	orgID := strings.TrimSpace(out)

	bad := filepath.Join(dir, "bad.csv")
	must(t, os.WriteFile(bad, []byte("vendor,product,version,cpe,purl,asset\nA,B,1,,,x\nA,B,1,not-a-cpe,,y\n"), 0o600))
	code, _, errOut = heedCLI(t, "inventory", "import", "-config", conf, "-org", orgID, bad)
	if code == 0 || !strings.Contains(errOut, "line 3") {
		t.Errorf("import of a bad CSV: exit %d, %q; want a failure naming line 3", code, errOut)
	}
	code, out, errOut = heedCLI(t, "org", "list", "-config", conf)
	if code != 0 || !regexp.MustCompile(`Example KK\s+ja\s+Asia/Tokyo\s+09:00-18:00 Mon-Fri\s+daily 08:30\s+0\s`).MatchString(out) {
		t.Errorf("org list after a refused import: %d %q %q", code, out, errOut)
	}

	code, out, errOut = heedCLI(t, "inventory", "import", "-config", conf, "-org", orgID, "../../testdata/inventory-example.csv")
	if code != 0 || !strings.Contains(out, "imported 3 items") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	code, out, errOut = heedCLI(t, "advisory", "match", "-config", conf, "../../testdata/advisories/sa44101.heed.json")
	if code != 0 || !strings.Contains(out, orgID) || !strings.Contains(out, "9.0R3.3") || !strings.Contains(out, "nothing was sent") {
		t.Errorf("advisory match: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = heedCLI(t, "cases", "-config", conf)
	if code != 0 || strings.Contains(out, "SA44101") {
		t.Errorf("advisory match must not open cases; heed cases printed:\n%s", out)
	}
}

func TestInspect(t *testing.T) {
	code, out, errOut := heedCLI(t, "advisory", "inspect", "../../testdata/advisories/log4shell.osv.json")
	if code != 0 {
		t.Fatalf("inspect: %d %s", code, errOut)
	}
	var adv struct {
		ID, Format, Severity string
		Affected             []struct{ PURL, Scheme string }
	}
	must(t, json.Unmarshal([]byte(out), &adv))
	if adv.ID != "GHSA-jfh8-c2jp-5v3q" || adv.Format != "osv" || len(adv.Affected) != 1 || adv.Affected[0].Scheme != "maven" {
		t.Errorf("inspect printed %+v", adv)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	must(t, os.WriteFile(bad, []byte(`{"hello": "world"}`), 0o600))
	code, _, errOut = heedCLI(t, "advisory", "inspect", bad)
	if code == 0 || !strings.Contains(errOut, bad) {
		t.Errorf("inspect of a non-advisory: exit %d, stderr %q; want failure naming the file", code, errOut)
	}
	code, _, errOut = heedCLI(t, "publish", bad)
	if code == 0 || !strings.Contains(errOut, "not published") {
		t.Errorf("publish of a non-advisory: exit %d, %q; want refusal before publishing", code, errOut)
	}
}

func TestHelpAndUnknownCommand(t *testing.T) {
	if code, out, _ := heedCLI(t, "help"); code != 0 || !strings.Contains(out, "heed serve") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, _, errOut := heedCLI(t, "serve", "-h"); code != 0 || !strings.Contains(errOut, "-config") {
		t.Errorf("serve -h: %d %q", code, errOut)
	}
	if code, _, errOut := heedCLI(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
}

func TestDKIMKeyLoading(t *testing.T) {
	dir := t.TempDir()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	pkcs1 := filepath.Join(dir, "rsa.pem")
	must(t, os.WriteFile(pkcs1, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), 0o600))
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(edKey)
	pkcs8 := filepath.Join(dir, "ed.pem")
	must(t, os.WriteFile(pkcs8, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	junk := filepath.Join(dir, "junk.pem")
	must(t, os.WriteFile(junk, []byte("not a key"), 0o600))

	for _, f := range []string{pkcs1, pkcs8} {
		d, err := loadDKIM(SMTPConfig{DKIMDomain: "heed.example", DKIMSelector: "s1", DKIMKeyFile: f})
		if err != nil || d == nil || d.Signer == nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
	if _, err := loadDKIM(SMTPConfig{DKIMDomain: "d", DKIMSelector: "s", DKIMKeyFile: junk}); err == nil || !strings.Contains(err.Error(), "smtp.dkim_key_file") {
		t.Errorf("junk key: %v", err)
	}
	cfg := defaultConfig()
	cfg.SMTP.DKIMDomain = "heed.example"
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "smtp.dkim_selector") {
		t.Errorf("half a DKIM config: %v", err)
	}
}
