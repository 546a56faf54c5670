package templates

import (
	"io"
	"strings"
	"time"
)

// ReviewRow is a near miss: an inventory item whose vendor is an affected
// product's and whose product name is close to it, at a version inside.
type ReviewRow struct {
	ID         string
	OrgID      string
	OrgName    string
	Vendor     string // the item, as the inventory writes it
	Product    string
	Version    string
	Asset      string
	AdvisoryID string
	Title      string
	AdvVendor  string // the advisory's product, as it writes it
	AdvProduct string
	Why        string   // words_added or words_dropped
	Words      []string // the words
	InRange    Reason   // why the version is inside
	State      string   // pending, confirmed, dismissed
	FoundAt    time.Time
	DecidedAt  time.Time
	DecidedBy  string
}

// ReviewPage is the operator's review of near misses (GET /review): the
// pending ones with a confirm and a dismiss button each (forms posting
// CSRF), then the last ones decided.
type ReviewPage struct {
	Operator  *Operator
	Pending   []ReviewRow
	Decided   []ReviewRow
	Done      string // what the last button did, shown once
	CanDecide bool   // an operator or admin: the buttons are shown
}

type reviewView struct {
	view
	P ReviewPage
}

var reviewPage = parsePage("review.html")

// RenderReviewPage writes the review page.
func RenderReviewPage(w io.Writer, p ReviewPage) error {
	for _, rows := range [][]ReviewRow{p.Pending, p.Decided} {
		for i := range rows {
			rows[i].Title = OneLine(rows[i].Title)
		}
	}
	v := reviewView{view: opView(p.Operator), P: p}
	v.Title = v.t("op.review_title")
	return render(w, reviewPage, v)
}

// CloseWhy says in lang why a near miss's names are close: the words one
// adds to the other.
func CloseWhy(lang, why string, words []string) string {
	return OpText(lang, "op.review.why."+why, "“"+strings.Join(words, " ")+"”")
}

// Close is CloseWhy in the page's language.
func (v view) Close(r ReviewRow) string { return CloseWhy(v.lang, r.Why, r.Words) }
