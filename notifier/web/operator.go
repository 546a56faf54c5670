package web

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

func (s *Server) renderPage(w http.ResponseWriter, status int, render func(io.Writer) error) {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		s.log.Error("render page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) board(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := s.caseFilter(r)
	if err != nil {
		return err
	}
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	// The totals count what the other filters keep, in every state.
	all := f
	all.State = ""
	totals, err := s.records.CaseTotals(r.Context(), all)
	if err != nil {
		return err
	}
	cp, err := s.records.CasePage(r.Context(), store.CaseQuery{CaseFilter: f, Cursor: cursor, Limit: limit})
	if err != nil {
		return err
	}
	now := s.now()
	page := templates.BoardPage{State: f.State, Operator: s.operatorView(r), Filter: templates.BoardFilter{
		Advisory: f.AdvisoryID, Publisher: f.Publisher, OrgName: f.OrgName, Org: f.OrgID, Silent: f.Silent, Overdue: !f.OverdueAt.IsZero()},
		All: boardLink(f, "", "", limit), CSV: "/board.csv" + strings.TrimPrefix(boardLink(f, f.State, "", defaultPage), "/board")}
	if s.alerts != nil {
		if a, on := s.alerts.RelayAlert(); on {
			page.RelayAlert = &templates.RelayAlertView{Since: a.Since, Last: a.Last, Reply: a.Reply, Refused: a.Refused}
		}
	}
	for _, st := range store.CaseStates {
		page.Totals = append(page.Totals, templates.StateTotal{State: st, Count: totals[st], Link: boardLink(f, st, "", limit)})
	}
	if cp.Next != "" {
		page.Next = boardLink(f, f.State, cp.Next, limit)
	}
	for _, c := range cp.Cases {
		a := cp.Advisories[c.AdvisoryID]
		row := templates.CaseRow{ID: c.ID, AdvisoryID: c.AdvisoryID, AdvisoryTitle: a.Title, Severity: a.Severity,
			OrgName: cp.OrgNames[c.OrgID], OrgID: c.OrgID, State: c.State, Reminders: c.RemindersSent, NextReminder: c.NextReminderAt,
			DueAt: c.DueAt, Overdue: c.State == store.CaseOpen && now.After(c.DueAt), SeenAt: c.SeenAt,
			KnownExploited: !c.ExploitedAt.IsZero()}
		if c.Answer != nil {
			row.Answer = &templates.AnswerView{Status: c.Answer.Status, Justification: c.Answer.Justification,
				Version: c.Answer.Version, At: c.Answer.At, Note: c.Answer.Note, Until: c.Answer.Until}
		}
		page.Rows = append(page.Rows, row)
	}
	s.renderPage(w, http.StatusOK, func(w io.Writer) error { return templates.RenderBoardPage(w, page) })
	return nil
}

// boardLink is the board's address for a filter with the given state
// (empty: all), cursor and page size: every filter stays in the links.
func boardLink(f store.CaseFilter, state, cursor string, limit int) string {
	q := url.Values{}
	if limit != defaultPage {
		q.Set("limit", strconv.Itoa(limit))
	}
	for k, v := range map[string]string{"advisory": f.AdvisoryID, "org": f.OrgID, "state": state, "cursor": cursor,
		"publisher": f.Publisher, "org_name": f.OrgName} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Silent {
		q.Set("silent", "true")
	}
	if !f.OverdueAt.IsZero() {
		q.Set("overdue", "true")
	}
	if len(q) == 0 {
		return "/board"
	}
	return "/board?" + q.Encode()
}

func outboxRow(m store.Mail) templates.OutboxRow {
	return templates.OutboxRow{ID: m.ID, CreatedAt: m.CreatedAt, To: m.Recipient, Subject: m.Subject,
		Kind: m.Kind, State: m.State, Reply: m.LastReply, SentAt: m.SentAt}
}

func (s *Server) outbox(w http.ResponseWriter, r *http.Request) error {
	page := templates.OutboxPage{Operator: s.operatorView(r)}
	mails, err := s.records.Mails(r.Context(), store.MailFilter{CaseID: r.URL.Query().Get("case"), State: r.URL.Query().Get("state")})
	if err != nil {
		return err
	}
	for _, m := range mails {
		page.Rows = append(page.Rows, outboxRow(m))
	}
	s.renderPage(w, http.StatusOK, func(w io.Writer) error { return templates.RenderOutboxPage(w, page) })
	return nil
}

// loadMail reads the message named in the path and parses it back into its
// headers and parts.
func (s *Server) loadMail(r *http.Request) (store.Mail, parsedMessage, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.Mail{}, parsedMessage{}, &httpError{http.StatusNotFound, "no such message"}
	}
	m, err := s.records.Mail(r.Context(), id)
	if err != nil {
		return m, parsedMessage{}, &httpError{http.StatusNotFound, "no such message"}
	}
	if len(m.Message) == 0 {
		return m, parsedMessage{}, nil // its body was removed after the retention
	}
	msg, err := parseMessage(m.Message)
	return m, msg, err
}

var ackLink = regexp.MustCompile(`https?://[^\s"<>]+/ack/([A-Za-z0-9_.-]+)`)

// madeLink returns the link Heed made for the mail m: of the ack links in
// its text, the one whose signature verifies for m's case and recipient. A
// link that an advisory's text planted in the mail does not verify.
func (s *Server) madeLink(m store.Mail, text string) string {
	for _, match := range ackLink.FindAllStringSubmatch(text, -1) {
		l, err := s.links.Verify(match[1])
		if err == nil && l.CaseID == m.CaseID && l.ContactID == m.ContactID {
			return match[0]
		}
	}
	return ""
}

func (s *Server) outboxMessage(w http.ResponseWriter, r *http.Request) error {
	m, msg, err := s.loadMail(r)
	if err != nil {
		return err
	}
	page := templates.OutboxMessagePage{Operator: s.operatorView(r), Row: outboxRow(m), Headers: msg.headers, Text: msg.text,
		AckURL: s.madeLink(m, msg.text), BodyRemoved: len(m.Message) == 0}
	s.renderPage(w, http.StatusOK, func(w io.Writer) error { return templates.RenderOutboxMessagePage(w, page) })
	return nil
}

// outboxHTML serves a message's HTML part for the sandboxed iframe of the
// message page, with a policy that forbids scripts and outside requests.
func (s *Server) outboxHTML(w http.ResponseWriter, r *http.Request) error {
	_, msg, err := s.loadMail(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox")
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(msg.html))
	return nil
}

type parsedMessage struct {
	headers    [][2]string
	text, html string
}

// parseMessage reads back an outbox message: its headers, decoded, and its
// text and HTML parts.
func parseMessage(raw []byte) (parsedMessage, error) {
	var pm parsedMessage
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return pm, err
	}
	dec := new(mime.WordDecoder)
	for _, k := range []string{"From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References"} {
		if v := msg.Header.Get(k); v != "" {
			if d, err := dec.DecodeHeader(v); err == nil {
				v = d
			}
			pm.headers = append(pm.headers, [2]string{k, v})
		}
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return pm, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			return pm, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return pm, err
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			pm.text = strings.ReplaceAll(string(b), "\r\n", "\n")
		case "text/html":
			pm.html = string(b)
		}
	}
	return pm, nil
}
