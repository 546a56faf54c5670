package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// orgReportPage is the operator's page of one organization: its contacts
// (bounced ones marked), its inventory by product, every case, every mail
// sent about them and every answer.
func (s *Server) orgReportPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrgReport(w, r, "")
}

// renderOrgReport writes the page of the organization in the path; done
// says what the page's last button did.
func (s *Server) renderOrgReport(w http.ResponseWriter, r *http.Request, done string) error {
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
		DeactivatedAt: o.DeactivatedAt, Done: done, CanChange: refusal(who(r).token, needOperator) == ""}
	page.Operator.Here = "/orgs/" + o.ID // also after a button's POST
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

// orgStateForm is the page's deactivate or activate button: a POST with
// the CSRF field of the operator's session, doing what the API's
// POST /api/v1/orgs/{id}/deactivate or /activate does.
func (s *Server) orgStateForm(deactivate bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		op, err := s.buttonForm(r, "op.err.csrf")
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		if deactivate {
			res, err := s.orgs.Deactivate(r.Context(), id)
			if err != nil {
				return err
			}
			return s.renderOrgReport(w, r, templates.OpText(op.Lang, "op.deactivated_done",
				templates.OpCount(op.Lang, "op.n_closed", res.CasesClosed), templates.OpCount(op.Lang, "op.n_cancelled", res.MailsCancelled)))
		}
		res, err := s.orgs.Activate(r.Context(), id)
		if err != nil {
			return err
		}
		return s.renderOrgReport(w, r, templates.OpText(op.Lang, "op.activated_done", templates.OpCount(op.Lang, "op.n_opened", res.Opened)))
	}
}
