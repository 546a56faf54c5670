package notifier

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// envelope is what goes into a message's headers besides the rendered parts.
type envelope struct {
	From      *mail.Address
	To        *mail.Address
	Date      time.Time
	MessageID string // with angle brackets
	InReplyTo string // with angle brackets; empty for the first message of a thread
	// ReplyTo is the address at the inbound domain that a reply goes to,
	// naming the case and contact; empty: none (no inbound mail).
	ReplyTo    string
	CaseID     string
	Precedence string
	// ListID is the List-Id header (RFC 2919), one list per publisher, so
	// that recipients can filter; empty: none.
	ListID string
}

// compose builds a MIME multipart/alternative message. Every header value is
// either generated here or passed through encoding that cannot carry a line
// break, so advisory text cannot add headers; lines are folded (header.go).
func compose(env envelope, m templates.Mail) []byte {
	return composeShared(env, m.Subject, bodiesOf(m), nil).msg
}

// bodiesOf is a rendered mail's bodies as bytes.
func bodiesOf(m templates.Mail) templates.Bodies {
	return templates.Bodies{Text: []byte(m.Text), HTML: []byte(m.HTML)}
}

// composed is a message, and the runs of it that other mails of its batch
// carry too: the store keeps those once (store.SharedBody).
type composed struct {
	msg     []byte
	splices []store.Splice // runs of the batch's shared body (sharedWire)
}

// composeShared is compose of a mail's subject and bodies taking the lines
// of its parts that the batch's shared body holds already encoded from
// there, and saying where they are. A nil w shares nothing.
func composeShared(env envelope, subject string, m templates.Bodies, w *sharedWire) composed {
	subject = w.subject(subject)
	from, to := w.from(env.From), addressText(env.To)
	// The message in one buffer of about its size, never grown: the
	// header's values, its names, folds and the MIME lines (under 1 KB),
	// the encoded parts.
	size := len(from) + len(to) + len(env.ReplyTo) + len(subject) + len(env.MessageID) + 2*len(env.InReplyTo) +
		len(env.ListID) + len(env.CaseID) + 1024 + qpSize(m.Text) + qpSize(m.HTML)
	buf := bytes.NewBuffer(make([]byte, 0, size))
	h := func(k, v string) { writeHeader(buf, k, v) }
	h("From", from)
	h("To", to)
	if env.ReplyTo != "" {
		h("Reply-To", env.ReplyTo)
	}
	h("Subject", subject)
	h("Date", env.Date.Format(time.RFC1123Z))
	h("Message-ID", env.MessageID)
	if env.InReplyTo != "" {
		h("In-Reply-To", env.InReplyTo)
		h("References", env.InReplyTo)
	}
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")
	h("X-Auto-Response-Suppress", "All")
	if env.ListID != "" {
		h("List-Id", env.ListID)
	}
	if env.CaseID != "" {
		h("X-Heed-Case", env.CaseID)
	}

	boundary := w.boundary()
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	buf.WriteString("\r\n")
	head := buf.Len()
	c := composed{msg: buf.Bytes()}
	var dict *wireDict
	if w != nil {
		dict = w.dict.Load()
	}
	shared := 0 // bytes taken from dict
	if dict != nil {
		// A fan-out's mail takes about twenty runs: room for them at once
		// rather than grown six times.
		c.splices = make([]store.Splice, 0, 32)
		shared += c.spliceHeader(dict)
	}
	for i, part := range []struct {
		ctype   string
		content []byte
	}{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", m.HTML},
	} {
		// As mime/multipart writes a part: its header fields sorted.
		if i > 0 {
			c.msg = append(c.msg, "\r\n"...)
		}
		c.msg = append(c.msg, "--"...)
		c.msg = append(c.msg, boundary...)
		c.msg = append(c.msg, "\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: "...)
		c.msg = append(c.msg, part.ctype...)
		c.msg = append(c.msg, "\r\n\r\n"...)
		if dict == nil {
			var qp qpEncoder
			c.msg = qp.close(qp.append(c.msg, part.content))
			continue
		}
		shared += c.encodeLines(dict, part.content)
	}
	c.msg = append(c.msg, "\r\n--"...)
	c.msg = append(c.msg, boundary...)
	c.msg = append(c.msg, "--\r\n"...)
	if w != nil && shared < len(c.msg)/2 {
		// Most of it is new to the batch: the first mail of its advisory,
		// kind, language and zone, whose lines the next ones will share.
		w.learn(c.msg[:head], m.Text, m.HTML)
	}
	if len(c.splices) == 0 {
		c.splices = nil // a mail that takes no run is stored whole
	}
	return c
}

// randomBoundary is a multipart boundary as mime/multipart makes one: 30
// random bytes in hex, which no text can have been written to contain (a
// batch's mails share one, drawn after their text was written).
func randomBoundary() string {
	var b [30]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// listID is the List-Id of a publisher's mail: a phrase and a dot-atom
// in the sender's domain built only of [a-z0-9-] (a publisher name is
// configuration, but a header takes no chances). Each is built once: a
// fan-out asks for one a mail.
func (ob *Outbox) listID(publisher string) string {
	if id, ok := ob.listIDs.Load(publisher); ok {
		return id.(string)
	}
	id := ob.newListID(publisher)
	ob.listIDs.Store(publisher, id)
	return id
}

func (ob *Outbox) newListID(publisher string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(publisher) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		name = "default"
	}
	return fmt.Sprintf("Heed advisories from %s <%s.advisories.%s>", name, name, ob.domain)
}

// publisherOf names the publisher whose list an advisory's mail is on: the
// one that published it through Heed, else "default".
func publisherOf(adv *advisory.Advisory) string {
	if adv.Relayed != nil && adv.Relayed.Publisher != "" {
		return adv.Relayed.Publisher
	}
	return "default"
}

// messageID returns a new random Message-ID in the sender's domain, starting
// with prefix (the case's id, or "digest").
func (ob *Outbox) messageID(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return fmt.Sprintf("<%s.%s@%s>", prefix, hex.EncodeToString(b), ob.domain)
}

// threadID is the Message-ID of the first notice of a case to one contact;
// every later mail of the case to that contact replies to it, so they thread.
func (ob *Outbox) threadID(caseID string, contactID int64) string {
	return "<" + caseID + "." + strconv.FormatInt(contactID, 10) + "@" + ob.domain + ">"
}
