// Package relay holds Heed's SMTP conversation with the configured relay: it
// delivers one rendered message to one recipient over a small pool of
// reused connections, and classifies every failure where it happens, so the
// outbox can tell "retry later" from "this address is bad" from "the relay
// configuration is wrong".
//
// A message counts as sent only after the relay's 250 to DATA; that reply is
// returned so the outbox can keep it as evidence that the organization was
// told.
package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// Values of Config.TLS.
const (
	// TLSStartTLS upgrades a plain connection with STARTTLS and refuses to
	// send if the relay does not offer it.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (port 465, "smtps").
	TLSImplicit = "tls"
	// TLSNone sends in clear; meant for a relay on the same host or network.
	TLSNone = "none"
)

// Config describes the relay and how Heed talks to it. Zero values take the
// defaults documented on each field.
type Config struct {
	// Addr is host:port of the relay.
	Addr string
	// TLS is TLSStartTLS (default), TLSImplicit or TLSNone.
	TLS string
	// Username and Password enable AUTH PLAIN (LOGIN if only that is
	// offered). AUTH is refused over an unencrypted connection unless the
	// relay is on a loopback address.
	Username, Password string
	// HelloName is the EHLO name; default os.Hostname, else "localhost".
	HelloName string
	// MaxConns bounds simultaneous connections and so simultaneous Sends;
	// default 4.
	MaxConns int
	// Timeout bounds connection setup (dial, greeting, TLS, AUTH together),
	// each later command, and the writing of a message body; default 30s.
	Timeout time.Duration
	// IdleTimeout closes pooled connections left unused this long; default
	// 30s, below the usual relay idle limits so Heed, not the relay, hangs up.
	IdleTimeout time.Duration
	// TLSConfig is optional; its ServerName defaults to the host of Addr.
	TLSConfig *tls.Config
	// Logger receives connection events at debug level; default discards.
	// Passwords and message bodies are never logged.
	Logger *slog.Logger
}

// Relay sends mail through one SMTP relay. It is safe for concurrent use.
type Relay struct {
	cfg Config
	tls *tls.Config
	log *slog.Logger

	// slots holds one token per running Send. Since a Send dials only when
	// no idle connection is left, open connections never outnumber slots.
	slots chan struct{}
	done  chan struct{}

	mu     sync.Mutex
	idle   []*conn // most recently used last
	closed bool
}

// New validates cfg, fills in defaults and returns a Relay. It dials
// nothing: the first Send does, so Heed starts even when the relay is down.
func New(cfg Config) (*Relay, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("relay: Addr %q: want host:port", cfg.Addr)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("relay: TLS %q: want %q, %q or %q", cfg.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if cfg.Password != "" && cfg.Username == "" {
		return nil, errors.New("relay: Password is set but Username is empty")
	}
	if cfg.Username != "" && cfg.TLS == TLSNone && !loopbackHost(host) {
		return nil, fmt.Errorf("relay: Username is set with TLS %q to %s: refusing to send the password in clear to another host", TLSNone, host)
	}
	if cfg.MaxConns < 0 || cfg.Timeout < 0 || cfg.IdleTimeout < 0 {
		return nil, errors.New("relay: MaxConns, Timeout and IdleTimeout must not be negative")
	}
	if cfg.HelloName == "" {
		cfg.HelloName = defaultHelloName()
	}
	if strings.ContainsAny(cfg.HelloName, " \t\r\n") {
		return nil, fmt.Errorf("relay: HelloName %q must be a single word", cfg.HelloName)
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 4
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 30 * time.Second
	}
	tc := &tls.Config{}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Relay{
		cfg:   cfg,
		tls:   tc,
		log:   log.With("relay", cfg.Addr),
		slots: make(chan struct{}, cfg.MaxConns),
		done:  make(chan struct{}),
	}, nil
}

func defaultHelloName() string {
	name, err := os.Hostname()
	if err != nil || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "localhost"
	}
	return name
}

// Send delivers msg, a complete RFC 5322 message with CRLF line endings, from
// the envelope sender from to the single envelope recipient to. One
// recipient per message because every Heed mail carries a link unique to its
// recipient. go-smtp dot-stuffs the lines; the bytes are otherwise sent as
// given.
//
// reply is the relay's final answer to DATA ("250 2.0.0 Ok: queued as
// 4BC1"); only then is the message sent. Failures are *Error values: see
// Error.Temporary, MailboxFault, RelayRefusal and Unreachable. A temporary failure at
// StageData after the body was written may hide a message the relay kept;
// retrying then risks a duplicate, never a loss, as the outbox intends.
//
// Send blocks while MaxConns Sends are running, until ctx ends; ctx also
// interrupts a conversation under way, closing its connection.
func (r *Relay) Send(ctx context.Context, from, to string, msg []byte) (reply string, err error) {
	if strings.ContainsAny(from, "\r\n") || strings.ContainsAny(to, "\r\n") || to == "" {
		return "", fmt.Errorf("relay: invalid envelope address %q -> %q", from, to)
	}
	// Checked first because select picks at random among ready cases, and a
	// Send that won a slot with a dead ctx would close a good pooled
	// connection.
	if err := ctx.Err(); err != nil {
		return "", &Error{Stage: StageDial, Temporary: true, err: err, Message: err.Error()}
	}
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return "", &Error{Stage: StageDial, Temporary: true, err: ctx.Err(),
			Message: "waiting for a free relay connection: " + ctx.Err().Error()}
	case <-r.done:
		return "", ErrClosed
	}
	defer func() { <-r.slots }()

	c, reused, err := r.get(ctx)
	if err != nil {
		return "", err
	}
	reply, keep, err := r.deliver(ctx, c, from, to, msg)
	if err != nil && reused && stale(ctx, err) {
		// The relay hung up on an idle connection (restart, its own idle
		// limit). Nothing was accepted before MAIL, so a fresh connection
		// may try again without risking a duplicate.
		r.log.Debug("pooled connection went stale, redialing", "err", err)
		c.client.Close()
		if c, err = r.dial(ctx); err != nil {
			return "", err
		}
		reply, keep, err = r.deliver(ctx, c, from, to, msg)
	}
	if keep {
		r.put(c)
	} else {
		c.client.Close()
	}
	return reply, err
}

// deliver runs one mail transaction on c. keep reports whether c is still
// fit for the next message: any error, even a clean 5xx, retires it, so a
// session in an unknown state is never reused.
func (r *Relay) deliver(ctx context.Context, c *conn, from, to string, msg []byte) (reply string, keep bool, err error) {
	if ctx.Done() != nil { // one that never ends (delivery's) needs no watching
		stop := context.AfterFunc(ctx, func() { c.raw.Close() })
		defer func() {
			if !stop() {
				keep = false // ctx closed the connection
			}
		}()
	}

	utf8 := !ascii(from) || !ascii(to)
	if utf8 && !c.ext.utf8 {
		return "", false, &Error{Stage: StageMail, Message: "relay does not offer SMTPUTF8, needed for a non-ASCII address"}
	}
	reply, err = r.transaction(ctx, c, from, to, msg, utf8)
	return reply, err == nil, err
}

// stale reports whether a reused connection failed before the relay could
// have accepted anything, in a way a new connection may not: a network error
// or 421 at MAIL.
func stale(ctx context.Context, err error) bool {
	var e *Error
	return ctx.Err() == nil && errors.As(err, &e) && e.Stage == StageMail &&
		(e.Code == 421 || (e.Code == 0 && e.Temporary))
}

// get returns an idle connection, or dials one.
func (r *Relay) get(ctx context.Context) (c *conn, reused bool, err error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, false, ErrClosed
	}
	if n := len(r.idle); n > 0 {
		c = r.idle[n-1]
		r.idle = r.idle[:n-1]
		c.idle.Stop()
		r.mu.Unlock()
		return c, true, nil
	}
	r.mu.Unlock()
	c, err = r.dial(ctx)
	return c, false, err
}

// put returns c to the pool after a successful message. The next MAIL FROM
// starts a new transaction, as RFC 5321 allows after the reply to DATA; an
// RSET would cost a round trip, two with go-smtp, whose Reset re-sends EHLO.
// The connection's idle timer is made once and reset at each return.
func (r *Relay) put(c *conn) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		c.quit()
		return
	}
	if c.idle == nil {
		c.idle = time.AfterFunc(r.cfg.IdleTimeout, func() { r.expire(c) })
	} else {
		c.idle.Reset(r.cfg.IdleTimeout)
	}
	r.idle = append(r.idle, c)
	r.mu.Unlock()
}

// expire closes c if it is still idle; a Send may have taken it meanwhile.
func (r *Relay) expire(c *conn) {
	r.mu.Lock()
	found := false
	for i, ic := range r.idle {
		if ic == c {
			r.idle = append(r.idle[:i], r.idle[i+1:]...)
			found = true
			break
		}
	}
	r.mu.Unlock()
	if found {
		r.log.Debug("closing idle relay connection")
		c.quit()
	}
}

// Close ends the idle sessions with QUIT and makes later Sends fail with
// ErrClosed. Sends already running finish, then close their connection.
func (r *Relay) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.done)
	idle := r.idle
	r.idle = nil
	for _, c := range idle {
		c.idle.Stop()
	}
	r.mu.Unlock()

	var wg sync.WaitGroup
	for _, c := range idle {
		wg.Go(c.quit)
	}
	wg.Wait()
	return nil
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
