package web

import (
	"io"
	"net/http"

	"github.com/heed-dev/heed/templates"
)

// Subjects names the publisher that owns a NATS subject ("" if none).
type Subjects interface {
	PublisherOf(subject string) string
}

// rejectedPage lists the documents Heed refused, with their reason and
// the publisher whose subject they came on.
func (s *Server) rejectedPage(w http.ResponseWriter, r *http.Request) error {
	rej, err := s.records.RejectedDocs(r.Context(), 500)
	if err != nil {
		return err
	}
	page := templates.RejectedPage{Operator: s.operatorView(r)}
	for _, d := range rej {
		row := templates.RejectedRow{ID: d.ID, ReceivedAt: d.ReceivedAt, Subject: d.Subject, Reason: d.Reason, Size: d.Size}
		if s.subjects != nil {
			row.Publisher = s.subjects.PublisherOf(d.Subject)
		}
		page.Rows = append(page.Rows, row)
	}
	s.renderPage(w, http.StatusOK, func(w io.Writer) error { return templates.RenderRejectedPage(w, page) })
	return nil
}
