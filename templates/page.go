package templates

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/http"
	"slices"
	"strings"
)

// The pages' templates.
//
//go:embed page/*.html
var files embed.FS

// Each page is its own template set holding the shared layout, so that the
// pages' blocks cannot collide.
var (
	ackPage     = parsePage("ack.html")
	orgPage     = parsePage("org.html")
	errorPage   = parsePage("error.html")
	loginPage   = parsePage("login.html")
	outboxPage  = parsePage("outbox.html")
	messagePage = parsePage("message.html")
	boardPage   = parsePage("board.html")
)

func parsePage(name string) *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New(name).ParseFS(files, "page/layout.html", "page/"+name))
}

// render executes a page into a buffer first, so that a template error
// leaves w untouched and the caller can still send an error page.
func render(w io.Writer, t *htmltemplate.Template, data interface{ missingErr() error }) error {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("render %s: %w", t.Name(), err)
	}
	if err := data.missingErr(); err != nil {
		return fmt.Errorf("render %s: %w", t.Name(), err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// ackView is the view of the ack page.
type ackView struct {
	view
	A AckPage
}

// Recorded is the confirmation shown right after an answer was recorded. A
// "will patch by" answer pauses reminders instead of stopping them, and the
// person should see until when.
func (v ackView) Recorded() string {
	if a := v.A.Answer; a != nil && a.Status == "scheduled" && !a.Until.IsZero() {
		return v.t("ack.recorded_until", v.Day(a.Until))
	}
	return v.t("ack.recorded")
}

// Checked reports whether the form preselects status: the one already
// given, so that a person changing only the note does not have to repeat it.
func (v ackView) Checked(status string) bool {
	return v.A.Answer != nil && v.A.Answer.Status == status
}

// RenderAckPage writes the page behind the link in a mail. It changes
// nothing by itself: the only way to record an answer is its form, which
// posts to the same URL with the CSRF token.
func RenderAckPage(w io.Writer, p AckPage) error {
	p.Advisory = cleanAdvisory(p.Advisory)
	p.Items = cleanItems(p.Items)
	p.OrgName = OneLine(p.OrgName)
	p.Closed = cleanText(p.Closed)
	p.Error = cleanText(p.Error)
	if p.Answer != nil {
		a := *p.Answer
		a.Note = cleanText(a.Note)
		p.Answer = &a
	}
	v := ackView{view: newView(p.Lang, p.Location), A: p}
	v.Title = v.t("ack.title", p.Advisory.ID)
	return render(w, ackPage, v)
}

// orgView is the view of the organization's page.
type orgView struct {
	view
	P OrgPage
}

// RenderOrgPage writes the organization's page: a form per case waiting
// for an answer. Like the ack page it changes nothing by itself.
func RenderOrgPage(w io.Writer, p OrgPage) error {
	p.OrgName = OneLine(p.OrgName)
	p.Recorded = OneLine(p.Recorded)
	p.Error = cleanText(p.Error)
	cases := make([]OrgCase, len(p.Cases))
	for i, c := range p.Cases {
		c.Advisory = cleanAdvisory(c.Advisory)
		c.Items = cleanItems(c.Items)
		cases[i] = c
	}
	p.Cases = cases
	v := orgView{view: newView(p.Lang, p.Location), P: p}
	v.Title = v.t("org.title", p.OrgName)
	return render(w, orgPage, v)
}

// errorView is the view of the error page.
type errorView struct {
	view
	E ErrorPage
}

// StatusText is the standard reason phrase of the status, in English only
// because it is a protocol term an operator may search for.
func (v errorView) StatusText() string { return http.StatusText(v.E.Status) }

// LinkHint reports whether to explain expired links: only for the statuses
// an ack link produces when it is wrong, expired or superseded.
func (v errorView) LinkHint() bool {
	switch v.E.Status {
	case http.StatusNotFound, http.StatusGone, http.StatusForbidden:
		return true
	}
	return false
}

// RenderErrorPage writes an error page in the page's language.
func RenderErrorPage(w io.Writer, p ErrorPage) error {
	p.Title = OneLine(p.Title)
	p.Message = cleanText(p.Message)
	v := errorView{view: newView(p.Lang, nil), E: p}
	v.Title = p.Title
	if v.Title == "" {
		v.Title = v.t("err.title")
	}
	return render(w, errorPage, v)
}

// loginView is the view of the sign-in page.
type loginView struct {
	view
	L LoginPage
}

// RenderLoginPage writes the operator sign-in form.
func RenderLoginPage(w io.Writer, p LoginPage) error {
	v := loginView{view: newView(p.Lang, nil), L: p}
	v.Title = v.t("op.login_title")
	return render(w, loginPage, v)
}

// outboxView is the view of the outbox list.
type outboxView struct {
	view
	O OutboxPage
}

// RenderOutboxPage writes the list of the newest outbox messages. Times are
// shown in UTC: operators compare them with relay logs, not with a mailbox.
func RenderOutboxPage(w io.Writer, p OutboxPage) error {
	v := outboxView{view: opView(p.Operator), O: p}
	v.Title = v.t("op.outbox_title")
	return render(w, outboxPage, v)
}

// messageView is the view of one outbox message.
type messageView struct {
	view
	M OutboxMessagePage
}

// RenderOutboxMessagePage writes one message: its headers, its text part,
// and its HTML part in a sandboxed iframe, so that the mail's HTML never
// runs in the operator's session even if it were hostile.
func RenderOutboxMessagePage(w io.Writer, p OutboxMessagePage) error {
	v := messageView{view: opView(p.Operator), M: p}
	v.Title = v.t("op.message_title", p.Row.ID)
	return render(w, messagePage, v)
}

// boardView is the view of the board of cases.
type boardView struct {
	view
	B BoardPage
}

// All counts every case, in all states.
func (v boardView) All() int {
	n := 0
	for _, t := range v.B.Totals {
		n += t.Count
	}
	return n
}

// Silent counts the open, unanswered cases of this page: the list Heed
// exists to show.
func (v boardView) Silent() int {
	n := 0
	for _, r := range v.B.Rows {
		if isSilent(r) {
			n++
		}
	}
	return n
}

func isSilent(r CaseRow) bool { return r.State == "open" && r.Answer == nil }

// RenderBoardPage writes the board of cases. Silent cases come first (the
// rest keep the caller's order), since they are why an operator looks.
func RenderBoardPage(w io.Writer, p BoardPage) error {
	rows := slices.Clone(p.Rows)
	slices.SortStableFunc(rows, func(a, b CaseRow) int {
		switch sa, sb := isSilent(a), isSilent(b); {
		case sa && !sb:
			return -1
		case sb && !sa:
			return 1
		}
		return 0
	})
	for i := range rows {
		rows[i].AdvisoryTitle = OneLine(rows[i].AdvisoryTitle)
		rows[i].Severity = OneLine(rows[i].Severity)
	}
	p.Rows = rows
	if a := p.RelayAlert; a != nil {
		v := *a
		v.Reply = OneLine(v.Reply)
		p.RelayAlert = &v
	}
	v := boardView{view: opView(p.Operator), B: p}
	v.Title = v.t("op.board_title")
	return render(w, boardPage, v)
}

// ClosedReason words why a case was closed (store.ClosedWithdrawn,
// store.ClosedNotListed, store.ClosedResolved followed by ": " and what
// the inventory showed) in lang; a reason without wording (written by an
// older Heed) is given as it is.
func ClosedReason(lang, reason string) string {
	if reason == "" {
		reason = "none"
	}
	code, detail, _ := strings.Cut(reason, ": ")
	if code != "resolved" {
		code, detail = reason, ""
	}
	if msg, err := newView(lang, nil).T("ack.closed_" + code); err == nil && msg != "" {
		if detail != "" {
			msg += " (" + detail + ")"
		}
		return msg
	}
	return reason
}

// AckError is the message, in lang, for a problem with the answer form;
// code is the part after "ack.err." (status, note, note_long, until,
// until_far, date, form, csrf). An unknown code gives the form message.
func AckError(lang, code string) string {
	v := newView(lang, nil)
	if msg, err := v.T("ack.err." + code); err == nil && msg != "" {
		return msg
	}
	msg, _ := v.T("ack.err.form")
	return msg
}
