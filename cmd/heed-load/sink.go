package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// The sink is the mail server of the run: a go-smtp server in a process of
// its own (this binary re-executed with sinkEnv set), as a relay would be,
// so that its work is not counted against Heed's nor against the raw
// client's. It accepts every message and counts it per recipient, with the
// times of the first and the last; the load command reads and resets the
// counts over HTTP on the loopback interface. It exits when its standard
// input closes, so it never outlives the command.

// sinkEnv, set to "1" in a process's environment, makes it the sink.
const sinkEnv = "HEED_LOAD_SINK"

// sinkStatus is what the sink has accepted since its last reset.
type sinkStatus struct {
	Total    int   `json:"total"`    // messages accepted
	Distinct int   `json:"distinct"` // recipients that got at least one
	Repeated int   `json:"repeated"` // recipients that got more than one
	Bytes    int64 `json:"bytes"`    // message bytes accepted
	FirstNS  int64 `json:"first_ns"` // Unix time of the first acceptance, ns; 0: none yet
	LastNS   int64 `json:"last_ns"`
	// Recipients, with the number of messages each got, when asked (?recipients=1).
	Recipients map[string]int `json:"recipients,omitempty"`
	SMTP       string         `json:"smtp"` // the address the sink's SMTP server listens on
	// CPUNS is the processor time the sink process has used so far, ns:
	// what the SMTP server's side of the mails costs.
	CPUNS int64 `json:"cpu_ns"`
}

// sinkCounts is the sink's state.
type sinkCounts struct {
	mu       sync.Mutex
	st       sinkStatus
	byRcpt   map[string]int
	smtpAddr string
}

func (c *sinkCounts) accepted(rcpts []string, n int64) {
	now := time.Now().UnixNano()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rcpts {
		c.st.Total++
		c.st.Bytes += n
		c.byRcpt[r]++
		switch c.byRcpt[r] {
		case 1:
			c.st.Distinct++
		case 2:
			c.st.Repeated++
		}
	}
	if c.st.FirstNS == 0 {
		c.st.FirstNS = now
	}
	c.st.LastNS = now
}

func (c *sinkCounts) serveHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/reset":
		c.st, c.byRcpt = sinkStatus{}, map[string]int{}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && r.URL.Path == "/status":
		st := c.st
		st.SMTP = c.smtpAddr
		st.CPUNS = int64(selfCPU())
		if r.URL.Query().Get("recipients") == "1" {
			st.Recipients = c.byRcpt
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	default:
		http.NotFound(w, r)
	}
}

type sinkSession struct {
	counts *sinkCounts
	rcpts  []string
}

func (s *sinkSession) Reset()                               { s.rcpts = s.rcpts[:0] }
func (s *sinkSession) Logout() error                        { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	s.counts.accepted(s.rcpts, n)
	return nil
}

// runSink is the sink process of a local run: its addresses chosen by the
// kernel, printed on one line, served until its standard input closes.
func runSink() int {
	ctx, stop := context.WithCancel(context.Background())
	go func() { io.Copy(io.Discard, os.Stdin); stop() }()
	if err := serveSink(ctx, "127.0.0.1:0", "127.0.0.1:0", os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sink:", err)
		return 1
	}
	return 0
}

// serveSink listens on the two addresses, prints them on one line to out,
// then serves until ctx ends.
func serveSink(ctx context.Context, smtpAddr, httpAddr string, out io.Writer) error {
	smtpLn, err := net.Listen("tcp", smtpAddr)
	if err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	defer smtpLn.Close()
	httpLn, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	defer httpLn.Close()
	counts := &sinkCounts{byRcpt: map[string]int{}, smtpAddr: smtpLn.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &sinkSession{counts: counts}, nil
	}))
	srv.Domain = "sink.load.test"
	srv.MaxMessageBytes = 64 << 20
	srv.MaxRecipients = 100
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go srv.Serve(smtpLn)
	go http.Serve(httpLn, http.HandlerFunc(counts.serveHTTP))
	fmt.Fprintf(out, "sink smtp=%s http=%s\n", smtpLn.Addr(), httpLn.Addr())
	<-ctx.Done()
	return nil
}

// sink is the load command's handle on the sink process.
type sink struct {
	smtpAddr string
	base     string // http://host:port
	cmd      *exec.Cmd
	stdin    io.Closer
}

// startSink re-executes this binary as the sink and reads its addresses.
func startSink(ctx context.Context) (*sink, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start sink: %w", err)
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), sinkEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start sink: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start sink: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sink: %w", err)
	}
	s := &sink{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("start sink: read its addresses: %w", err)
	}
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "smtp="); ok {
			s.smtpAddr = v
		}
		if v, ok := strings.CutPrefix(f, "http="); ok {
			s.base = "http://" + v
		}
	}
	if s.smtpAddr == "" || s.base == "" {
		s.stop()
		return nil, fmt.Errorf("start sink: it said %q", line)
	}
	return s, nil
}

// stop ends the sink process of a local run; a sink started apart runs on.
func (s *sink) stop() {
	if s.cmd == nil {
		return
	}
	s.stdin.Close()
	s.cmd.Wait()
}

func (s *sink) reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reset sink: %w", err)
	}
	resp.Body.Close()
	return nil
}

// status reads the counts; with recipients, each recipient's count too.
func (s *sink) status(ctx context.Context, recipients bool) (sinkStatus, error) {
	var st sinkStatus
	url := s.base + "/status"
	if recipients {
		url += "?recipients=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("read sink: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("read sink: %w", err)
	}
	return st, nil
}
