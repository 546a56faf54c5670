package notifier

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/heed-dev/heed/notifier/relay"
)

// testMTA is a real go-smtp server on 127.0.0.1:0 whose answers a test sets:
// rcpt answers RCPT TO and data the end of DATA (nil: accept). It records
// every message it accepted, by recipient.
type testMTA struct {
	mu   sync.Mutex
	rcpt func(to string) error
	data func(to string) error
	got  map[string]int
}

// startMTA starts a test relay and returns it with a relay client to it.
func startMTA(t testing.TB) (*testMTA, *relay.Relay) {
	t.Helper()
	mta := &testMTA{got: map[string]int{}}
	srv := smtp.NewServer(mta)
	srv.Domain = "mta.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	r, err := relay.New(relay.Config{Addr: ln.Addr().String(), TLS: relay.TLSNone, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return mta, r
}

// answer sets how the relay answers RCPT TO and DATA.
func (m *testMTA) answer(rcpt, data func(to string) error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rcpt, m.data = rcpt, data
}

// received returns how many messages the relay accepted for to.
func (m *testMTA) received(to string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.got[to]
}

func (m *testMTA) total() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.got {
		n += c
	}
	return n
}

func (m *testMTA) NewSession(*smtp.Conn) (smtp.Session, error) { return &mtaSession{mta: m}, nil }

type mtaSession struct {
	mta *testMTA
	to  string
}

func (s *mtaSession) Reset()                               { s.to = "" }
func (s *mtaSession) Logout() error                        { return nil }
func (s *mtaSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *mtaSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.mta.mu.Lock()
	rcpt := s.mta.rcpt
	s.mta.mu.Unlock()
	if rcpt != nil {
		if err := rcpt(to); err != nil {
			return err
		}
	}
	s.to = to
	return nil
}

func (s *mtaSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.mta.mu.Lock()
	data := s.mta.data
	s.mta.mu.Unlock()
	if data != nil {
		if err := data(s.to); err != nil {
			return err
		}
	}
	s.mta.mu.Lock()
	s.mta.got[s.to]++
	s.mta.mu.Unlock()
	return nil
}
