package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
)

// exportCases writes the cases as CSV, the list an agency hands on: who was
// told, when, and what they answered.
func (s *Server) exportCases(w http.ResponseWriter, r *http.Request, cases []CaseJSON) error {
	names := map[string]string{}
	err := s.db.View(r.Context(), func(tx *store.Tx) error {
		ids := make([]string, 0, len(cases))
		for _, c := range cases {
			ids = append(ids, c.Org)
		}
		var err error
		names, err = tx.OrgNames(ids)
		return err
	})
	if err != nil {
		return err
	}
	now := s.engine.Now()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="heed-cases.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"case", "advisory", "org", "org_name", "state", "overdue", "reminders_sent",
		"next_reminder_at", "due_at", "opened_at", "answer", "answered_at", "answer_note"})
	for _, c := range cases {
		var next, answer, answeredAt, note string
		if c.NextReminderAt != nil {
			next = c.NextReminderAt.Format(time.RFC3339)
		}
		if c.Answer != nil {
			answer, answeredAt, note = c.Answer.Status, c.Answer.At.Format(time.RFC3339), c.Answer.Note
		}
		overdue := c.State == store.CaseOpen && now.After(c.DueAt)
		cw.Write([]string{c.ID, c.Advisory, c.Org, cell(names[c.Org]), c.State, strconv.FormatBool(overdue),
			strconv.Itoa(c.RemindersSent), next, c.DueAt.Format(time.RFC3339), c.OpenedAt.Format(time.RFC3339),
			answer, answeredAt, cell(note)})
	}
	cw.Flush()
	return cw.Error()
}

// cell keeps text typed by others from being read as a formula when the CSV
// is opened in a spreadsheet.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
