package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/templates"
)

// orgPage shows, from any link of an organization, every case of it that
// waits for an answer, each with its own form, so that a team answers many
// notices in one visit. Like the ack page it changes nothing.
func (s *Server) orgPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.answers.OrgForLink(r.Context(), r.PathValue("token"))
	if err != nil {
		s.linkError(w, err)
		return
	}
	// After a recorded answer the POST redirects here (see orgPost), naming
	// the case: the page names its advisory while the case has an answer.
	var p templates.OrgPage
	if id := r.URL.Query().Get("recorded"); id != "" {
		if c, err := s.answers.OrgCaseForLink(r.Context(), r.PathValue("token"), id); err == nil && c.Case.Answer != nil && c.Advisory != nil {
			p.Recorded = c.Advisory.ID
		}
	}
	s.renderOrg(w, r, http.StatusOK, v, p)
}

// orgPost records the answer of one of the page's forms: the case it names,
// answered as the contact the link was sent to. A recorded answer is
// answered with 303 See Other to the organization's page (flash.go), so
// that a reload does not send it again; a refused one with the page, its
// error and status.
func (s *Server) orgPost(w http.ResponseWriter, r *http.Request) {
	if s.tooManyAnswers(w, r) {
		return
	}
	token := r.PathValue("token")
	v, err := s.answers.OrgForLink(r.Context(), token)
	if err != nil {
		s.linkError(w, err)
		return
	}
	lang := v.Org.Language
	in, status, code := s.answerForm(r, lang)
	caseID := r.PostFormValue("case")
	if code != "" {
		s.renderOrg(w, r, status, v, templates.OrgPage{ErrorCase: caseID, Error: templates.AckError(lang, code)})
		return
	}
	_, err = s.answers.RecordAnswerFor(r.Context(), token, caseID, in)
	var ae *notifier.AnswerError
	switch {
	case err == nil:
		http.Redirect(w, r, "/ack/"+url.PathEscape(token)+"/all?"+url.Values{"recorded": {caseID}}.Encode(), http.StatusSeeOther)
		return
	case errors.As(err, &ae):
		status, code = http.StatusBadRequest, ae.Code
	case errors.Is(err, notifier.ErrCaseClosed):
		status, code = http.StatusConflict, "closed"
	default:
		s.linkError(w, err)
		return
	}
	// Read afresh: the case answered leaves the list.
	if v, err = s.answers.OrgForLink(r.Context(), token); err != nil {
		s.linkError(w, err)
		return
	}
	s.renderOrg(w, r, status, v, templates.OrgPage{ErrorCase: caseID, Error: templates.AckError(lang, code)})
}

// renderOrg writes the organization's page with status; p carries what the
// POST adds (the answer recorded, or the form's error).
func (s *Server) renderOrg(w http.ResponseWriter, r *http.Request, status int, v notifier.OrgView, p templates.OrgPage) {
	p.Lang, p.Location, p.OrgName = v.Org.Language, v.Location, v.Org.Name
	p.CSRFToken, p.Justifications = s.csrfToken(w, r), notifier.Justifications
	for _, c := range v.Cases {
		oc := templates.OrgCase{ID: c.Case.ID, Items: c.Items, DueAt: c.Case.DueAt}
		if c.Advisory != nil {
			oc.Advisory = notifier.CaseAdvisoryView(c.Advisory, &c.Case)
		}
		if a := c.Case.Answer; a != nil {
			oc.Answer = &templates.AnswerView{Status: a.Status, At: a.At, Until: a.Until}
		}
		p.Cases = append(p.Cases, oc)
	}
	s.renderPage(w, status, func(w io.Writer) error { return templates.RenderOrgPage(w, p) })
}
