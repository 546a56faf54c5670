package relay

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/heed-dev/heed/notifier/eventually"
)

const (
	sender    = "heed@agency.example"
	recipient = "security@org.example"
)

// message returns a small CRLF message whose body names n, so tests can tell
// messages apart.
func message(n int) []byte {
	return fmt.Appendf(nil, "From: Heed <%s>\r\nTo: <%s>\r\nSubject: advisory %d\r\n\r\nPlease answer: https://heed.example/a/%d\r\n", sender, recipient, n, n)
}

func send(t *testing.T, r *Relay, msg []byte) string {
	t.Helper()
	reply, err := r.Send(t.Context(), sender, recipient, msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !strings.HasPrefix(reply, "250 ") {
		t.Fatalf("reply = %q, want a 250", reply)
	}
	return reply
}

// relayError asserts err is an *Error at stage and returns it.
func relayError(t *testing.T, err error, stage string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if e.Stage != stage {
		t.Fatalf("stage = %q, want %q (err %v)", e.Stage, stage, err)
	}
	return e
}

func TestSendPlain(t *testing.T) {
	t.Parallel()
	tr := startRelay(t, &backend{}, TLSNone)
	r := newRelay(t, tr, Config{})

	reply := send(t, r, message(1))
	if reply != "250 2.0.0 OK: queued" {
		t.Errorf("reply = %q", reply)
	}
	msgs := tr.be.messages()
	if len(msgs) != 1 || msgs[0].from != sender || msgs[0].to != recipient || msgs[0].tls {
		t.Fatalf("relay got %+v", msgs)
	}
}

func TestSendStartTLSWithAuth(t *testing.T) {
	t.Parallel()
	be := &backend{user: "heed", pass: "s3cret"}
	tr := startRelay(t, be, TLSStartTLS)

	t.Run("authenticated", func(t *testing.T) {
		r := newRelay(t, tr, Config{TLS: TLSStartTLS, Username: "heed", Password: "s3cret"})
		send(t, r, message(1))
		msgs := be.messages()
		if len(msgs) != 1 || !msgs[0].tls || msgs[0].user != "heed" {
			t.Fatalf("relay got %+v, want one message over TLS as heed", msgs)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		r := newRelay(t, tr, Config{TLS: TLSStartTLS, Username: "heed", Password: "wrong"})
		_, err := r.Send(t.Context(), sender, recipient, message(2))
		e := relayError(t, err, StageAuth)
		if e.Code != 535 || e.Temporary || !e.RelayRefusal() || !e.Unreachable() || e.MailboxFault() {
			t.Fatalf("err = %+v: want 535, config error, not permanent for the address", e)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("error text leaks the password: %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		r := newRelay(t, tr, Config{TLS: TLSStartTLS, TLSConfig: &tls.Config{}})
		_, err := r.Send(t.Context(), sender, recipient, message(3))
		e := relayError(t, err, StageTLS)
		if e.Temporary || !e.RelayRefusal() || !e.Unreachable() {
			t.Fatalf("err = %+v: want a lasting config error", e)
		}
	})
}

func TestAuthVariants(t *testing.T) {
	t.Parallel()
	t.Run("LOGIN when PLAIN is not offered", func(t *testing.T) {
		be := &backend{user: "heed", pass: "s3cret", mechs: []string{sasl.Login}}
		tr := startRelay(t, be, TLSStartTLS)
		r := newRelay(t, tr, Config{TLS: TLSStartTLS, Username: "heed", Password: "s3cret"})
		send(t, r, message(1))
		if msgs := be.messages(); len(msgs) != 1 || msgs[0].user != "heed" {
			t.Fatalf("relay got %+v, want one message as heed", msgs)
		}
	})
	t.Run("in clear to a loopback relay", func(t *testing.T) {
		be := &backend{user: "heed", pass: "s3cret", insecureAuth: true}
		tr := startRelay(t, be, TLSNone)
		r := newRelay(t, tr, Config{TLS: TLSNone, Username: "heed", Password: "s3cret"})
		send(t, r, message(1))
	})
	t.Run("no usable mechanism", func(t *testing.T) {
		be := &backend{user: "heed", pass: "s3cret", mechs: []string{"CRAM-MD5"}}
		tr := startRelay(t, be, TLSStartTLS)
		r := newRelay(t, tr, Config{TLS: TLSStartTLS, Username: "heed", Password: "s3cret"})
		_, err := r.Send(t.Context(), sender, recipient, message(1))
		if e := relayError(t, err, StageAuth); !e.RelayRefusal() || !e.Unreachable() {
			t.Fatalf("err = %v, want a config error", err)
		}
	})
}

func TestSendImplicitTLS(t *testing.T) {
	t.Parallel()
	be := &backend{user: "heed", pass: "s3cret"}
	tr := startRelay(t, be, TLSImplicit)
	r := newRelay(t, tr, Config{TLS: TLSImplicit, Username: "heed", Password: "s3cret"})

	send(t, r, message(1))
	if msgs := be.messages(); len(msgs) != 1 || !msgs[0].tls {
		t.Fatalf("relay got %+v, want one message over TLS", msgs)
	}
}

func TestStartTLSRequired(t *testing.T) {
	t.Parallel()
	tr := startRelay(t, &backend{}, TLSNone)
	r := newRelay(t, tr, Config{TLS: TLSStartTLS})

	_, err := r.Send(t.Context(), sender, recipient, message(1))
	e := relayError(t, err, StageTLS)
	if e.Temporary || !e.RelayRefusal() || !e.Unreachable() || e.MailboxFault() {
		t.Fatalf("err = %+v: want a lasting config error", e)
	}
	if len(tr.be.messages()) != 0 {
		t.Fatal("message was sent in clear")
	}
}

// TestRefused: a refusal at RCPT or at DATA (the relay's answer to the
// message) comes back as an *Error of that stage, never as a reply: a 4xx is
// temporary, a mailbox fault bounces the address, any other 5xx is the
// relay's refusal and bounces nobody.
func TestRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		stage string
		reply *smtp.SMTPError
		want  string // temporary, mailbox or relay
	}{
		{"451 to RCPT", StageRcpt, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}, "temporary"},
		{"550 5.1.1 to RCPT", StageRcpt, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, "mailbox"},
		{"554 5.7.1 to RCPT", StageRcpt, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay access denied"}, "relay"},
		{"550 without enhanced code to RCPT", StageRcpt, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.NoEnhancedCode, Message: "no such user"}, "mailbox"},
		{"554 without enhanced code to RCPT", StageRcpt, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.NoEnhancedCode, Message: "go away"}, "relay"},
		{"451 to DATA", StageData, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "queue full"}, "temporary"},
		{"554 5.6.0 to DATA", StageData, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "content refused"}, "relay"},
		{"550 5.2.1 to DATA", StageData, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 2, 1}, Message: "mailbox disabled"}, "mailbox"},
		{"550 without enhanced code to DATA", StageData, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.NoEnhancedCode, Message: "rejected"}, "relay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			be := &backend{}
			if tc.stage == StageRcpt {
				be.rcpt = func(string) error { return tc.reply }
			} else {
				be.data = func(*smtp.Conn) error { return tc.reply }
			}
			tr := startRelay(t, be, TLSNone)
			r := newRelay(t, tr, Config{})

			reply, err := r.Send(t.Context(), sender, recipient, message(1))
			if reply != "" {
				t.Errorf("a refused message has the reply %q, which reads as accepted", reply)
			}
			e := relayError(t, err, tc.stage)
			want := ""
			if c := tc.reply.EnhancedCode; c != smtp.NoEnhancedCode {
				want = fmt.Sprintf("%d.%d.%d", c[0], c[1], c[2])
			}
			if e.Code != tc.reply.Code || e.Enhanced != want || e.Message != tc.reply.Message {
				t.Errorf("err = %+v, want %d %q %s", e, tc.reply.Code, want, tc.reply.Message)
			}
			got := map[bool]string{true: "temporary"}[e.Temporary]
			if e.MailboxFault() {
				got += "mailbox"
			}
			if e.RelayRefusal() {
				got += "relay"
			}
			if got != tc.want || e.Unreachable() {
				t.Errorf("classified as %q (unreachable %v), want %q", got, e.Unreachable(), tc.want)
			}
		})
	}
}

// TestEnhancedCodes: RFC 3463 classes, one by one.
func TestEnhancedCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stage    string
		code     int
		enhanced string
		mailbox  bool
	}{
		{StageRcpt, 550, "5.1.1", true},  // bad destination mailbox address
		{StageRcpt, 550, "5.1.2", true},  // bad destination system address
		{StageRcpt, 551, "5.1.6", true},  // mailbox has moved
		{StageRcpt, 550, "5.2.1", true},  // mailbox disabled
		{StageData, 550, "5.1.1", true},  // a relay that checks recipients at DATA
		{StageRcpt, 552, "5.2.2", false}, // mailbox full
		{StageData, 552, "5.3.4", false}, // message too big for the system
		{StageRcpt, 554, "5.4.4", false}, // unable to route
		{StageRcpt, 501, "5.5.2", false}, // syntax error
		{StageData, 550, "5.6.0", false}, // content refused
		{StageRcpt, 550, "5.7.1", false}, // relay access denied, policy
		{StageData, 550, "5.7.26", false},
		{StageMail, 550, "5.1.8", false}, // bad sender: the operator's to fix
		{StageRcpt, 553, "", true},
		{StageRcpt, 551, "", true},
		{StageRcpt, 552, "", false},
		{StageRcpt, 554, "", false},
		{StageData, 553, "", false},
	} {
		e := &Error{Stage: tc.stage, Code: tc.code, Enhanced: tc.enhanced}
		if e.MailboxFault() != tc.mailbox || e.RelayRefusal() == tc.mailbox {
			t.Errorf("%s %d %q: mailbox fault %v, relay refusal %v; want mailbox fault %v",
				tc.stage, tc.code, tc.enhanced, e.MailboxFault(), e.RelayRefusal(), tc.mailbox)
		}
	}
}

func TestDroppedConnection(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	drop := true
	be := &backend{data: func(c *smtp.Conn) error {
		mu.Lock()
		defer mu.Unlock()
		if drop {
			drop = false
			c.Conn().Close()
		}
		return nil
	}}
	tr := startRelay(t, be, TLSNone)
	r := newRelay(t, tr, Config{})

	_, err := r.Send(t.Context(), sender, recipient, message(1))
	e := relayError(t, err, StageData)
	if !e.Temporary || e.MailboxFault() || e.RelayRefusal() {
		t.Fatalf("err = %+v, want temporary", e)
	}
	send(t, r, message(2))
	if total, _, _ := tr.ln.counts(); total != 2 {
		t.Errorf("relay accepted %d connections, want 2 (a new one after the drop)", total)
	}
}

func TestStalePooledConnection(t *testing.T) {
	t.Parallel()
	tr := startRelay(t, &backend{}, TLSNone)
	r := newRelay(t, tr, Config{})

	send(t, r, message(1))
	tr.be.dropAll() // the relay restarts while Heed's connection idles
	send(t, r, message(2))
	if total, _, _ := tr.ln.counts(); total != 2 {
		t.Errorf("relay accepted %d connections, want 2", total)
	}
}

// TestConnectionReuse: sequential sends share one connection, in clear
// and under either TLS, and every message arrives as sent, over TLS when
// TLS is configured.
func TestConnectionReuse(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{TLSNone, TLSStartTLS, TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			tr := startRelay(t, &backend{}, mode)
			r := newRelay(t, tr, Config{TLS: mode})

			for i := range 50 {
				send(t, r, message(i))
			}
			if total, _, _ := tr.ln.counts(); total != 1 {
				t.Errorf("relay accepted %d connections for 50 sequential sends, want 1", total)
			}
			msgs := tr.be.messages()
			if len(msgs) != 50 {
				t.Fatalf("relay got %d messages, want 50", len(msgs))
			}
			for i, m := range msgs {
				if !bytes.Equal(m.data, message(i)) || m.tls != (mode != TLSNone) {
					t.Fatalf("message %d: got %q (TLS %v), want %q", i, m.data, m.tls, message(i))
				}
			}
		})
	}
}

func TestMaxConns(t *testing.T) {
	t.Parallel()
	const maxConns, senders, each = 3, 20, 5
	// A slow relay makes the senders overlap.
	be := &backend{data: func(*smtp.Conn) error { time.Sleep(5 * time.Millisecond); return nil }}
	tr := startRelay(t, be, TLSNone)
	r := newRelay(t, tr, Config{MaxConns: maxConns})

	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				if _, err := r.Send(t.Context(), sender, recipient, message(g*each+i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total, _, peak := tr.ln.counts()
	t.Logf("connections: %d accepted, at most %d at once", total, peak)
	if peak > maxConns {
		t.Errorf("relay saw %d simultaneous connections, MaxConns is %d", peak, maxConns)
	}
	if peak < 2 {
		t.Errorf("relay saw at most %d connection at once: senders did not run concurrently", peak)
	}
	if n := len(be.messages()); n != senders*each {
		t.Errorf("relay got %d messages, want %d", n, senders*each)
	}
}

func TestBytesUnchanged(t *testing.T) {
	t.Parallel()
	tr := startRelay(t, &backend{}, TLSNone)
	r := newRelay(t, tr, Config{})

	msg := []byte("From: Heed <heed@agency.example>\r\n" +
		"To: <security@org.example>\r\n" +
		"Subject: =?UTF-8?B?44K744Kt44Ol44Oq44OG44Kj?=\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"\r\n" +
		".leading dot\r\n" +
		"..two dots\r\n" +
		".\r\n" +
		"脆弱性 CVE-2019-11510 の対応状況を教えてください。\r\n" +
		strings.Repeat("x", 990) + "\r\n" +
		"trailing spaces   \r\n" +
		"\r\n" +
		"\r\n")
	send(t, r, msg)
	msgs := tr.be.messages()
	if len(msgs) != 1 || !bytes.Equal(msgs[0].data, msg) {
		t.Fatalf("delivered bytes differ from sent bytes:\n got %q\nwant %q", msgs[0].data, msg)
	}
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	tr := startRelay(t, &backend{}, TLSNone)
	r := newRelay(t, tr, Config{IdleTimeout: 20 * time.Millisecond})

	send(t, r, message(1))
	eventually.True(t, 5*time.Second, "close of the idle connection", func() bool {
		_, active, _ := tr.ln.counts()
		return active == 0
	})
	send(t, r, message(2))
	if total, _, _ := tr.ln.counts(); total != 2 {
		t.Errorf("relay accepted %d connections, want 2", total)
	}
}

func TestContextWhileWaiting(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	be := &backend{data: func(*smtp.Conn) error { <-release; return nil }}
	tr := startRelay(t, be, TLSNone)
	r := newRelay(t, tr, Config{MaxConns: 1})

	first := make(chan error, 1)
	go func() {
		_, err := r.Send(context.Background(), sender, recipient, message(1))
		first <- err
	}()
	eventually.True(t, 5*time.Second, "first Send holding the only slot", func() bool { return len(r.slots) == 1 })
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := r.Send(ctx, sender, recipient, message(2))
	if !errors.Is(err, context.DeadlineExceeded) || !relayError(t, err, StageDial).Temporary {
		t.Errorf("err = %v, want a temporary deadline error", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("first Send: %v", err)
	}
}

func TestContextDuringSession(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	be := &backend{data: func(*smtp.Conn) error { <-release; return nil }}
	tr := startRelay(t, be, TLSNone)
	r := newRelay(t, tr, Config{})

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := r.Send(ctx, sender, recipient, message(1))
	e := relayError(t, err, StageData)
	if !errors.Is(err, context.DeadlineExceeded) || !e.Temporary {
		t.Errorf("err = %v, want a temporary deadline error", err)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	tr := startRelay(t, &backend{}, TLSNone)
	r := newRelay(t, tr, Config{})
	send(t, r, message(1))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Send(t.Context(), sender, recipient, message(2)); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v, want ErrClosed", err)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{Addr: "smtp.example.com:587"}, true},
		{"no port", Config{Addr: "smtp.example.com"}, false},
		{"no host", Config{Addr: ":25"}, false},
		{"unknown TLS mode", Config{Addr: "smtp.example.com:587", TLS: "ssl"}, false},
		{"password in clear to another host", Config{Addr: "smtp.example.com:25", TLS: TLSNone, Username: "u", Password: "p"}, false},
		{"password in clear to loopback", Config{Addr: "127.0.0.1:25", TLS: TLSNone, Username: "u", Password: "p"}, true},
		{"password without user", Config{Addr: "smtp.example.com:587", Password: "p"}, false},
		{"negative timeout", Config{Addr: "smtp.example.com:587", Timeout: -time.Second}, false},
		{"hello name with space", Config{Addr: "smtp.example.com:587", HelloName: "heed host"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(tc.cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("New: err = %v, want ok=%v", err, tc.ok)
			}
			if err == nil {
				r.Close()
			} else if strings.Contains(err.Error(), "p\"") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}
