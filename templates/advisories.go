package templates

import (
	"io"
	"time"
)

// HeldRow is an advisory revision waiting for the operator's approval: it
// would open WouldOpen cases, more than its publisher may alone.
type HeldRow struct {
	ID         string
	Revision   string
	Title      string
	Severity   string
	Publisher  string
	WouldOpen  int
	ReceivedAt time.Time
}

// AdvisoryRow is an applied advisory with its cases by state.
type AdvisoryRow struct {
	ID         string
	Revision   string
	Title      string
	Severity   string
	Publisher  string
	Withdrawn  bool
	Open       int // still silent
	Cases      int
	ReceivedAt time.Time
}

// InformationRow is a document recorded as information: it opened no case.
type InformationRow struct {
	ID         string
	Revision   string
	Title      string
	Publisher  string
	ReceivedAt time.Time
}

// AdvisoriesPage is the operator's list of advisories (GET /advisories):
// first those held for approval, each with an approve and a discard
// button (forms posting CSRF), then the applied ones.
type AdvisoriesPage struct {
	Held       []HeldRow
	Advisories []AdvisoryRow
	// Information: documents that inform (CSAF informational and
	// csaf_base documents), recorded and shown, opening no case.
	Information []InformationRow
	Done        string    // what the last button did, shown once
	Operator    *Operator // who is signed in; its CSRF value goes in the forms
	// CanDecide: the signed-in token may approve and discard (an operator
	// or admin not limited to one publisher); others see no buttons.
	CanDecide bool
}

type advisoriesView struct {
	view
	P AdvisoriesPage
}

var advisoriesPage = parsePage("advisories.html")

// RenderAdvisoriesPage writes the list of advisories, held ones first.
func RenderAdvisoriesPage(w io.Writer, p AdvisoriesPage) error {
	for i := range p.Held {
		p.Held[i].Title = OneLine(p.Held[i].Title)
	}
	for i := range p.Advisories {
		p.Advisories[i].Title = OneLine(p.Advisories[i].Title)
	}
	for i := range p.Information {
		p.Information[i].Title = OneLine(p.Information[i].Title)
	}
	v := advisoriesView{view: opView(p.Operator), P: p}
	v.Title = v.t("op.advisories_title")
	return render(w, advisoriesPage, v)
}
