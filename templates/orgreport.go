package templates

import (
	"io"
	"time"
)

// ContactRow is a contact of an organization; Bounced is set once the
// relay refused its address for good.
type ContactRow struct {
	Email, Name, Role string
	Bounced           time.Time
	Bounce            string // the relay's refusal
}

// ProductRow counts an organization's inventory items of one product.
type ProductRow struct {
	Vendor, Product string
	Items           int
}

// OrgCaseRow is one case of the organization.
type OrgCaseRow struct {
	ID            string
	AdvisoryID    string
	AdvisoryTitle string
	Severity      string
	State         string
	OpenedAt      time.Time
	DueAt         time.Time
	Reminders     int
	Overdue       bool
	SeenAt        time.Time
	// KnownExploited: the case's flaw is known to be exploited.
	KnownExploited bool
	Answer         *AnswerView
}

// OrgAnswerRow is one answer given to a case of the organization.
type OrgAnswerRow struct {
	AdvisoryID string
	By         string // the address whose link was used
	AnswerView
}

// OrgReportPage is the operator's page of one organization (GET /orgs/{id}):
// who it is, whom Heed mails there, what it runs, every case, every mail
// and every answer: the evidence of what it was told and what it said.
type OrgReportPage struct {
	Operator      *Operator
	ID            string
	Name          string
	Language      string
	Timezone      string
	BusinessHours string
	Digest        string
	CreatedAt     time.Time
	DeactivatedAt time.Time // zero: active
	// CanChange: the signed-in token may deactivate and activate (an
	// operator or admin); others see no button.
	CanChange   bool
	Done        string // what the last button did, shown once
	Contacts    []ContactRow
	Products    []ProductRow
	Items       int
	Cases       []OrgCaseRow
	Mails       []OutboxRow
	MailsCapped int // non-zero: only this many newest mails are listed
	Answers     []OrgAnswerRow
}

type orgReportView struct {
	view
	P OrgReportPage
}

var orgReportPage = parsePage("orgreport.html")

// RenderOrgReportPage writes the operator's page of one organization.
func RenderOrgReportPage(w io.Writer, p OrgReportPage) error {
	p.Name = OneLine(p.Name)
	for i := range p.Cases {
		p.Cases[i].AdvisoryTitle = OneLine(p.Cases[i].AdvisoryTitle)
		if a := p.Cases[i].Answer; a != nil {
			c := *a
			c.Note = OneLine(c.Note)
			p.Cases[i].Answer = &c
		}
	}
	for i := range p.Mails {
		p.Mails[i].Subject = OneLine(p.Mails[i].Subject)
		p.Mails[i].Reply = OneLine(p.Mails[i].Reply)
	}
	for i := range p.Answers {
		p.Answers[i].Note = cleanText(p.Answers[i].Note)
	}
	for i := range p.Contacts {
		p.Contacts[i].Name = OneLine(p.Contacts[i].Name)
		p.Contacts[i].Bounce = OneLine(p.Contacts[i].Bounce)
	}
	v := orgReportView{view: opView(p.Operator), P: p}
	v.Title = v.t("op.org_title", p.Name)
	return render(w, orgReportPage, v)
}
