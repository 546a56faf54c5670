package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"regexp"
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
	// links: the answer links of the mails, in order of arrival, with
	// their recipient, when keepLinks is set (the agency simulation answers
	// through them, as an organization would).
	keepLinks bool
	links     []mailLink
}

// mailLink is the answer link of one mail, and whom it went to.
type mailLink struct{ rcpt, token string }

// ackRE finds the token of an answer link in a mail whose quoted-printable
// soft line breaks have been taken out.
var ackRE = regexp.MustCompile(`/ack/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`)

// startSink starts the relay; with keepLinks it keeps each mail's answer link.
func startSink(keepLinks bool) (*sink, error) {
	s := &sink{byRcpt: map[string]int{}, changed: make(chan struct{}), keepLinks: keepLinks}
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
	if !ss.sink.keepLinks {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
		ss.sink.accepted(ss.rcpts, "")
		ss.rcpts = nil
		return nil
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	body = bytes.ReplaceAll(body, []byte("=\r\n"), nil)
	token := ""
	if m := ackRE.FindSubmatch(body); m != nil {
		token = string(m[1])
	}
	ss.sink.accepted(ss.rcpts, token)
	ss.rcpts = nil
	return nil
}

func (ss *sinkSession) Reset()        { ss.rcpts = nil }
func (ss *sinkSession) Logout() error { return nil }

func (s *sink) accepted(rcpts []string, token string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rcpts {
		s.byRcpt[r]++
		if token != "" {
			s.links = append(s.links, mailLink{r, token})
		}
	}
	if s.first.IsZero() {
		s.first = now
	}
	s.last = now
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor waits until n distinct recipients have mail, or timeout, or an
// error from errs (what runs the instance); it returns the times of the
// first and the last mail, and how many mails went to a recipient that
// already had one.
func (s *sink) waitFor(n int, timeout time.Duration, errs <-chan error) (first, last time.Time, repeated int, err error) {
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
		case err := <-errs:
			return time.Time{}, time.Time{}, 0, err
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

// mailLinks returns the answer links received so far.
func (s *sink) mailLinks() []mailLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mailLink(nil), s.links...)
}

// waitLinks waits until n mails with an answer link have arrived, or
// timeout, or an error from errs (what runs the instances).
func (s *sink) waitLinks(n int, timeout time.Duration, errs <-chan error) ([]mailLink, error) {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, changed := len(s.links), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.mailLinks(), nil
		}
		select {
		case <-changed:
		case err := <-errs:
			return nil, err
		case <-deadline:
			return nil, fmt.Errorf("%d of %d mails with an answer link after %v", got, n, timeout)
		}
	}
}
