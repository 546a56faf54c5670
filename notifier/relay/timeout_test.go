package relay

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// scripted runs a relay on 127.0.0.1:0 that plays its part from a script,
// for what go-smtp's server cannot be told to do: fall silent at a chosen
// point, or refuse STARTTLS. replies[0] is the greeting ("" for none);
// each later reply answers the next command. After the last reply it
// reads and answers nothing, keeping the connection open until the test
// ends.
func scripted(t *testing.T, replies ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for i, reply := range replies {
					if i > 0 {
						if _, err := r.ReadString('\n'); err != nil {
							return
						}
					}
					if reply != "" {
						c.Write([]byte(reply + "\r\n"))
					}
				}
				<-done
			}()
		}
	}()
	return ln.Addr().String()
}

// TestSilentRelayTimesOut: a relay that stops answering at any point of a
// session (before its greeting, at STARTTLS, at MAIL, after the body) holds
// Send no longer than about Timeout, and the failure is temporary, of the
// stage it fell silent at: the mail is tried again later.
func TestSilentRelayTimesOut(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	ehlo := "250-relay.test\r\n250 STARTTLS"
	stalled := make(chan struct{})
	t.Cleanup(func() { close(stalled) })
	silentAfterBody := startRelay(t, &backend{data: func(*smtp.Conn) error { <-stalled; return nil }}, TLSNone)
	for _, tc := range []struct {
		name, addr, tls, stage string
	}{
		{"before the greeting", scripted(t), TLSNone, StageDial},
		{"at STARTTLS", scripted(t, "220 relay.test", ehlo), TLSStartTLS, StageTLS},
		{"at MAIL", scripted(t, "220 relay.test", "250 relay.test"), TLSNone, StageMail},
		{"after the body", silentAfterBody.addr, TLSNone, StageData},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := New(Config{Addr: tc.addr, TLS: tc.tls, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			start := time.Now()
			_, err = r.Send(t.Context(), sender, recipient, message(1))
			took := time.Since(start)
			if e := relayError(t, err, tc.stage); !e.Temporary || e.MailboxFault() {
				t.Errorf("err = %+v: want a temporary failure", e)
			}
			if took > 10*timeout {
				t.Errorf("Send took %v with Timeout %v", took, timeout)
			}
		})
	}
}

// TestStartTLSRefused: a relay that offers STARTTLS and then refuses it
// with a 4xx is a temporary failure to get in, its reply's code, enhanced
// code and text kept as go-smtp gives them for other commands.
func TestStartTLSRefused(t *testing.T) {
	t.Parallel()
	addr := scripted(t, "220 relay.test", "250-relay.test\r\n250 STARTTLS", "454 4.7.0 TLS not available now")
	r, err := New(Config{Addr: addr, TLS: TLSStartTLS, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = r.Send(t.Context(), sender, recipient, message(1))
	e := relayError(t, err, StageTLS)
	if e.Code != 454 || e.Enhanced != "4.7.0" || e.Message != "TLS not available now" || !e.Temporary || !e.Unreachable() {
		t.Errorf("err = %+v: want 454 4.7.0, temporary, the relay unreachable", e)
	}
}
