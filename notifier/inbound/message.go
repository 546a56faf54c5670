package inbound

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"

	"github.com/heed-dev/heed/notifier"
)

// message is what Heed reads of a received mail.
type message struct {
	header    mail.Header
	from      string // the From address
	subject   string
	messageID string
	text      string // the first text/plain part, decoded
	// statuses are the Status fields of a delivery status notification's
	// recipients whose Action is failed.
	statuses []string
}

var wordDecoder = new(mime.WordDecoder)

func parse(raw []byte) (*message, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	msg := &message{header: m.Header, messageID: strings.TrimSpace(m.Header.Get("Message-Id"))}
	if a, err := mail.ParseAddress(m.Header.Get("From")); err == nil {
		msg.from = a.Address
	}
	msg.subject, err = wordDecoder.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		msg.subject = m.Header.Get("Subject")
	}
	if err := msg.readPart(textproto.MIMEHeader(m.Header), m.Body, 0); err != nil {
		return nil, err
	}
	return msg, nil
}

// readPart walks a MIME part: it keeps the first text/plain part and the
// failed recipients of a message/delivery-status part.
func (msg *message) readPart(h textproto.MIMEHeader, body io.Reader, depth int) error {
	ctype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		ctype = "text/plain"
	}
	body = decoded(h.Get("Content-Transfer-Encoding"), body)
	switch {
	case strings.HasPrefix(ctype, "multipart/") && depth < 5:
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read mail part: %w", err)
			}
			if err := msg.readPart(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	case ctype == "message/delivery-status" || ctype == "message/global-delivery-status":
		msg.statuses = append(msg.statuses, failedStatuses(body)...)
	case ctype == "text/plain" && msg.text == "":
		b, err := io.ReadAll(io.LimitReader(body, maxMessage))
		if err != nil {
			return fmt.Errorf("read mail text: %w", err)
		}
		msg.text = string(b)
	}
	return nil
}

func decoded(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	}
	return r
}

// failedStatuses reads the per-recipient blocks of a delivery-status body
// (RFC 3464 section 2.3) and returns the Status of each whose Action is
// failed.
func failedStatuses(r io.Reader) []string {
	tp := textproto.NewReader(bufio.NewReader(r))
	var out []string
	for range 100 {
		h, err := tp.ReadMIMEHeader()
		if strings.EqualFold(strings.TrimSpace(h.Get("Action")), "failed") {
			status, _, _ := strings.Cut(strings.TrimSpace(h.Get("Status")), " ")
			out = append(out, status)
		}
		if err != nil {
			break
		}
	}
	return out
}

// mailboxFault returns the first failed status that says the address is
// gone for good (RFC 3463 5.1.x, or 5.2.1 mailbox disabled).
func (msg *message) mailboxFault() (string, bool) {
	for _, s := range msg.statuses {
		if strings.HasPrefix(s, "5.1.") || s == "5.2.1" {
			return s, true
		}
	}
	return "", false
}

// autoSubjects start the subjects of out-of-office and other automatic replies.
var autoSubjects = regexp.MustCompile(`(?i)^\s*(auto(matic)?[ -]?(reply|response)|auto:|out of (the )?office|abwesenheit|absence|vacation|不在|自動応答|自動返信)`)

// automatic reports whether a mail was sent by a program rather than a
// person: auto-submitted (RFC 3834), an auto-reply, bulk or list mail, a
// delivery report, or an out-of-office subject.
func (msg *message) automatic() bool {
	h := msg.header
	if a := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); a != "" && a != "no" {
		return true
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "List-Id"} {
		if h.Get(k) != "" {
			return true
		}
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "auto_reply", "bulk", "junk", "list":
		return true
	}
	ctype, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if ctype == "multipart/report" || params["report-type"] != "" || len(msg.statuses) > 0 {
		return true
	}
	return autoSubjects.MatchString(msg.subject)
}

// firstLine is the reply's first line that is neither empty nor quoted.
func (msg *message) firstLine() string {
	for _, line := range strings.Split(msg.text, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if line != "" && !strings.HasPrefix(line, ">") {
			return line
		}
	}
	return ""
}

var (
	wordPatched     = regexp.MustCompile(`(?i)^patched\b`)
	wordMitigated   = regexp.MustCompile(`(?i)^mitigated\b`)
	wordNotAffected = regexp.MustCompile(`(?i)^not[ _-]affected\s*[:：]?\s*([A-Za-z_ -]*)`)
	wordScheduled   = regexp.MustCompile(`(?i)^will patch by\s+(\d{4}-\d{2}-\d{2})\b`)
	jaNotAffected   = regexp.MustCompile(`^影響なし\s*[:：]?\s*([A-Za-z_ -]*)`)
	jaScheduled     = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})\s*までに対応`)
)

// answerIn reads the answer a reply's first line starts with, in English or
// Japanese; ok is false when it starts with none. The line is kept as the
// answer's note.
func answerIn(line string) (in notifier.AnswerInput, ok bool) {
	in.Note = line
	switch {
	case wordPatched.MatchString(line), strings.HasPrefix(line, "対応済み"):
		in.Status = notifier.AnswerPatched
	case wordMitigated.MatchString(line), strings.HasPrefix(line, "緩和済み"):
		in.Status = notifier.AnswerMitigated
	default:
		m := wordNotAffected.FindStringSubmatch(line)
		if m == nil {
			m = jaNotAffected.FindStringSubmatch(line)
		}
		if m != nil {
			in.Status = notifier.AnswerNotAffected
			in.Justification = strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(m[1])))
			return in, true
		}
		m = wordScheduled.FindStringSubmatch(line)
		if m == nil {
			m = jaScheduled.FindStringSubmatch(line)
		}
		if m == nil {
			return in, false
		}
		t, err := time.Parse("2006-01-02", m[1])
		if err != nil {
			return in, false
		}
		in.Status, in.Until = notifier.AnswerScheduled, t
	}
	return in, true
}
