package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
)

// exportCases writes every case matching f as CSV, the list an agency hands
// on: who was told, when, and what they answered. It is written page by
// page as it is read, so that 100,000 cases never sit in memory at once.
func (s *Server) exportCases(w http.ResponseWriter, r *http.Request, f store.CaseFilter) error {
	q := store.CaseQuery{CaseFilter: f, Limit: defaultPage, NoItems: true}
	page, err := s.records.CasePage(r.Context(), q)
	if err != nil {
		return err // nothing written yet: the caller can still answer an error
	}
	now := s.now()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="heed-cases.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"case", "advisory", "org", "org_name", "state", "overdue", "reminders_sent",
		"next_reminder_at", "due_at", "opened_at", "answer", "answered_at", "answer_note",
		"answer_justification", "answer_version"})
	for {
		for _, c := range page.Cases {
			var next, answer, answeredAt, note, justification, version string
			if !c.NextReminderAt.IsZero() {
				next = c.NextReminderAt.Format(time.RFC3339)
			}
			if c.Answer != nil {
				answer, answeredAt, note = c.Answer.Status, c.Answer.At.Format(time.RFC3339), c.Answer.Note
				justification, version = c.Answer.Justification, c.Answer.Version
			}
			overdue := c.State == store.CaseOpen && now.After(c.DueAt)
			cw.Write([]string{c.ID, c.AdvisoryID, c.OrgID, cell(page.OrgNames[c.OrgID]), c.State, strconv.FormatBool(overdue),
				strconv.Itoa(c.RemindersSent), next, c.DueAt.Format(time.RFC3339), c.OpenedAt.Format(time.RFC3339),
				answer, answeredAt, cell(note), justification, cell(version)})
		}
		cw.Flush()
		if err := cw.Error(); err != nil || page.Next == "" {
			return err
		}
		q.Cursor = page.Next
		if page, err = s.records.CasePage(r.Context(), q); err != nil {
			// The header is out: abort the response, so that the client
			// sees a broken transfer rather than a file that looks whole.
			s.log.Error("export cases", "err", err)
			panic(http.ErrAbortHandler)
		}
	}
}

// cell keeps text typed by others from being read as a formula when the CSV
// is opened in a spreadsheet.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
