package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/nats-io/nats-server/v2/server"
	natstest "github.com/nats-io/nats-server/v2/test"
)

// mta is a real go-smtp relay in the test process, for Heed run as a
// process: it outlives every kill of Heed, can require AUTH, refuse as a
// test scripts it, go away and come back on the same address, and counts
// every message it accepts (by recipient and Message-ID) so a test can say
// what was lost and what came twice.
type mta struct {
	t          testing.TB
	addr       string
	user, pass string

	mu     sync.Mutex
	srv    *smtp.Server
	policy func(stage, rcpt string) *smtp.SMTPError // nil: accept everything
	got    map[mailKey]int                          // accepted messages
	total  int
}

// mailKey names one message to one recipient.
type mailKey struct{ To, MessageID string }

// startMTA listens on 127.0.0.1:0; with user set, AUTH PLAIN is required.
func startMTA(t testing.TB, user, pass string) *mta {
	t.Helper()
	m := &mta{t: t, user: user, pass: pass, got: map[mailKey]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = ln.Addr().String()
	m.serve(ln)
	t.Cleanup(m.down)
	return m
}

func (m *mta) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mtaSession{mta: m}, nil }))
	srv.Domain = "mta.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0) // connections cut by a kill are expected
	m.mu.Lock()
	m.srv = srv
	m.mu.Unlock()
	go srv.Serve(ln)
}

// setPolicy decides the reply to each MAIL FROM ("mail") and RCPT TO
// ("rcpt") from now on; nil accepts everything.
func (m *mta) setPolicy(f func(stage, rcpt string) *smtp.SMTPError) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.policy = f
}

// down closes the listener and every connection: the relay is unreachable.
func (m *mta) down() {
	m.mu.Lock()
	srv := m.srv
	m.srv = nil
	m.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// up listens again on the same address.
func (m *mta) up() {
	m.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", m.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		m.t.Fatalf("relay back up on %s: %v", m.addr, err)
	}
	m.serve(ln)
}

// counts returns a copy of what was accepted, and the number of messages.
func (m *mta) counts() (map[mailKey]int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[mailKey]int, len(m.got))
	for k, v := range m.got {
		out[k] = v
	}
	return out, m.total
}

// received returns how many messages were accepted in all.
func (m *mta) received() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.total
}

func (m *mta) decide(stage, rcpt string) error {
	m.mu.Lock()
	f := m.policy
	m.mu.Unlock()
	if f == nil {
		return nil
	}
	if e := f(stage, rcpt); e != nil {
		return e
	}
	return nil
}

type mtaSession struct {
	mta    *mta
	authed bool
	to     []string
}

func (s *mtaSession) AuthMechanisms() []string {
	if s.mta.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *mtaSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.mta.user || pass != s.mta.pass {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *mtaSession) Mail(string, *smtp.MailOptions) error {
	if s.mta.user != "" && !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	return s.mta.decide("mail", "")
}

func (s *mtaSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.mta.decide("rcpt", to); err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *mtaSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := parseReceived(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unparseable message: " + err.Error()}
	}
	s.mta.mu.Lock()
	defer s.mta.mu.Unlock()
	for _, to := range s.to {
		s.mta.got[mailKey{to, msg.MessageID}]++
		s.mta.total++
	}
	return nil
}

func (s *mtaSession) Reset()        { s.to = nil }
func (s *mtaSession) Logout() error { return nil }

// natsServer is a real NATS server with JetStream in the test process,
// optionally requiring a user and password, that can be restarted on the
// same port with the same store while Heed runs.
type natsServer struct {
	t    testing.TB
	opts server.Options
	ns   *server.Server
	url  string // with the user info, for Heed and publishers
}

func startNATSServer(t testing.TB, user, pass string) *natsServer {
	t.Helper()
	n := &natsServer{t: t, opts: natstest.DefaultTestOptions}
	n.opts.Port = -1
	n.opts.JetStream = true
	n.opts.StoreDir = t.TempDir()
	n.opts.Username, n.opts.Password = user, pass
	n.ns = natstest.RunServer(&n.opts)
	n.opts.Port = n.ns.Addr().(*net.TCPAddr).Port
	n.url = fmt.Sprintf("nats://%s:%d", n.opts.Host, n.opts.Port)
	if user != "" {
		n.url = fmt.Sprintf("nats://%s:%s@%s:%d", user, pass, n.opts.Host, n.opts.Port)
	}
	t.Cleanup(n.shutdown)
	return n
}

func (n *natsServer) shutdown() {
	if n.ns != nil {
		n.ns.Shutdown()
		n.ns.WaitForShutdown()
		n.ns = nil
	}
}

// restart shuts the server down and starts it again with the same store.
func (n *natsServer) restart() {
	n.shutdown()
	n.ns = natstest.RunServer(&n.opts)
}
