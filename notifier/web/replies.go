package web

import (
	"net/http"
	"time"
)

// replyJSON is one received reply as the API shows it.
type replyJSON struct {
	ID         int64     `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Case       string    `json:"case"`
	Sender     string    `json:"sender"`
	Subject    string    `json:"subject"`
	Line       string    `json:"line"`    // the first line that is not quoted
	Outcome    string    `json:"outcome"` // answered, not_contact, no_answer, unauthenticated, closed, automatic
}

// listReplies serves GET /api/v1/replies: the newest 200 mails received at
// cases' reply addresses and what each meant, so that the operator reads
// the ones Heed could not take as an answer.
func (s *Server) listReplies(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.records.Replies(r.Context(), 200)
	if err != nil {
		return err
	}
	out := make([]replyJSON, len(rs))
	for i, rp := range rs {
		out[i] = replyJSON{ID: rp.ID, ReceivedAt: rp.ReceivedAt, Case: rp.CaseID, Sender: rp.Sender,
			Subject: rp.Subject, Line: rp.Line, Outcome: rp.Outcome}
	}
	writeJSON(w, http.StatusOK, map[string]any{"replies": out})
	return nil
}
