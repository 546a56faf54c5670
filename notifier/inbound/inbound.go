// Package inbound receives mail at the addresses Heed owns: replies to its
// mails, which may answer a case, and delivery status notifications, which
// may report an address gone. It is an SMTP server (go-smtp); what a mail
// means for a case is decided by the notifier's stages it is given.
package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
)

// Links verifies the local parts of Heed's addresses (notifier.Links).
type Links interface {
	ReplyTarget(local string) (notifier.Link, error)
	BounceTarget(local string) (int64, error)
}

// Answers records answers given by reply, and explains the words to a
// contact whose reply gave none (notifier.Answers).
type Answers interface {
	RecordReply(ctx context.Context, l notifier.Link, sender string, in notifier.AnswerInput) (notifier.CaseView, error)
	ReplyHelp(ctx context.Context, l notifier.Link, inReplyTo string) (bool, error)
	// KeepReply keeps a reply for the operator, with what it meant.
	KeepReply(ctx context.Context, r store.Reply) error
}

// Bounces marks a mail's contact bounced (notifier.Cases).
type Bounces interface {
	BounceReported(ctx context.Context, mailID int64, status string) error
}

// Config wires a Server.
type Config struct {
	// Domain is the domain of Heed's addresses; mail to any other is refused.
	Domain string
	// RequireAuth: an answer counts only if DKIM passes for the From
	// domain (see auth.go).
	RequireAuth bool
	// LookupTXT resolves DKIM keys; default: DNS. Tests give their own key.
	LookupTXT func(domain string) ([]string, error)
	Links     Links
	Answers   Answers
	Bounces   Bounces
	Logger    *slog.Logger
}

// maxMessage bounds a received mail: a reply, or a bounce report with the
// original mail attached.
const maxMessage = 4 << 20

// Server is the inbound SMTP server.
type Server struct {
	cfg  Config
	smtp *smtp.Server
	log  *slog.Logger
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Domain == "" || cfg.Links == nil || cfg.Answers == nil || cfg.Bounces == nil {
		return nil, errors.New("inbound: domain, links, answers and bounces are required")
	}
	cfg.Domain = strings.ToLower(cfg.Domain)
	s := &Server{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	srv := smtp.NewServer(s)
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = maxMessage
	srv.MaxRecipients = 10
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	s.smtp = srv
	return s, nil
}

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.smtp.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		return fmt.Errorf("inbound: %w", err)
	}
	return nil
}

// Close stops the server.
func (s *Server) Close() error { return s.smtp.Close() }

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ip := ""
	if a, ok := c.Conn().RemoteAddr().(*net.TCPAddr); ok {
		ip = a.IP.String()
	}
	return &session{srv: s, ip: ip}, nil
}

// session is one SMTP conversation.
type session struct {
	srv     *Server
	ip      string
	from    string // the envelope sender; empty for a bounce
	replies []notifier.Link
	bounces []int64
}

var noSuchAddress = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such address"}

func (ss *session) Reset()        { ss.from, ss.replies, ss.bounces = "", nil, nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

// Rcpt takes only Heed's own addresses, each verified: a reply address or
// an envelope sender Heed gave.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	at := strings.LastIndexByte(to, '@')
	if at < 0 || !strings.EqualFold(to[at+1:], ss.srv.cfg.Domain) {
		return noSuchAddress
	}
	local := to[:at]
	if l, err := ss.srv.cfg.Links.ReplyTarget(local); err == nil {
		ss.replies = append(ss.replies, l)
		return nil
	}
	if id, err := ss.srv.cfg.Links.BounceTarget(local); err == nil {
		ss.bounces = append(ss.bounces, id)
		return nil
	}
	return noSuchAddress
}

// Data reads the mail and acts on it. Only a failure of Heed's own (the
// store) is refused, temporarily, so that the sender tries again; a mail
// that answers nothing is accepted and kept in the log for the operator.
func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msg, err := parse(raw)
	if err != nil {
		ss.srv.log.Warn("inbound: unreadable mail kept", "from", ss.from, "err", err)
		return nil
	}
	for _, id := range ss.bounces {
		if err := ss.srv.bounce(ctx, id, msg); err != nil {
			return tempFail(ss.srv.log, err)
		}
	}
	for _, l := range ss.replies {
		if err := ss.srv.reply(ctx, l, ss.from, ss.ip, raw, msg); err != nil {
			return tempFail(ss.srv.log, err)
		}
	}
	return nil
}

func tempFail(log *slog.Logger, err error) error {
	log.Error("inbound: mail not taken, the sender will retry", "err", err)
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
}

// bounce acts on a mail to an envelope sender: a delivery status
// notification whose recipient's status is a mailbox fault bounces the
// mail's contact. Anything else there is noted and dropped.
func (s *Server) bounce(ctx context.Context, mailID int64, msg *message) error {
	status, ok := msg.mailboxFault()
	if !ok {
		s.log.Info("inbound: mail to a bounce address that reports no mailbox fault; ignored", "mail", mailID, "subject", msg.subject)
		return nil
	}
	return s.cfg.Bounces.BounceReported(ctx, mailID, status)
}

// reply acts on a reply to a case's mail, and keeps it for the operator
// with what it meant.
func (s *Server) reply(ctx context.Context, l notifier.Link, envFrom, ip string, raw []byte, msg *message) error {
	line := msg.firstLine()
	outcome, err := s.answer(ctx, l, envFrom, ip, raw, msg, line)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if outcome != "answered" && outcome != "automatic" {
		level = slog.LevelWarn
	}
	s.log.Log(ctx, level, "inbound: reply kept for the operator", "case", l.CaseID, "from", msg.from,
		"subject", msg.subject, "line", line, "outcome", outcome)
	return s.cfg.Answers.KeepReply(ctx, store.Reply{CaseID: l.CaseID, Sender: msg.from, Subject: msg.subject,
		Line: line, Outcome: outcome})
}

// answer records the answer a reply gives and says what became of it.
// Bounces, auto-replies and out-of-office mail are never answered, so Heed
// never loops with another robot.
func (s *Server) answer(ctx context.Context, l notifier.Link, envFrom, ip string, raw []byte, msg *message, line string) (string, error) {
	if envFrom == "" || msg.automatic() {
		return "automatic", nil
	}
	in, ok := answerIn(line)
	if ok && s.cfg.RequireAuth && !authenticated(bytes.NewReader(raw), msg.from, s.cfg.LookupTXT) {
		return "unauthenticated", nil
	}
	if ok {
		in.IP, in.UserAgent = ip, "reply by mail"
		_, err := s.cfg.Answers.RecordReply(ctx, l, msg.from, in)
		var ae *notifier.AnswerError
		switch {
		case err == nil:
			return "answered", nil
		case errors.Is(err, notifier.ErrNotContact):
			return "not_contact", nil
		case errors.Is(err, notifier.ErrCaseClosed), errors.Is(err, notifier.ErrContactRemoved):
			return "closed", nil
		case !errors.As(err, &ae):
			return "", err
		}
	}
	if _, err := s.cfg.Answers.ReplyHelp(ctx, l, msg.messageID); err != nil && !errors.Is(err, notifier.ErrContactRemoved) {
		return "", err
	}
	return "no_answer", nil
}
