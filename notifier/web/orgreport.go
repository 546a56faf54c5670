package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// orgReportPage is the operator's page of one organization: its contacts
// (bounced ones marked), its inventory by product, every case, every mail
// sent about them and every answer.
func (s *Server) orgReportPage(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.records.OrgReport(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return &httpError{http.StatusNotFound, "organization " + r.PathValue("id") + ": not found"}
	}
	if err != nil {
		return err
	}
	o := rep.Org
	page := templates.OrgReportPage{Operator: s.operatorView(r), ID: o.ID, Name: o.Name,
		Language: o.Language, Timezone: o.Timezone, BusinessHours: o.BusinessHours, Digest: o.Digest, CreatedAt: o.CreatedAt,
		DeactivatedAt: o.DeactivatedAt, CanChange: refusal(who(r).token, needOperator) == ""}
	page.Operator.Here = "/orgs/" + o.ID // without the redirect's done=
	page.Done = orgDone(r.URL.Query(), page.Operator.Lang, !o.DeactivatedAt.IsZero())
	for _, c := range o.Contacts {
		page.Contacts = append(page.Contacts, templates.ContactRow{Email: c.Email, Name: c.Name, Role: c.Role, Bounced: c.Bounced, Bounce: c.Bounce})
	}
	for _, p := range rep.Products {
		page.Products = append(page.Products, templates.ProductRow{Vendor: p.Vendor, Product: p.Product, Items: p.Items})
		page.Items += p.Items
	}
	now := s.now()
	for _, c := range rep.Cases {
		a := rep.Advisories[c.AdvisoryID]
		row := templates.OrgCaseRow{ID: c.ID, AdvisoryID: c.AdvisoryID, AdvisoryTitle: a.Title, Severity: a.Severity, State: c.State,
			OpenedAt: c.OpenedAt, DueAt: c.DueAt, Reminders: c.RemindersSent, Overdue: c.State == store.CaseOpen && now.After(c.DueAt), SeenAt: c.SeenAt,
			KnownExploited: !c.ExploitedAt.IsZero()}
		if c.Answer != nil {
			row.Answer = &templates.AnswerView{Status: c.Answer.Status, At: c.Answer.At}
		}
		page.Cases = append(page.Cases, row)
	}
	for _, m := range rep.Mails {
		page.Mails = append(page.Mails, outboxRow(m))
	}
	if len(rep.Mails) == store.OrgReportMails {
		page.MailsCapped = store.OrgReportMails
	}
	advisoryOf := map[string]string{}
	for _, c := range rep.Cases {
		advisoryOf[c.ID] = c.AdvisoryID
	}
	for _, a := range rep.Answers {
		page.Answers = append(page.Answers, templates.OrgAnswerRow{AdvisoryID: advisoryOf[a.CaseID], By: a.ContactEmail,
			AnswerView: templates.AnswerView{Status: a.Status, Justification: a.Justification, Version: a.Version, At: a.At, Note: a.Note, Until: a.Until}})
	}
	s.renderPage(w, http.StatusOK, func(w io.Writer) error { return templates.RenderOrgReportPage(w, page) })
	return nil
}

// orgDone is the sentence saying what the page's last button did, from
// the redirect's query, shown only if the organization is in the state
// that button leaves it in.
func orgDone(q url.Values, lang string, deactivated bool) string {
	switch q.Get("done") {
	case "deactivated":
		if deactivated {
			return templates.OpText(lang, "op.deactivated_done", templates.OpCount(lang, "op.n_closed", doneCount(q, "closed")),
				templates.OpCount(lang, "op.n_cancelled", doneCount(q, "cancelled")))
		}
	case "activated":
		if !deactivated {
			return templates.OpText(lang, "op.activated_done", templates.OpCount(lang, "op.n_opened", doneCount(q, "opened")))
		}
	}
	return ""
}

// orgStateForm is the page's deactivate or activate button: a POST with
// the CSRF field of the operator's session, doing what the API's
// POST /api/v1/orgs/{id}/deactivate or /activate does, answered with a
// redirect to the organization's page that says what it did.
func (s *Server) orgStateForm(deactivate bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.buttonForm(r, "op.err.csrf"); err != nil {
			return err
		}
		id := r.PathValue("id")
		page := "/orgs/" + url.PathEscape(id)
		if deactivate {
			res, err := s.orgs.Deactivate(r.Context(), id)
			if err != nil {
				return err
			}
			seeOther(w, r, page, url.Values{"done": {"deactivated"}, "closed": {strconv.Itoa(res.CasesClosed)},
				"cancelled": {strconv.Itoa(res.MailsCancelled)}})
			return nil
		}
		res, err := s.orgs.Activate(r.Context(), id)
		if err != nil {
			return err
		}
		seeOther(w, r, page, url.Values{"done": {"activated"}, "opened": {strconv.Itoa(res.Opened)}})
		return nil
	}
}
