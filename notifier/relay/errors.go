package relay

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"

	"github.com/emersion/go-smtp"
)

// Stages of the SMTP conversation, reported in Error.Stage. The stage tells the
// outbox who is at fault: dial, tls and auth concern Heed and its relay; mail,
// rcpt and data concern the message and its recipient.
const (
	StageDial = "dial" // TCP connect, greeting, EHLO
	StageTLS  = "tls"  // implicit TLS or STARTTLS, including the EHLO that follows it
	StageAuth = "auth" // SASL PLAIN or LOGIN
	StageMail = "mail" // MAIL FROM
	StageRcpt = "rcpt" // RCPT TO
	StageData = "data" // DATA, the message, and the relay's final answer
)

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("relay: closed")

// Error is a failed delivery attempt, classified where it happened so that the
// outbox decides between retry, next contact and operator alert without
// parsing reply text.
type Error struct {
	// Code is the SMTP reply code, or 0 when the relay gave no reply
	// (network failure, timeout, TLS failure, a refusal made by Heed itself).
	Code int
	// Enhanced is the RFC 3463 status code ("5.1.1"), or "" when the relay
	// sent none.
	Enhanced string
	// Message is the relay's reply text, or a description of the failure.
	Message string
	// Temporary is true for 4xx replies and for network and timeout errors:
	// the same message may succeed later, so the caller retries with backoff.
	Temporary bool
	// Stage is where the conversation failed: one of the Stage constants.
	Stage string

	err error
}

// Error returns the stage, the reply code and the message, in the form an
// operator reads in a log line: "relay rcpt: 550 5.1.1 no such user".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("relay ")
	b.WriteString(e.Stage)
	b.WriteString(": ")
	if e.Code != 0 {
		fmt.Fprintf(&b, "%d ", e.Code)
	}
	if e.Enhanced != "" {
		b.WriteString(e.Enhanced)
		b.WriteByte(' ')
	}
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap returns the underlying cause (a *smtp.SMTPError, a net.Error, a
// context error), so errors.Is(err, context.Canceled) works on Send's result.
func (e *Error) Unwrap() error { return e.err }

// MailboxFault reports whether the relay refused the recipient's address
// for good, so that the contact is bounced. By RFC 3463, only a mailbox
// fault says that: 5.1.x (bad address, no such mailbox or domain) and 5.2.1
// (mailbox disabled), to RCPT or, from relays that check late, to DATA.
// Without an enhanced code, only 550, 551 and 553 to RCPT say it. Every
// other 5xx (5.7.x relay access or policy, DMARC; 5.3.x, 5.4.x, 5.5.x
// system, network and protocol; 5.6.x content; 5.2.2 and 5.2.3 full or too
// big) is about the relay or the message, never a reason to stop mailing
// the person.
func (e *Error) MailboxFault() bool {
	if e.Code < 500 || e.Code > 599 || (e.Stage != StageRcpt && e.Stage != StageData) {
		return false
	}
	if e.Enhanced == "" {
		return e.Stage == StageRcpt && (e.Code == 550 || e.Code == 551 || e.Code == 553)
	}
	return strings.HasPrefix(e.Enhanced, "5.1.") || e.Enhanced == "5.2.1"
}

// RelayRefusal reports a lasting refusal that is not the recipient's fault:
// a 5xx to MAIL, RCPT or DATA that is not a mailbox fault, or a lasting
// failure to get in (a 535 to AUTH, no STARTTLS, an untrusted certificate,
// a 5xx greeting). Retrying will not help until an operator or the relay's
// owner acts, and no address may be marked bad because of it.
func (e *Error) RelayRefusal() bool {
	switch e.Stage {
	case StageDial, StageTLS, StageAuth:
		return !e.Temporary
	case StageMail, StageRcpt, StageData:
		return e.Code >= 500 && e.Code < 600 && !e.MailboxFault()
	}
	return false
}

// Unreachable reports whether the relay could not be reached or would not
// let Heed in (connect, greeting, TLS, AUTH): every other mail would fail the
// same way now.
func (e *Error) Unreachable() bool {
	return e.Stage == StageDial || e.Stage == StageTLS || e.Stage == StageAuth
}

// classify turns whatever go-smtp, net or crypto/tls returned at stage into an
// *Error. It runs where the error happens because only there is the stage
// known.
func classify(ctx context.Context, stage string, err error) *Error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &Error{
			Code:      se.Code,
			Enhanced:  enhanced(se.EnhancedCode),
			Message:   se.Message,
			Temporary: se.Code/100 == 4,
			Stage:     stage,
			err:       err,
		}
	}
	// A cancelled ctx closes the connection under go-smtp, which then
	// reports a closed network connection; the ctx error is the real cause.
	if cerr := ctx.Err(); cerr != nil {
		return &Error{Message: cerr.Error(), Temporary: true, Stage: stage, err: cerr}
	}
	return &Error{Message: err.Error(), Temporary: transient(err), Stage: stage, err: err}
}

// transient tells network trouble, which a retry may cure, from TLS
// verification failures and local refusals, which it will not. Anything not
// recognised as network trouble is lasting: an unknown error should reach an
// operator rather than loop in retries.
func transient(err error) bool {
	var (
		verr  *tls.CertificateVerificationError
		unkCA x509.UnknownAuthorityError
		host  x509.HostnameError
		inval x509.CertificateInvalidError
		rec   tls.RecordHeaderError
		alert tls.AlertError
	)
	switch {
	case errors.As(err, &verr), errors.As(err, &unkCA), errors.As(err, &host),
		errors.As(err, &inval), errors.As(err, &rec), errors.As(err, &alert):
		return false
	}
	var (
		nerr  net.Error
		proto textproto.ProtocolError
	)
	return errors.As(err, &nerr) || errors.As(err, &proto) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed)
}

// enhanced formats an RFC 3463 code; go-smtp leaves it zero when the reply
// had none.
func enhanced(c smtp.EnhancedCode) string {
	if c[0] <= 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", c[0], c[1], c[2])
}
