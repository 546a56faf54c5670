package relay

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/textproto"
	"strconv"
	"time"
)

// A mail transaction (MAIL, RCPT, DATA, the message, the relay's answer)
// is written and read by the relay itself on the session go-smtp opened
// (greeting, EHLO, STARTTLS, AUTH) and later ends (QUIT). go-smtp's client
// sends each command on its own and waits for its reply, and writes the
// message a byte at a time; a fan-out sends every mail this way, so the
// relay writes the three commands in one write when the relay offers
// PIPELINING (RFC 2920; each on its own otherwise), reads their replies in
// order, each classified at its stage, and writes the message in
// dot-encoding with its closing "." line in one more write (body.go). The
// commands are what go-smtp's client would send: BODY=8BITMIME and SIZE
// when offered, SMTPUTF8 when an address needs it.

// extensions are what the relay offered in its EHLO, as far as a
// transaction needs them.
type extensions struct {
	pipelining, eightBit, size, utf8 bool
}

// transaction runs one mail transaction on c and returns the relay's
// answer to the message.
func (r *Relay) transaction(ctx context.Context, c *conn, from, to string, msg []byte, utf8 bool) (string, error) {
	b := append(c.buf[:0], "MAIL FROM:<"...)
	b = append(b, from...)
	b = append(b, '>')
	if c.ext.eightBit {
		b = append(b, " BODY=8BITMIME"...)
	}
	if c.ext.size {
		b = strconv.AppendInt(append(b, " SIZE="...), int64(len(msg)), 10)
	}
	if utf8 {
		b = append(b, " SMTPUTF8"...)
	}
	b = append(b, "\r\n"...)
	mail := len(b)
	b = append(append(append(b, "RCPT TO:<"...), to...), ">\r\n"...)
	rcpt := len(b)
	b = append(b, "DATA\r\n"...)
	c.buf = b
	steps := [...]struct {
		stage string
		end   int // of the command in b
		want  int // the reply's code, or its first digits
	}{{StageMail, mail, 250}, {StageRcpt, rcpt, 25}, {StageData, len(b), 354}}
	written := 0
	for _, s := range steps {
		// Each step's deadline is set before its I/O: a connection left
		// in the pool keeps its last one, and go-smtp sets its own before
		// each command it sends.
		c.raw.SetDeadline(time.Now().Add(r.cfg.Timeout))
		end := s.end
		if c.ext.pipelining {
			end = len(b)
		}
		if written < end {
			if _, err := c.session.Write(b[written:end]); err != nil {
				return "", classify(ctx, s.stage, err)
			}
			written = end
		}
		if _, _, err := c.reply(s.want); err != nil {
			return "", classify(ctx, s.stage, err)
		}
	}
	c.raw.SetDeadline(time.Now().Add(r.cfg.Timeout))
	var err error
	if c.buf, err = writeData(c.session, msg, c.buf); err != nil {
		return "", classify(ctx, StageData, err)
	}
	_, text, err := c.reply(250)
	if err != nil {
		return "", classify(ctx, StageData, err)
	}
	return "250 " + text, nil
}

// reply reads the relay's next reply (all its lines); a code other than
// want is an *smtp.SMTPError, as go-smtp's client gives it.
func (c *conn) reply(want int) (int, string, error) {
	code, text, err := c.replies.ReadResponse(want)
	var te *textproto.Error
	if errors.As(err, &te) {
		return code, text, replyError(te)
	}
	return code, text, err
}

// newReplies reads the relay's replies from the session, lines of at most
// 2,000 bytes (RFC 5321's 512, doubled as go-smtp does): an endless line
// would otherwise grow the reader's buffer until the deadline.
func newReplies(session io.Reader) *textproto.Reader {
	return textproto.NewReader(bufio.NewReader(&lineLimited{r: session, max: 2000}))
}

// lineLimited fails a read once a line grows past max bytes.
type lineLimited struct {
	r      io.Reader
	n, max int
}

func (l *lineLimited) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			l.n = 0
		} else if l.n++; l.n > l.max {
			return 0, textproto.ProtocolError("relay reply line longer than " + strconv.Itoa(l.max) + " bytes")
		}
	}
	return n, err
}
