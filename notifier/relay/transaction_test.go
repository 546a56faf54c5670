package relay

import (
	"bytes"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// wire wraps the test relay's listener: it keeps what each read of the
// relay got from Heed, and drops the line of the relay's EHLO reply that
// offers hide (go-smtp's server writes each reply line on its own), so
// that the relay seems not to offer it.
type wire struct {
	net.Listener
	hide  string
	mu    sync.Mutex
	reads []string
}

func (w *wire) Accept() (net.Conn, error) {
	c, err := w.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &wireConn{Conn: c, w: w}, nil
}

// commandReads are the relay's reads that held the start of a command.
func (w *wire) commandReads() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, r := range w.reads {
		if strings.HasPrefix(r, "MAIL ") || strings.HasPrefix(r, "RCPT ") || strings.HasPrefix(r, "DATA") {
			out = append(out, r)
		}
	}
	return out
}

type wireConn struct {
	net.Conn
	w *wire
}

func (c *wireConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.w.mu.Lock()
	c.w.reads = append(c.w.reads, string(p[:n]))
	c.w.mu.Unlock()
	return n, err
}

func (c *wireConn) Write(p []byte) (int, error) {
	if c.w.hide != "" && string(p) == "250-"+c.w.hide+"\r\n" {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// TestPipelining: to a relay that offers PIPELINING, a mail's MAIL, RCPT
// and DATA go in one write (the relay reads them at once); to one that
// does not, each command waits for the reply to the one before. Either
// way every mail arrives, its bytes as sent.
func TestPipelining(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		hide      string
		pipelined bool
	}{
		{"offered", "", true},
		{"not offered", "PIPELINING", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := &wire{hide: tc.hide}
			tr := startRelayOn(t, &backend{}, TLSNone, func(ln net.Listener) net.Listener { w.Listener = ln; return w })
			r := newRelay(t, tr, Config{MaxConns: 1})
			for i := range 3 {
				send(t, r, message(i))
			}
			msgs := tr.be.messages()
			for i, m := range msgs {
				if !bytes.Equal(m.data, message(i)) {
					t.Errorf("mail %d: relay got %q, want %q", i, m.data, message(i))
				}
			}
			if len(msgs) != 3 {
				t.Fatalf("relay got %d mails, want 3", len(msgs))
			}
			reads := w.commandReads()
			together := 0
			for _, r := range reads {
				if strings.Contains(r, "MAIL FROM:") && strings.Contains(r, "RCPT TO:") {
					together++
					if !strings.Contains(r, "\r\nDATA\r\n") {
						t.Errorf("MAIL and RCPT read together without DATA: %q", r)
					}
				}
			}
			if tc.pipelined && together == 0 {
				t.Errorf("PIPELINING offered, but no read of the relay held MAIL, RCPT and DATA together: %q", reads)
			}
			if !tc.pipelined && (together > 0 || len(reads) != 9) {
				t.Errorf("PIPELINING not offered, but the relay read commands together (%d reads for 9 commands): %q", len(reads), reads)
			}
		})
	}
}

// TestMailParameters: MAIL carries what go-smtp's client would send: SIZE
// and BODY=8BITMIME, offered by the relay, and SMTPUTF8 when an address is
// not ASCII. To a relay that does not offer SMTPUTF8, such an address is
// refused before anything is sent, and bounces nobody.
func TestMailParameters(t *testing.T) {
	t.Parallel()
	tr := startRelay(t, &backend{}, TLSNone)
	r := newRelay(t, tr, Config{})
	const intl = "セキュリティ@org.example"
	msg := message(1)
	send(t, r, msg)
	if _, err := r.Send(t.Context(), sender, intl, msg); err != nil {
		t.Fatal(err)
	}
	msgs := tr.be.messages()
	if len(msgs) != 2 {
		t.Fatalf("relay got %d mails, want 2", len(msgs))
	}
	for i, m := range msgs {
		if m.opts.Size != int64(len(msg)) || m.opts.Body != smtp.Body8BitMIME || m.opts.UTF8 != (i == 1) {
			t.Errorf("mail %d to %s: MAIL parameters %+v; want SIZE=%d, BODY=8BITMIME, SMTPUTF8 only for %s", i, m.to, m.opts, len(msg), intl)
		}
	}
	if msgs[1].to != intl {
		t.Errorf("relay got the second mail for %q, want %q", msgs[1].to, intl)
	}

	w := &wire{hide: "SMTPUTF8"}
	ascii := startRelayOn(t, &backend{}, TLSNone, func(ln net.Listener) net.Listener { w.Listener = ln; return w })
	_, err := newRelay(t, ascii, Config{}).Send(t.Context(), sender, intl, msg)
	if e := relayError(t, err, StageMail); e.MailboxFault() || e.Temporary {
		t.Errorf("err = %+v: want a lasting failure that bounces nobody", e)
	}
	if n := len(ascii.be.messages()); n != 0 {
		t.Errorf("relay without SMTPUTF8 got %d mails", n)
	}
}

// TestReplyError: a refusal read by the relay itself carries its enhanced
// code apart, as go-smtp's client gives one (and classify reads it).
func TestReplyError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		msg      string
		enhanced smtp.EnhancedCode
		text     string
	}{
		{"5.1.1 no such user", smtp.EnhancedCode{5, 1, 1}, "no such user"},
		{"4.7.0 first line\n4.7.0 second line", smtp.EnhancedCode{4, 7, 0}, "first line\nsecond line"},
		{"no such user", smtp.EnhancedCode{}, "no such user"},
		{"5.1 no such user", smtp.EnhancedCode{}, "5.1 no such user"},
		{"5.x.1 no such user", smtp.EnhancedCode{}, "5.x.1 no such user"},
	} {
		e := replyError(&textproto.Error{Code: 550, Msg: tc.msg})
		if e.Code != 550 || e.EnhancedCode != tc.enhanced || e.Message != tc.text {
			t.Errorf("%q: %+v, want 550 %v %q", tc.msg, e, tc.enhanced, tc.text)
		}
	}
}
