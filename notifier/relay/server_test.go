package relay

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the test relay got it.
type received struct {
	from, to string
	data     []byte
	tls      bool
	user     string
	opts     smtp.MailOptions // MAIL's parameters
}

// backend is a go-smtp backend that records messages and can be told to
// refuse, stall or drop, so tests exercise the real protocol.
type backend struct {
	user, pass string // when set, MAIL requires AUTH with these
	// mechs are the AUTH mechanisms offered: sasl.Plain (default) and
	// sasl.Login.
	mechs []string
	// insecureAuth offers AUTH without TLS.
	insecureAuth bool
	// discard reads messages and keeps none, for benchmarks.
	discard bool

	// rcpt, when set, answers RCPT TO; a non-nil error is the reply.
	rcpt func(to string) error
	// data, when set, runs after the message is read and before the reply;
	// it may close the connection or block.
	data func(c *smtp.Conn) error

	mu    sync.Mutex
	msgs  []received
	conns []*smtp.Conn
}

func (be *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	be.mu.Lock()
	be.conns = append(be.conns, c)
	be.mu.Unlock()
	return &session{be: be, conn: c}, nil
}

func (be *backend) messages() []received {
	be.mu.Lock()
	defer be.mu.Unlock()
	return append([]received(nil), be.msgs...)
}

// dropAll closes the server side of every session, as a relay restart would.
func (be *backend) dropAll() {
	be.mu.Lock()
	defer be.mu.Unlock()
	for _, c := range be.conns {
		c.Conn().Close()
	}
}

type session struct {
	be   *backend
	conn *smtp.Conn
	user string
	from string
	opts smtp.MailOptions
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if s.be.user == "" {
		return nil
	}
	if s.be.mechs != nil {
		return s.be.mechs
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if !slices.Contains(s.AuthMechanisms(), mech) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	check := func(username, password string) error {
		if username != s.be.user || password != s.be.pass {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}
	if mech == sasl.Login {
		return &loginServer{check: check}, nil
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		return check(username, password)
	}), nil
}

// loginServer is the server side of the obsolete LOGIN mechanism, which
// go-sasl implements only as a client.
type loginServer struct {
	check    func(username, password string) error
	username []byte
	asked    bool
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch {
	case l.username == nil && response == nil && !l.asked:
		l.asked = true
		return []byte("Username:"), false, nil
	case l.username == nil:
		l.username = response
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(string(l.username), string(response))
}

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if s.be.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	if opts != nil {
		s.opts = *opts
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.be.rcpt != nil {
		if err := s.be.rcpt(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	if s.be.discard {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.be.data != nil {
		if err := s.be.data(s.conn); err != nil {
			return err
		}
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.be.mu.Lock()
	for _, to := range s.to {
		s.be.msgs = append(s.be.msgs, received{from: s.from, to: to, data: b, tls: isTLS, user: s.user, opts: s.opts})
	}
	s.be.mu.Unlock()
	return nil
}

func (s *session) Reset() { s.from, s.opts, s.to = "", smtp.MailOptions{}, nil }

func (s *session) Logout() error { return nil }

// countingListener counts the connections the relay accepts, and the most
// that were open at once.
type countingListener struct {
	net.Listener
	mu                  sync.Mutex
	total, active, peak int
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.total++
	l.active++
	l.peak = max(l.peak, l.active)
	l.mu.Unlock()
	return &countedConn{Conn: c, l: l}, nil
}

func (l *countingListener) counts() (total, active, peak int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total, l.active, l.peak
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.active--
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// testRelay is a go-smtp server on 127.0.0.1:0.
type testRelay struct {
	addr  string
	be    *backend
	ln    *countingListener
	roots *x509.CertPool // trusts the relay's certificate
}

// startRelay runs be on a fresh port. mode is TLSNone (no TLS offered),
// TLSStartTLS (STARTTLS offered) or TLSImplicit (TLS from the first byte).
func startRelay(tb testing.TB, be *backend, mode string) *testRelay {
	tb.Helper()
	return startRelayOn(tb, be, mode, nil)
}

// startRelayOn is startRelay with the relay's listener wrapped by wrap (if
// not nil), to watch or alter the bytes of its connections.
func startRelayOn(tb testing.TB, be *backend, mode string, wrap func(net.Listener) net.Listener) *testRelay {
	tb.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = "relay.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.EnableSMTPUTF8 = true
	srv.AllowInsecureAuth = be.insecureAuth

	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ln := &countingListener{Listener: tcp}
	tr := &testRelay{addr: tcp.Addr().String(), be: be, ln: ln}
	var serve net.Listener = ln
	if wrap != nil {
		serve = wrap(ln)
	}
	if mode != TLSNone {
		cert, roots := selfSigned(tb)
		tr.roots = roots
		tc := &tls.Config{Certificates: []tls.Certificate{cert}}
		if mode == TLSImplicit {
			serve = tls.NewListener(serve, tc)
		} else {
			srv.TLSConfig = tc
		}
	}
	go srv.Serve(serve)
	tb.Cleanup(func() { srv.Close() })
	return tr
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(tb testing.TB) (tls.Certificate, *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "heed test relay"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

// newRelay builds a client Relay for tr and closes it after the test.
func newRelay(tb testing.TB, tr *testRelay, cfg Config) *Relay {
	tb.Helper()
	cfg.Addr = tr.addr
	if cfg.TLS == "" {
		cfg.TLS = TLSNone
	}
	if cfg.TLS != TLSNone && cfg.TLSConfig == nil {
		cfg.TLSConfig = &tls.Config{RootCAs: tr.roots}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	r, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}
