package relay

import (
	"context"
	"crypto/tls"
	"net"
	"net/textproto"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// conn is one open session with the relay, greeted, encrypted as configured
// and authenticated, ready for MAIL FROM.
type conn struct {
	client *smtp.Client
	// raw is the TCP connection under go-smtp and TLS. Closing it is the one
	// way to interrupt go-smtp mid-command when ctx is cancelled.
	raw net.Conn
	// session is the connection go-smtp opened the session on (raw, or
	// TLS over raw): mail transactions are written there and their
	// replies read with replies (transaction.go).
	session net.Conn
	replies *textproto.Reader
	ext     extensions
	// buf is scratch space for the commands and the message's
	// dot-encoding.
	buf []byte
	// idle fires when the connection has waited in the pool for IdleTimeout;
	// guarded by Relay.mu.
	idle *time.Timer
}

// newClient is go-smtp's client on nc with its deadlines at Timeout: go-smtp
// arms RFC 5321's 5 and 12 minute deadlines before each command (the
// greeting, STARTTLS, AUTH, MAIL, RCPT, DATA and its final answer).
func (r *Relay) newClient(nc net.Conn) *smtp.Client {
	c := smtp.NewClient(nc)
	c.CommandTimeout, c.SubmissionTimeout = r.cfg.Timeout, r.cfg.Timeout
	return c
}

// dial opens a new session. ctx bounds the whole setup together with Timeout.
func (r *Relay) dial(ctx context.Context) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()

	d := net.Dialer{Timeout: r.cfg.Timeout}
	raw, err := d.DialContext(ctx, "tcp", r.cfg.Addr)
	if err != nil {
		return nil, classify(ctx, StageDial, err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	client, session, err := r.open(ctx, raw)
	if !stop() && err == nil {
		// ctx ended after the last reply but before stop: raw is closed.
		err = classify(ctx, StageDial, ctx.Err())
	}
	if err != nil {
		if client != nil {
			client.Close()
		}
		raw.Close()
		return nil, err
	}
	r.log.Debug("relay connected", "addr", r.cfg.Addr, "tls", r.cfg.TLS)
	offers := func(ext string) bool { ok, _ := client.Extension(ext); return ok }
	return &conn{client: client, raw: raw, session: session, replies: newReplies(session),
		ext: extensions{pipelining: offers("PIPELINING"), eightBit: offers("8BITMIME"), size: offers("SIZE"), utf8: offers("SMTPUTF8")}}, nil
}

// open runs greeting, TLS and AUTH on raw. It returns the client and the
// connection it speaks on (raw, or TLS over raw); it may return a client
// together with an error so that the caller can close it.
func (r *Relay) open(ctx context.Context, raw net.Conn) (*smtp.Client, net.Conn, error) {
	var session net.Conn
	stage := StageDial // of the EHLO that starts the session
	switch r.cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(raw, r.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, nil, classify(ctx, StageTLS, err)
		}
		session = tc
	case TLSStartTLS:
		tc, err := r.startTLS(ctx, raw)
		if err != nil {
			return nil, nil, err
		}
		session, stage = tc, StageTLS
	default:
		session = raw
	}
	c := r.newClient(session)
	if err := c.Hello(r.cfg.HelloName); err != nil {
		return c, nil, classify(ctx, stage, err)
	}
	if r.cfg.Username == "" {
		return c, session, nil
	}
	if err := r.auth(ctx, c, session != raw, raw.RemoteAddr()); err != nil {
		return c, nil, err
	}
	return c, session, nil
}

// auth logs in with PLAIN, or LOGIN when the relay offers only that, and
// refuses to send the password over an unencrypted link to another machine.
func (r *Relay) auth(ctx context.Context, c *smtp.Client, encrypted bool, peer net.Addr) error {
	if !encrypted && !loopbackAddr(peer) {
		return &Error{Stage: StageAuth, Message: "refusing AUTH over an unencrypted connection to " + peer.String()}
	}
	var a sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		a = sasl.NewPlainClient("", r.cfg.Username, r.cfg.Password)
	case c.SupportsAuth(sasl.Login):
		a = sasl.NewLoginClient(r.cfg.Username, r.cfg.Password)
	default:
		return &Error{Stage: StageAuth, Message: "relay offers neither AUTH PLAIN nor AUTH LOGIN"}
	}
	if err := c.Auth(a); err != nil {
		return classify(ctx, StageAuth, err)
	}
	return nil
}

// quit ends a session politely; a relay that no longer answers is simply
// disconnected.
func (c *conn) quit() {
	if err := c.client.Quit(); err != nil {
		c.client.Close()
	}
}

// loopbackAddr reports whether a is on this machine, where a clear-text
// password never crosses a network.
func loopbackAddr(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// loopbackHost reports whether a configured host name is this machine.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
