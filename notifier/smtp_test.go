package notifier

import (
	"bytes"
	"io"
	"net"
	"net/mail"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/heed-dev/heed/notifier/relay"
)

// testMTA is a real go-smtp server on 127.0.0.1:0 whose answers a test sets:
// rcpt answers RCPT TO and data the end of DATA (nil: accept). It counts
// every message it accepted, by recipient, and keeps the messages
// themselves when keep is set (benchmarks leave it off).
type testMTA struct {
	addr string
	keep bool

	mu       sync.Mutex
	rcpt     func(to string) error
	data     func(to string) error
	got      map[string]int
	kept     []receivedMail
	dataSeen int // DATA commands answered, accepted or not
}

// receivedMail is a message the test relay accepted and kept.
type receivedMail struct {
	to     string
	header mail.Header
	body   string
	raw    []byte // the message as it came
}

// startMTA starts a test relay and returns it with a relay client to it.
func startMTA(t testing.TB) (*testMTA, *relay.Relay) {
	t.Helper()
	mta := listenMTA(t)
	r, err := relay.New(relay.Config{Addr: mta.addr, TLS: relay.TLSNone, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return mta, r
}

// listenMTA starts a test relay, for a caller that makes its own client.
func listenMTA(t testing.TB) *testMTA {
	t.Helper()
	mta := &testMTA{got: map[string]int{}}
	srv := smtp.NewServer(mta)
	srv.Domain = "mta.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mta.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return mta
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

// mails returns the kept messages, in the order accepted.
func (m *testMTA) mails() []receivedMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.kept)
}

func (m *testMTA) dataCommands() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dataSeen
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
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mta.mu.Lock()
	s.mta.dataSeen++
	data, keep := s.mta.data, s.mta.keep
	s.mta.mu.Unlock()
	if data != nil {
		if err := data(s.to); err != nil {
			return err
		}
	}
	var kept receivedMail
	if keep {
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			return &smtp.SMTPError{Code: 554, Message: "unparseable message: " + err.Error()}
		}
		body, _ := io.ReadAll(m.Body)
		kept = receivedMail{to: s.to, header: m.Header, body: string(body), raw: raw}
	}
	s.mta.mu.Lock()
	defer s.mta.mu.Unlock()
	s.mta.got[s.to]++
	if keep {
		s.mta.kept = append(s.mta.kept, kept)
	}
	return nil
}
