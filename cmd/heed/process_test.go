package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// This file runs Heed as users do: the binary built from this package,
// started as its own process with a config file and environment, killed
// with SIGKILL or stopped with SIGTERM. The secrets test and the drills
// (drill_test.go) use it.

var (
	buildOnce sync.Once
	binDir    string
	binErr    error
)

func TestMain(m *testing.M) {
	if path := os.Getenv("HEED_DRILL_HOLD_LOCK"); path != "" {
		os.Exit(holdWriteLock(path, os.Getenv("HEED_DRILL_HOLD_FOR"))) // drill (f)'s other process
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// heedBinary builds this package once per test run and returns the binary.
func heedBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "heed-bin-"); binErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "heed"), ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "heed")
}

// heedProc is one Heed installation (a config file, a data folder, an
// environment), run as a process any number of times.
type heedProc struct {
	t      testing.TB
	bin    string
	config string   // path of the TOML file
	env    []string // added to the test's environment
	token  string   // admin token for the API

	log *procLog // stdout and stderr of every run, in order

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan error
	base string // http://host:port of the current run
}

// newHeedProc writes config (TOML) to dir and prepares a Heed on it.
func newHeedProc(t testing.TB, dir, config, token string, env ...string) *heedProc {
	t.Helper()
	path := filepath.Join(dir, "heed.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &heedProc{t: t, bin: heedBinary(t), config: path, env: env, token: token, log: &procLog{}}
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("heed's output (last 4 KiB):\n%s", p.log.tail(4096))
		}
	})
	return p
}

var runningRE = regexp.MustCompile(`msg="heed is running" http=(\S+)`)

// start runs "heed serve" and waits until it serves HTTP.
func (p *heedProc) start() {
	p.t.Helper()
	if err := p.tryStart(); err != nil {
		p.t.Fatal(err)
	}
}

// tryStart is start that reports a failure to start instead of failing.
func (p *heedProc) tryStart() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("heed is already running")
	}
	cmd := exec.Command(p.bin, "serve", "-config", p.config)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Dir = filepath.Dir(p.config)
	mark := p.log.len()
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start heed: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for {
		if m := runningRE.FindStringSubmatch(p.log.since(mark)); m != nil {
			p.cmd, p.done, p.base = cmd, done, "http://"+m[1]
			return nil
		}
		select {
		case err := <-done:
			return fmt.Errorf("heed exited at start (%v):\n%s", err, p.log.since(mark))
		case <-deadline:
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("heed did not start within 60s:\n%s", p.log.since(mark))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would.
func (p *heedProc) kill() { p.signal(syscall.SIGKILL) }

// stop ends the process with SIGTERM and waits for its drain.
func (p *heedProc) stop() { p.signal(syscall.SIGTERM) }

func (p *heedProc) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		p.t.Errorf("heed did not stop within 60s of %v", sig)
		p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd = nil
}

// exited reports whether the current run has ended on its own, and how.
func (p *heedProc) exited() (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return true, nil
	}
	select {
	case err := <-p.done:
		p.cmd = nil
		return true, err
	default:
		return false, nil
	}
}

// api calls the admin API of the current run and decodes the JSON answer
// into out (if not nil). It returns the status, or 0 when nothing answered.
func (p *heedProc) api(method, path, ctype string, body []byte, out any) (int, error) {
	p.mu.Lock()
	base := p.base
	p.mu.Unlock()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %s: %w", method, path, b, err)
		}
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return resp.StatusCode, nil
}

// run executes another heed command (org list, publish, ...) with the same
// config and environment, and returns its combined output.
func (p *heedProc) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Dir = filepath.Dir(p.config)
	out, err := cmd.CombinedOutput()
	p.log.Write(out)
	return string(out), err
}

// procLog keeps everything Heed printed, across runs; safe for the
// goroutines exec starts to copy stdout and stderr.
type procLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *procLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *procLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Len()
}

func (l *procLog) since(mark int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf.Bytes()[mark:])
}

func (l *procLog) String() string { return l.since(0) }

func (l *procLog) tail(n int) string {
	s := l.String()
	return s[max(0, len(s)-n):]
}

// lines returns the lines of the log that contain sub.
func (l *procLog) lines(sub string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), sub) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// processConfig returns the configuration of a Heed run as a process, with
// its data in dir, on the given NATS and relay, as TOML.
func processConfig(t *testing.T, dir, natsURL, relayAddr string, edit func(*Config)) string {
	t.Helper()
	cfg := testConfig(t, dir, natsURL, relayAddr)
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.HTTP.PublicURL = "http://heed.test"
	if edit != nil {
		edit(&cfg)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
