package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
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
	// idle fires when the connection has waited in the pool for IdleTimeout;
	// guarded by Relay.mu.
	idle *time.Timer
}

// cappedConn lowers every deadline go-smtp sets to Timeout from now. go-smtp
// arms RFC 5321's 5 and 12 minute deadlines before each command, and
// NewClientStartTLS greets before its timeouts can be changed; capping here
// is the one place that bounds the greeting, STARTTLS and every command.
type cappedConn struct {
	net.Conn
	limit time.Duration
}

func (c *cappedConn) SetDeadline(t time.Time) error {
	if !t.IsZero() {
		if max := time.Now().Add(c.limit); t.After(max) {
			t = max
		}
	}
	return c.Conn.SetDeadline(t)
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
	client, err := r.open(ctx, raw, &cappedConn{Conn: raw, limit: r.cfg.Timeout})
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
	return &conn{client: client, raw: raw}, nil
}

// open runs greeting, TLS and AUTH on nc. It may return a client together
// with an error so that the caller can close it.
func (r *Relay) open(ctx context.Context, raw, nc net.Conn) (*smtp.Client, error) {
	var c *smtp.Client
	encrypted := false
	switch r.cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(nc, r.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, classify(ctx, StageTLS, err)
		}
		c = smtp.NewClient(tc)
		if err := c.Hello(r.cfg.HelloName); err != nil {
			return c, classify(ctx, StageDial, err)
		}
		encrypted = true
	case TLSStartTLS:
		// go-smtp offers STARTTLS only through NewClientStartTLS, which
		// greets and sends its first EHLO as "localhost"; HelloName is
		// used for the EHLO inside TLS, the one relays record.
		var err error
		c, err = smtp.NewClientStartTLS(nc, r.tls)
		if err != nil {
			return nil, r.startTLSError(ctx, err)
		}
		// The TLS handshake runs lazily, on this first encrypted command.
		if err := c.Hello(r.cfg.HelloName); err != nil {
			return c, classify(ctx, StageTLS, err)
		}
		encrypted = true
	default:
		c = smtp.NewClient(nc)
		if err := c.Hello(r.cfg.HelloName); err != nil {
			return c, classify(ctx, StageDial, err)
		}
	}
	if r.cfg.Username == "" {
		return c, nil
	}
	if err := r.auth(ctx, c, encrypted, raw.RemoteAddr()); err != nil {
		return c, err
	}
	return c, nil
}

// startTLSError classifies a failure of go-smtp's NewClientStartTLS, which
// covers greeting, EHLO and the STARTTLS command. A relay that does not
// offer STARTTLS is a lasting configuration error: sending in clear instead
// would expose the recipients' unique links.
func (r *Relay) startTLSError(ctx context.Context, err error) *Error {
	e := classify(ctx, StageTLS, err)
	var se *smtp.SMTPError
	if !errors.As(err, &se) && !e.Temporary && ctx.Err() == nil {
		e.Message = "relay does not offer STARTTLS (" + err.Error() + "); refusing to send in clear"
	}
	return e
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
