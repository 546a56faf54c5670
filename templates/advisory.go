package templates

import (
	htmltemplate "html/template"
	"io"
	"time"
)

// RevisionRow is one revision of an advisory as Heed applied it.
type RevisionRow struct {
	Revision  string
	Title     string
	Severity  string
	Withdrawn bool
	AppliedAt time.Time
}

// WaitingCase is an open case nobody has answered: its organization, how
// often it was reminded, and whether its link was opened.
type WaitingCase struct {
	CaseID    string
	OrgID     string
	OrgName   string
	DueAt     time.Time
	Reminders int
	Escalated bool
	SeenAt    time.Time // zero: never opened (by what looked like a person)
	SeenBy    string
}

// AdvisoryPage is the operator's page of one advisory (GET
// /advisories/{id}): what it is, its revisions, its cases by state, the
// uptake curve, and who is overdue or silent.
type AdvisoryPage struct {
	Operator   *Operator
	ID         string
	Revision   string
	Title      string
	Severity   string
	Publisher  string
	Format     string
	Withdrawn  bool
	ReceivedAt time.Time
	Revisions  []RevisionRow
	Totals     []StateTotal // by state, each linking to the board
	Uptake     Uptake
	Overdue    []WaitingCase
	Silent     []WaitingCase
	// Informational: the document informs and opened no case; the page
	// shows its category, its texts and references instead of cases.
	Informational bool
	Category      string
	Texts         []InfoText
	References    []string
}

// InfoText is one of the publisher's notes in an informational document.
type InfoText struct {
	Category string // e.g. summary, general, legal_disclaimer
	Title    string
	Text     string
}

type advisoryView struct {
	view
	P   AdvisoryPage
	SVG htmltemplate.HTML // the uptake curve, escaped as it was built
}

var advisoryPage = parsePage("advisory.html")

// RenderAdvisoryPage writes the operator's page of one advisory.
func RenderAdvisoryPage(w io.Writer, p AdvisoryPage) error {
	p.Title = OneLine(p.Title)
	for i := range p.Revisions {
		p.Revisions[i].Title = OneLine(p.Revisions[i].Title)
	}
	for _, l := range [][]WaitingCase{p.Overdue, p.Silent} {
		for i := range l {
			l[i].OrgName = OneLine(l[i].OrgName)
		}
	}
	v := advisoryView{view: opView(p.Operator), P: p}
	p.Uptake.Lang = v.lang
	v.SVG = htmltemplate.HTML(UptakeSVG(p.Uptake)) // every text in it escaped by UptakeSVG
	v.Title = v.t("op.advisory_title", p.ID)
	return render(w, advisoryPage, v)
}

// waitingBlock is what the page's "waiting" block lists: overdue or silent
// cases, with the view for its words.
type waitingBlock struct {
	V    advisoryView
	Kind string // overdue or silent: the rows' id prefix
	Rows []WaitingCase
}

// Waiting hands the "waiting" block its rows.
func (v advisoryView) Waiting(kind string, rows []WaitingCase) waitingBlock {
	return waitingBlock{V: v, Kind: kind, Rows: rows}
}
