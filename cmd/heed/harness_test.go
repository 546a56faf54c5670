package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/nats-io/nats-server/v2/server"
	natstest "github.com/nats-io/nats-server/v2/test"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/store"
)

// received is one message the test SMTP server accepted.
type received struct {
	From      string
	To        string
	Subject   string
	MessageID string
	InReplyTo string
	Text      string
	HTML      string
	Raw       []byte
}

// sink is a real go-smtp server on 127.0.0.1 that keeps what it receives.
type sink struct {
	addr string
	ch   chan received
	mu   sync.Mutex
	all  []received
	// refuse answers RCPT TO for these addresses with this SMTP error.
	refuse map[string]*smtp.SMTPError
}

func startSink(t *testing.T) *sink {
	t.Helper()
	s := &sink{ch: make(chan received, 1000), refuse: map[string]*smtp.SMTPError{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // connections Heed drops on shutdown are expected
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

type sinkSession struct {
	sink     *sink
	from, to string
}

func (s *sinkSession) Reset()        { s.from, s.to = "", "" }
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.sink.mu.Lock()
	refusal := s.sink.refuse[to]
	s.sink.mu.Unlock()
	if refusal != nil {
		return refusal
	}
	s.to = to
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parseReceived(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparseable message: " + err.Error()}
	}
	m.From, m.To = s.from, s.to
	s.sink.mu.Lock()
	s.sink.all = append(s.sink.all, m)
	s.sink.mu.Unlock()
	s.sink.ch <- m
	return nil
}

func parseReceived(raw []byte) (received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return received{}, err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return received{}, err
	}
	m := received{Subject: subject, MessageID: msg.Header.Get("Message-ID"), InReplyTo: msg.Header.Get("In-Reply-To"), Raw: raw}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return m, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, err
		}
		b, _ := io.ReadAll(p)
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			m.Text = strings.ReplaceAll(string(b), "\r\n", "\n")
		} else {
			m.HTML = string(b)
		}
	}
	return m, nil
}

// next waits for the next message; the wait is on real delivery, not a sleep.
func (s *sink) next(t *testing.T) received {
	t.Helper()
	select {
	case m := <-s.ch:
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("no mail arrived within 20s")
		return received{}
	}
}

// nextN waits for n messages and returns them sorted by recipient.
func (s *sink) nextN(t *testing.T, n int) []received {
	t.Helper()
	var out []received
	for range n {
		out = append(out, s.next(t))
	}
	sortByTo(out)
	return out
}

func sortByTo(ms []received) {
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			if ms[j].To < ms[i].To {
				ms[i], ms[j] = ms[j], ms[i]
			}
		}
	}
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.all)
}

var ackLinkRE = regexp.MustCompile(`http://[^\s"<>]+/ack/[A-Za-z0-9_.-]+`)

func (m received) ackLink(t *testing.T) string {
	t.Helper()
	link := ackLinkRE.FindString(m.Text)
	if link == "" {
		t.Fatalf("no ack link in mail %q:\n%s", m.Subject, m.Text)
	}
	return link
}

// startNATS runs a real NATS server with JetStream, its store in a temp dir.
func startNATS(t *testing.T) *server.Server {
	t.Helper()
	opts := natstest.DefaultTestOptions
	opts.Port = -1
	opts.JetStream = true
	opts.StoreDir = t.TempDir()
	ns := natstest.RunServer(&opts)
	t.Cleanup(ns.Shutdown)
	return ns
}

const testToken = "test-admin-token-0123456789"

// heed is one running "heed serve" inside the test process.
type heed struct {
	t     *testing.T
	cfg   Config
	clock *clock.Fake
	base  string
	log   *testLogWriter
	http  *http.Client
	stop  func()
	// embeddedNATS is the address of the embedded NATS server, when Heed
	// runs one.
	embeddedNATS string
	// inbound is the address of the inbound SMTP server, when configured.
	inbound string
}

// testConfig returns a config for a Heed on the given NATS and relay, with
// its database in dir.
func testConfig(t *testing.T, dir, natsURL, smtpAddr string) Config {
	t.Helper()
	cfg := defaultConfig()
	cfg.Store.Path = filepath.Join(dir, "heed.db")
	cfg.NATS.URL = natsURL
	cfg.SMTP.Addr = smtpAddr
	cfg.SMTP.TLS = "none"
	cfg.SMTP.From = "Heed <heed@heed.test>"
	cfg.HTTP.AdminToken = testToken
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

var testStart = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// startHeed runs serve until the test ends or h.stop is called.
func startHeed(t *testing.T, cfg Config, clk *clock.Fake) *heed {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Links derive from where Heed listens (http.public_url is not set).
	cfg.HTTP.Listen = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	logw := &testLogWriter{t: t}
	var embeddedNATS, inboundAddr string
	go func() {
		done <- serve(ctx, cfg, serveOptions{
			Log:      slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelInfo})),
			Out:      io.Discard,
			Clock:    clk,
			Listener: ln,
			Ready:    func(string) { close(ready) },
			// Called before Ready, on the same goroutine.
			EmbeddedNATS: func(addr string) { embeddedNATS = addr },
			Inbound:      func(addr string) { inboundAddr = addr },
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve stopped at start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start within 30s")
	}
	jar, _ := cookiejar.New(nil)
	base, _ := cfg.HTTP.publicURL()
	h := &heed{t: t, cfg: cfg, clock: clk, log: logw, base: base, http: &http.Client{Jar: jar, Timeout: 20 * time.Second},
		embeddedNATS: embeddedNATS, inbound: inboundAddr}
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve returned %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop within 30s")
			}
		})
	}
	t.Cleanup(h.stop)
	return h
}

// testLogWriter sends Heed's log to the test log, to read when a test
// fails, and keeps it for tests that check what Heed says.
type testLogWriter struct {
	t    *testing.T
	mu   sync.Mutex
	text strings.Builder
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	w.text.Write(p)
	return len(p), nil
}

func (w *testLogWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.text.String()
}

// api calls the admin API and decodes the JSON answer into out (if not nil).
func (h *heed) api(method, path, ctype string, body []byte, out any) int {
	h.t.Helper()
	req, err := http.NewRequest(method, h.base+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// addOrg registers an organization through the API and returns its id.
func (h *heed) addOrg(name string, contacts ...string) string {
	h.t.Helper()
	var out struct{ ID string }
	if code := h.api("POST", "/api/v1/orgs", "application/json", orgJSON(name, contacts...), &out); code != http.StatusCreated {
		h.t.Fatalf("create org %s: status %d", name, code)
	}
	return out.ID
}

// orgJSON is the API's body for a new organization; a contact "esc:x" is an
// escalation contact, the others primary.
func orgJSON(name string, contacts ...string) []byte {
	var cs []map[string]string
	for _, c := range contacts {
		role := "primary"
		if e, ok := strings.CutPrefix(c, "esc:"); ok {
			c, role = e, "escalation"
		}
		cs = append(cs, map[string]string{"email": c, "role": role})
	}
	body, _ := json.Marshal(map[string]any{"name": name, "language": "en", "timezone": "Asia/Tokyo", "contacts": cs})
	return body
}

func (h *heed) putCSV(orgID, csv string) {
	h.t.Helper()
	var out map[string]any
	if code := h.api("PUT", "/api/v1/orgs/"+orgID+"/inventory", "text/csv", []byte(csv), &out); code != http.StatusOK {
		h.t.Fatalf("inventory of %s: status %d: %v", orgID, code, out)
	}
}

type apiCase struct {
	ID             string     `json:"id"`
	Advisory       string     `json:"advisory"`
	Org            string     `json:"org"`
	State          string     `json:"state"`
	RemindersSent  int        `json:"reminders_sent"`
	NextReminderAt *time.Time `json:"next_reminder_at"`
	DueAt          time.Time  `json:"due_at"`
	Answer         *struct {
		Status string    `json:"status"`
		At     time.Time `json:"at"`
		Note   string    `json:"note"`
	} `json:"answer"`
	Items []struct {
		Version, Certainty, Reason string
	} `json:"items"`
}

func (h *heed) cases(query string) []apiCase {
	h.t.Helper()
	var out struct{ Cases []apiCase }
	if code := h.api("GET", "/api/v1/cases?"+query, "", nil, &out); code != http.StatusOK {
		h.t.Fatalf("list cases: status %d", code)
	}
	return out.Cases
}

// publish sends a document to the stream as a publisher would.
func publish(t *testing.T, natsURL, subject string, data []byte) {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.Publish(ctx, subject, data); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

// outbox reads a case's mails straight from the database file, as evidence.
func outbox(t *testing.T, cfg Config, caseID string) []store.Mail {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mails []store.Mail
	if err := db.View(ctx, func(tx *store.Tx) (err error) {
		mails, err = tx.Mails(store.MailFilter{CaseID: caseID, Limit: 1000})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return mails
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// cliConfig writes a config file with which the CLI finds this server: its
// database, its NATS, its HTTP address and admin token.
func (h *heed) cliConfig() string {
	h.t.Helper()
	conf := filepath.Join(h.t.TempDir(), "heed.toml")
	nats := fmt.Sprintf("url = %q", h.cfg.NATS.URL)
	if h.cfg.NATS.URL == "" {
		nats = fmt.Sprintf("embedded_listen = %q", h.embeddedNATS)
	}
	text := fmt.Sprintf("[store]\npath = %q\n[nats]\n%s\n[http]\nlisten = %q\nadmin_token = %q\n",
		h.cfg.Store.Path, nats, h.cfg.HTTP.Listen, h.cfg.HTTP.AdminToken)
	must(h.t, os.WriteFile(conf, []byte(text), 0o600))
	return conf
}
