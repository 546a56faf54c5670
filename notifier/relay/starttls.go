package relay

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// startTLS upgrades nc with STARTTLS (RFC 3207) and returns the encrypted
// connection, on which go-smtp's client then begins the session with
// EHLO. The plain part runs here rather than in go-smtp's
// NewClientStartTLS because go-smtp keeps the TLS connection it makes to
// itself, and a message's body is written onto that connection (body.go).
// The greeting and the first EHLO still go through a go-smtp client on
// nc. A relay that does not offer STARTTLS is a lasting configuration
// error: sending in clear instead would expose the recipients' unique
// links.
func (r *Relay) startTLS(ctx context.Context, nc net.Conn) (net.Conn, error) {
	plain := r.newClient(nc)
	if err := plain.Hello(r.cfg.HelloName); err != nil {
		return nil, classify(ctx, StageTLS, err)
	}
	if ok, _ := plain.Extension("STARTTLS"); !ok {
		return nil, &Error{Stage: StageTLS, Message: "relay does not offer STARTTLS; refusing to send in clear"}
	}
	if err := r.command(nc, "STARTTLS", 220); err != nil {
		return nil, classify(ctx, StageTLS, err)
	}
	tc := tls.Client(nc, r.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, classify(ctx, StageTLS, err)
	}
	return &afterStartTLS{Conn: tc, greeting: []byte("220 TLS started\r\n")}, nil
}

// command sends cmd on nc and reads the relay's reply, which must have
// code want; another code is an *smtp.SMTPError as go-smtp's client gives
// it. The reply is read through a reader of its own that reads at most
// 4 KB: nothing the relay sends after it (before TLS) is kept.
func (r *Relay) command(nc net.Conn, cmd string, want int) error {
	nc.SetDeadline(time.Now().Add(r.cfg.Timeout))
	defer nc.SetDeadline(time.Time{})
	if _, err := io.WriteString(nc, cmd+"\r\n"); err != nil {
		return err
	}
	_, _, err := textproto.NewReader(bufio.NewReader(io.LimitReader(nc, 4<<10))).ReadResponse(want)
	var te *textproto.Error
	if errors.As(err, &te) {
		return replyError(te)
	}
	return err
}

// replyError is a reply of an unexpected code, with its enhanced status
// code (RFC 2034: "5.7.0 text") apart when its text starts with one, and
// taken from the start of each later line of a multi-line reply.
func replyError(te *textproto.Error) *smtp.SMTPError {
	e := &smtp.SMTPError{Code: te.Code, Message: te.Msg}
	code, text, ok := strings.Cut(te.Msg, " ")
	parts := strings.Split(code, ".")
	if !ok || len(parts) != 3 {
		return e
	}
	var ec smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return e
		}
		ec[i] = n
	}
	e.EnhancedCode, e.Message = ec, strings.ReplaceAll(text, "\n"+code+" ", "\n")
	return e
}

// afterStartTLS is the encrypted connection as go-smtp's client takes it.
// The client reads a greeting before its first EHLO; after STARTTLS the
// relay sends none (RFC 3207 4.2: the client begins again with EHLO, as on
// a new connection), so the connection hands it one first. Its text is
// not read by anyone.
type afterStartTLS struct {
	net.Conn
	greeting []byte
}

func (c *afterStartTLS) Read(p []byte) (int, error) {
	if len(c.greeting) > 0 {
		n := copy(p, c.greeting)
		c.greeting = c.greeting[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
