package main

import (
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is the relay of a simulated Heed instance: a go-smtp server on the
// loopback interface that accepts every mail and counts it per recipient,
// with the time of the first and the last.
type sink struct {
	srv  *smtp.Server
	addr string

	mu          sync.Mutex
	byRcpt      map[string]int
	first, last time.Time
	changed     chan struct{} // closed and replaced at each mail
}

func startSink() (*sink, error) {
	s := &sink{byRcpt: map[string]int{}, changed: make(chan struct{})}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "sink.invalid"
	s.srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start sink: %w", err)
	}
	s.addr = l.Addr().String()
	go s.srv.Serve(l)
	return s, nil
}

func (s *sink) close() { s.srv.Close() }

// NewSession implements smtp.Backend.
func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }

type sinkSession struct {
	sink  *sink
	rcpts []string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	ss.sink.accepted(ss.rcpts)
	ss.rcpts = nil
	return nil
}

func (ss *sinkSession) Reset()        { ss.rcpts = nil }
func (ss *sinkSession) Logout() error { return nil }

func (s *sink) accepted(rcpts []string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rcpts {
		s.byRcpt[r]++
	}
	if s.first.IsZero() {
		s.first = now
	}
	s.last = now
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor waits until n distinct recipients have mail, or timeout; it
// returns the times of the first and the last mail, and how many mails
// went to a recipient that already had one.
func (s *sink) waitFor(n int, timeout time.Duration) (first, last time.Time, repeated int, err error) {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, changed := len(s.byRcpt), s.changed
		if got >= n {
			for _, c := range s.byRcpt {
				repeated += c - 1
			}
			first, last = s.first, s.last
			s.mu.Unlock()
			return first, last, repeated, nil
		}
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			return time.Time{}, time.Time{}, 0, fmt.Errorf("%d of %d organizations mailed after %v", got, n, timeout)
		}
	}
}

// recipients returns who got mail, with how many mails each.
func (s *sink) recipients() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.byRcpt))
	for r, c := range s.byRcpt {
		out[r] = c
	}
	return out
}
