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
		DeactivatedAt: o.DeactivatedAt}
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
			OpenedAt: c.OpenedAt, DueAt: c.DueAt, Reminders: c.RemindersSent, Overdue: c.State == store.CaseOpen && now.After(c.DueAt), SeenAt: c.SeenAt}
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
