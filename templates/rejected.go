package templates

import (
	"io"
	"time"
)

// RejectedRow is a document Heed refused.
type RejectedRow struct {
	ID         int64
	ReceivedAt time.Time
	Subject    string
	Publisher  string // "" when no configured publisher owns the subject
	Reason     string
	Size       int64
}

// RejectedPage lists the documents Heed refused (GET /rejected), newest
// first; GET /api/v1/rejected/{id} gives each with its kept payload.
type RejectedPage struct {
	Operator *Operator
	Rows     []RejectedRow
}

type rejectedView struct {
	view
	P RejectedPage
}

var rejectedPage = parsePage("rejected.html")

// RenderRejectedPage writes the list of refused documents. The reasons
// stay in English: they are the parsers' and the rules' own words.
func RenderRejectedPage(w io.Writer, p RejectedPage) error {
	for i := range p.Rows {
		p.Rows[i].Subject = OneLine(p.Rows[i].Subject)
		p.Rows[i].Reason = cleanText(p.Rows[i].Reason)
	}
	v := rejectedView{view: opView(p.Operator), P: p}
	v.Title = v.t("op.rejected_title")
	return render(w, rejectedPage, v)
}
