package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// The operator's page of one advisory: what it is, its revisions, its
// cases by state, the uptake curve (also alone as SVG) and who is overdue
// or silent.

// advisoryReport reads the advisory in the path, if the request may see
// it: a publisher-scoped token sees only its publisher's (others are not
// found, so that their ids are not told either).
func (s *Server) advisoryReport(r *http.Request) (store.AdvisoryReport, error) {
	rep, err := s.records.AdvisoryReport(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return rep, &httpError{http.StatusNotFound, "advisory " + r.PathValue("id") + ": not found"}
	}
	if err != nil {
		return rep, err
	}
	if p := publisherOf(r); p != "" && rep.Advisory.Publisher != p {
		return store.AdvisoryReport{}, &httpError{http.StatusNotFound, "advisory " + r.PathValue("id") + ": not found"}
	}
	return rep, nil
}

// uptake is the report's curve: each case's answers from the first mail to now.
func (s *Server) uptake(rep store.AdvisoryReport, lang string) templates.Uptake {
	u := templates.Uptake{Lang: lang, Start: rep.FirstMail, Now: s.now()}
	for _, c := range rep.Cases {
		if c.State == store.CaseWatching {
			continue // never mailed: not part of the uptake
		}
		if u.Due.IsZero() || c.DueAt.Before(u.Due) {
			u.Due = c.DueAt
		}
		var as []templates.UptakeAnswer
		for _, a := range rep.Answers[c.ID] {
			as = append(as, templates.UptakeAnswer{Status: a.Status, At: a.At})
		}
		u.Cases = append(u.Cases, as)
	}
	return u
}

func (s *Server) advisoryPage(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.advisoryReport(r)
	if err != nil {
		return err
	}
	lang := s.operatorLang(r)
	a := rep.Advisory
	page := templates.AdvisoryPage{Operator: s.operatorView(r), ID: a.ID,
		Revision: a.Revision, Title: a.Title, Severity: a.Severity, Publisher: a.Publisher, Format: a.Format,
		Withdrawn: a.Withdrawn, ReceivedAt: a.ReceivedAt, Uptake: s.uptake(rep, lang)}
	if a.Informational {
		var doc advisory.Advisory
		if err := json.Unmarshal(a.Doc, &doc); err != nil {
			return fmt.Errorf("read advisory %s: %w", a.ID, err)
		}
		page.Informational, page.Category, page.References = true, doc.Category, doc.References
		for _, t := range doc.Texts {
			page.Texts = append(page.Texts, templates.InfoText{Category: t.Category, Title: t.Title, Text: t.Text})
		}
	}
	for _, v := range rep.Revisions {
		page.Revisions = append(page.Revisions, templates.RevisionRow{Revision: v.Revision, Title: v.Title,
			Severity: v.Severity, Withdrawn: v.Withdrawn, AppliedAt: v.AppliedAt})
	}
	counts := map[string]int{}
	now := s.now()
	for _, c := range rep.Cases {
		counts[c.State]++
		if c.State != store.CaseOpen || c.Answer != nil {
			continue
		}
		wc := templates.WaitingCase{CaseID: c.ID, OrgID: c.OrgID, OrgName: rep.OrgNames[c.OrgID], DueAt: c.DueAt,
			Reminders: c.RemindersSent, Escalated: c.Escalated, SeenAt: c.SeenAt, SeenBy: c.SeenBy}
		if now.After(c.DueAt) {
			page.Overdue = append(page.Overdue, wc)
		} else {
			page.Silent = append(page.Silent, wc)
		}
	}
	f := store.CaseFilter{AdvisoryID: a.ID}
	for _, st := range store.CaseStates {
		page.Totals = append(page.Totals, templates.StateTotal{State: st, Count: counts[st], Link: boardLink(f, st, "", defaultPage)})
	}
	page.Totals = append(page.Totals, templates.StateTotal{State: "all", Count: len(rep.Cases), Link: boardLink(f, "", "", defaultPage)})
	s.renderPage(w, http.StatusOK, func(w io.Writer) error { return templates.RenderAdvisoryPage(w, page) })
	return nil
}

func (s *Server) uptakeSVG(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.advisoryReport(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	io.WriteString(w, templates.UptakeSVG(s.uptake(rep, s.operatorLang(r))))
	return nil
}
