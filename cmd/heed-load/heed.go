package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// heedServer is the "heed serve" process under load: its own temporary
// database and embedded NATS server, mail relayed to the sink.
type heedServer struct {
	cmd   *exec.Cmd
	done  chan error
	log   *lockedBuffer
	base  string // http://host:port
	nats  string // nats://host:port of the embedded server
	token string
	// remote: a Heed this command did not start (-url): no process here,
	// its CPU and memory from its /metrics (remote.go).
	remote  *remoteStats
	stopped sync.Once
}

// buildHeed builds cmd/heed of the module this command belongs to, into dir.
func buildHeed(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "heed")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/heed-dev/heed/cmd/heed")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build heed (run heed-load inside the repository, or give -heed): %v\n%s", err, out)
	}
	return bin, nil
}

var (
	runningRE = regexp.MustCompile(`msg="heed is running" http=(\S+)`)
	natsRE    = regexp.MustCompile(`msg="embedded NATS with JetStream started" listen=(\S+)`)
)

// startHeed writes a configuration into dir and runs "heed serve" on it
// until it serves HTTP and holds the lease (role active).
// Extra arguments of heed serve (-cpuprofile FILE, -memprofile FILE)
// follow the config.
func startHeed(ctx context.Context, bin, dir, relayAddr string, conns int, extra ...string) (*heedServer, error) {
	token := make([]byte, 24)
	rand.Read(token)
	h := &heedServer{log: &lockedBuffer{}, token: hex.EncodeToString(token), done: make(chan error, 1)}
	config := fmt.Sprintf(`[store]
path = %q
[nats]
embedded_listen = "127.0.0.1:0"
embedded_dir = %q
[smtp]
addr = %q
tls = "none"
max_conns = %d
from = "Heed <heed@heed.load.test>"
[http]
listen = "127.0.0.1:0"
`, filepath.Join(dir, "heed.db"), filepath.Join(dir, "nats"), relayAddr, conns)
	path := filepath.Join(dir, "heed.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return nil, fmt.Errorf("start heed: %w", err)
	}
	h.cmd = exec.Command(bin, append([]string{"serve", "-config", path}, extra...)...)
	h.cmd.Dir = dir
	h.cmd.Env = append(os.Environ(), "HEED_ADMIN_TOKEN="+h.token)
	h.cmd.Stdout, h.cmd.Stderr = h.log, h.log
	if err := h.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start heed: %w", err)
	}
	go func() { h.done <- h.cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for h.base == "" || h.nats == "" || !h.active(ctx) {
		if m := runningRE.FindStringSubmatch(h.log.String()); m != nil {
			h.base = "http://" + m[1]
		}
		if m := natsRE.FindStringSubmatch(h.log.String()); m != nil {
			h.nats = "nats://" + m[1]
		}
		select {
		case err := <-h.done:
			return nil, fmt.Errorf("heed exited at start (%v):\n%s", err, h.log.String())
		case <-ctx.Done():
			h.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			h.stop()
			return nil, fmt.Errorf("heed did not become active within 2 minutes:\n%s", h.log.String())
		}
	}
	return h, nil
}

// active reports whether Heed answers /healthz as the active process.
func (h *heedServer) active(ctx context.Context) bool {
	if h.base == "" {
		return false
	}
	var health struct{ Role string }
	return h.call(ctx, http.MethodGet, "/healthz", "", nil, &health) == nil && health.Role == "active"
}

// stop ends Heed with SIGTERM (its drain) and waits for it; once.
func (h *heedServer) stop() {
	if h.remote != nil {
		return // not ours to stop
	}
	h.stopped.Do(func() {
		h.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-h.done:
		case <-time.After(time.Minute):
			h.cmd.Process.Kill()
			<-h.done
		}
	})
}

// call sends an API request with the admin token and decodes a JSON
// answer into out (if not nil); a status other than 2xx is an error.
func (h *heedServer) call(ctx context.Context, method, path, ctype string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out == nil {
		return nil
	}
	return jsonUnmarshal(data, out)
}

// memory reads a line of Heed's /proc status, in bytes: "VmHWM" is the
// peak resident set, "VmRSS" the current one.
func (h *heedServer) memory(field string) (int64, error) {
	if h.remote != nil {
		return h.remoteMemory(field)
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", h.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read heed's memory: %w", err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read heed's memory: %s: %w", line, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("read heed's memory: no " + field + " in /proc status (not Linux?)")
}

// cpu is the processor time Heed has used so far (user and system), from
// /proc/PID/stat. On a shared machine it says what Heed's work cost better
// than the wall clock does.
func (h *heedServer) cpu() (time.Duration, error) {
	if h.remote != nil {
		s, err := h.metric(context.Background(), "process_cpu_seconds_total")
		return time.Duration(s * float64(time.Second)), err
	}
	d, err := procCPU(h.cmd.Process.Pid)
	if err != nil {
		return 0, fmt.Errorf("read heed's cpu time: %w", err)
	}
	return d, nil
}

// resetPeak starts VmHWM afresh from the current resident set (Linux
// clear_refs, value 5), so the fan-out's peak is not the onboarding's.
func (h *heedServer) resetPeak() error {
	if h.remote != nil {
		h.remote.mu.Lock()
		h.remote.peak = 0
		h.remote.mu.Unlock()
		return nil
	}
	err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", h.cmd.Process.Pid), []byte("5"), 0)
	if err != nil {
		return fmt.Errorf("reset heed's peak memory: %w", err)
	}
	return nil
}

// lockedBuffer collects a process's output for the goroutines that read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// keepOutput bounds the output kept: the start-up lines come first, and an
// error shows only the end.
const keepOutput = 4 << 20

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len()+len(p) > keepOutput {
		b.buf.Next(b.buf.Len() / 2)
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail is the last n bytes of the output, for an error.
func (b *lockedBuffer) tail(n int) string {
	s := b.String()
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}
