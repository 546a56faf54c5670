package web

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &httpError{http.StatusBadRequest, "invalid JSON body: " + err.Error()}
	}
	return nil
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request) error {
	var spec subscribers.OrgSpec
	if err := decodeJSON(r, &spec); err != nil {
		return err
	}
	org, err := s.engine.Orgs.CreateOrg(r.Context(), spec)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": org.ID})
	return nil
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) error {
	var orgs []store.Org
	err := s.db.View(r.Context(), func(tx *store.Tx) (err error) { orgs, err = tx.Orgs(); return err })
	if err != nil {
		return err
	}
	if orgs == nil {
		orgs = []store.Org{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"orgs": orgs})
	return nil
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request) error {
	var org store.Org
	err := s.db.View(r.Context(), func(tx *store.Tx) (err error) { org, err = tx.Org(r.PathValue("id")); return err })
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, org)
	return nil
}

func (s *Server) updateOrg(w http.ResponseWriter, r *http.Request) error {
	var spec subscribers.OrgSpec
	if err := decodeJSON(r, &spec); err != nil {
		return err
	}
	org, err := s.engine.Orgs.UpdateOrg(r.Context(), r.PathValue("id"), spec)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, org)
	return nil
}

func (s *Server) putInventory(w http.ResponseWriter, r *http.Request) error {
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var items []subscribers.Item
	var err error
	switch ctype {
	case "text/csv":
		items, err = subscribers.ParseInventoryCSV(r.Body)
	case "application/json", "":
		items, err = subscribers.ParseInventoryJSON(r.Body)
	default:
		return &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: send application/json or text/csv", ctype)}
	}
	if err != nil {
		return &httpError{http.StatusBadRequest, "inventory not imported: " + err.Error()}
	}
	res, err := s.engine.Orgs.ReplaceInventory(r.Context(), r.PathValue("id"), items)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) getInventory(w http.ResponseWriter, r *http.Request) error {
	var items []store.Item
	err := s.db.View(r.Context(), func(tx *store.Tx) error {
		if _, err := tx.Org(r.PathValue("id")); err != nil {
			return err
		}
		var err error
		items, err = tx.Inventory(r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	out := make([]subscribers.Item, len(items))
	for i, it := range items {
		out[i] = subscribers.Item{Vendor: it.Vendor, Product: it.Product, Version: it.Version, CPE: it.CPE, PURL: it.PURL, Asset: it.Asset}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// CaseJSON is a case as the API shows it.
type CaseJSON struct {
	ID             string         `json:"id"`
	Advisory       string         `json:"advisory"`
	Org            string         `json:"org"`
	State          string         `json:"state"`
	RemindersSent  int            `json:"reminders_sent"`
	NextReminderAt *time.Time     `json:"next_reminder_at"`
	DueAt          time.Time      `json:"due_at"`
	OpenedAt       time.Time      `json:"opened_at"`
	Escalated      bool           `json:"escalated"`
	Answer         *store.Answer  `json:"answer"`
	ClosedReason   string         `json:"closed_reason,omitempty"`
	Items          []CaseItemJSON `json:"items"`
}

// CaseItemJSON is an inventory item a case is about.
type CaseItemJSON struct {
	Vendor    string `json:"vendor"`
	Product   string `json:"product"`
	Version   string `json:"version"`
	Asset     string `json:"asset,omitempty"`
	Certainty string `json:"certainty"`
	Reason    string `json:"reason"`
}

var caseStates = map[string]bool{store.CaseOpen: true, store.CaseScheduled: true, store.CaseAnswered: true,
	store.CaseClosed: true, store.CaseWatching: true}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.CaseFilter{AdvisoryID: q.Get("advisory"), OrgID: q.Get("org"), State: q.Get("state")}
	if f.State != "" && !caseStates[f.State] {
		return &httpError{http.StatusBadRequest, fmt.Sprintf("state %q: use open, scheduled, answered, closed or watching", f.State)}
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return &httpError{http.StatusBadRequest, "limit: a positive number"}
		}
		f.Limit = n
	}
	out := []CaseJSON{}
	err := s.db.View(r.Context(), func(tx *store.Tx) error {
		cases, err := tx.Cases(f)
		if err != nil {
			return err
		}
		for _, c := range cases {
			items, err := tx.CaseItems(c.ID)
			if err != nil {
				return err
			}
			out = append(out, caseJSON(c, items))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return s.exportCases(w, r, out)
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": out})
	return nil
}

func caseJSON(c store.Case, items []store.CaseItem) CaseJSON {
	j := CaseJSON{ID: c.ID, Advisory: c.AdvisoryID, Org: c.OrgID, State: c.State, RemindersSent: c.RemindersSent,
		DueAt: c.DueAt, OpenedAt: c.OpenedAt, Escalated: c.Escalated, Answer: c.Answer, ClosedReason: c.ClosedReason,
		Items: []CaseItemJSON{}}
	if !c.NextReminderAt.IsZero() {
		t := c.NextReminderAt
		j.NextReminderAt = &t
	}
	for _, it := range items {
		j.Items = append(j.Items, CaseItemJSON{Vendor: it.Vendor, Product: it.Product, Version: it.Version,
			Asset: it.Asset, Certainty: it.Certainty, Reason: it.Reason})
	}
	return j
}

func (s *Server) listAdvisories(w http.ResponseWriter, r *http.Request) error {
	var advs []store.AdvisorySummary
	err := s.db.View(r.Context(), func(tx *store.Tx) (err error) { advs, err = tx.AdvisorySummaries(1000); return err })
	if err != nil {
		return err
	}
	if advs == nil {
		advs = []store.AdvisorySummary{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"advisories": advs})
	return nil
}

func (s *Server) listRejected(w http.ResponseWriter, r *http.Request) error {
	var rej []store.Rejected
	err := s.db.View(r.Context(), func(tx *store.Tx) (err error) { rej, err = tx.RejectedDocs(500); return err })
	if err != nil {
		return err
	}
	if rej == nil {
		rej = []store.Rejected{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"rejected": rej})
	return nil
}
