package web

import (
	"context"
	"crypto/subtle"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// Approvals decides the advisories held because they would open more cases
// than their publisher may alone: approved, they are applied; discarded,
// dropped. Both are audited.
type Approvals interface {
	Approve(ctx context.Context, id string) (notifier.Outcome, error)
	Discard(ctx context.Context, id string) error
}

// advisoryRows is every advisory the operator sees: the held revisions
// first ("state":"held", with would_open), then the applied ones.
// A publisher-scoped token sees only its publisher's.
func (s *Server) advisoryRows(r *http.Request) ([]advisoryJSON, error) {
	held, err := s.records.HeldAdvisories(r.Context(), 1000, publisherOf(r))
	if err != nil {
		return nil, err
	}
	advs, err := s.records.AdvisorySummaries(r.Context(), 1000, publisherOf(r))
	if err != nil {
		return nil, err
	}
	out := make([]advisoryJSON, 0, len(held)+len(advs))
	for _, h := range held {
		out = append(out, advisoryJSON{ID: h.ID, Revision: h.Revision, Publisher: h.Publisher, State: "held", WouldOpen: h.WouldOpen,
			Title: h.Title, Severity: h.Severity, ReceivedAt: h.ReceivedAt, UpdatedAt: h.ReceivedAt, Cases: map[string]int{}})
	}
	for _, a := range advs {
		out = append(out, advisoryJSON{ID: a.ID, Revision: a.Revision, Publisher: a.Publisher, State: advisoryState(a.Informational), Format: a.Format, Title: a.Title,
			Severity: a.Severity, Withdrawn: a.Withdrawn, ReceivedAt: a.ReceivedAt, UpdatedAt: a.UpdatedAt, Cases: a.Cases})
	}
	return out, nil
}

// advisoryState is the state the API gives a stored advisory.
func advisoryState(informational bool) string {
	if informational {
		return "information"
	}
	return "applied"
}

// getAdvisory is one advisory with its cases counted by state and its
// normalized document.
func (s *Server) getAdvisory(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.advisoryReport(r)
	if err != nil {
		return err
	}
	a := rep.Advisory
	out := advisoryJSON{ID: a.ID, Revision: a.Revision, Publisher: a.Publisher, State: advisoryState(a.Informational), Format: a.Format,
		Title: a.Title, Severity: a.Severity, Withdrawn: a.Withdrawn, ReceivedAt: a.ReceivedAt, UpdatedAt: a.UpdatedAt,
		Cases: map[string]int{}, Document: a.Doc}
	for _, c := range rep.Cases {
		out.Cases[c.State]++
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listAdvisories(w http.ResponseWriter, r *http.Request) error {
	out, err := s.advisoryRows(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"advisories": out})
	return nil
}

func (s *Server) approveAdvisory(w http.ResponseWriter, r *http.Request) error {
	out, err := s.approvals.Approve(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) discardAdvisory(w http.ResponseWriter, r *http.Request) error {
	if err := s.approvals.Discard(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"discarded": r.PathValue("id")})
	return nil
}

// advisoriesPage lists the advisories for the operator, held ones first
// with their approve and discard buttons.
func (s *Server) advisoriesPage(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.advisoryRows(r)
	if err != nil {
		return err
	}
	page := templates.AdvisoriesPage{Operator: s.operatorView(r), CanDecide: refusal(who(r).token, needOperator) == ""}
	page.Operator.Here = "/advisories" // without the redirect's done=
	page.Done = heldDone(r.URL.Query(), page.Operator.Lang, rows)
	for _, a := range rows {
		if a.State == "information" {
			page.Information = append(page.Information, templates.InformationRow{ID: a.ID, Revision: a.Revision, Title: a.Title,
				Publisher: a.Publisher, ReceivedAt: a.ReceivedAt})
			continue
		}
		if a.State == "held" {
			page.Held = append(page.Held, templates.HeldRow{ID: a.ID, Revision: a.Revision, Title: a.Title, Severity: a.Severity,
				Publisher: a.Publisher, WouldOpen: a.WouldOpen, ReceivedAt: a.ReceivedAt})
			continue
		}
		row := templates.AdvisoryRow{ID: a.ID, Revision: a.Revision, Title: a.Title, Severity: a.Severity, Publisher: a.Publisher,
			Withdrawn: a.Withdrawn, Open: a.Cases[store.CaseOpen], ReceivedAt: a.ReceivedAt}
		for _, n := range a.Cases {
			row.Cases += n
		}
		page.Advisories = append(page.Advisories, row)
	}
	s.renderPage(w, http.StatusOK, func(w io.Writer) error { return templates.RenderAdvisoriesPage(w, page) })
	return nil
}

// buttonForm reads the form of a page's button, which must carry the CSRF
// value of the operator's session; without one (a bearer token has no
// session, and no forms: the API is for that) it is refused with the
// sentence of key.
func (s *Server) buttonForm(r *http.Request, key string) error {
	if err := r.ParseForm(); err != nil {
		return &httpError{http.StatusBadRequest, "bad form: " + err.Error()}
	}
	op := s.operatorView(r)
	if op.CSRF == "" || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(op.CSRF)) != 1 {
		return &httpError{http.StatusForbidden, templates.OpText(op.Lang, key)}
	}
	return nil
}

// heldDone is the sentence saying what the last approve or discard button
// did, from the redirect's query: an approval only of an advisory listed
// as applied, a discard only of one no longer held. A discarded revision
// is kept nowhere but the audit log, so that sentence names none.
func heldDone(q url.Values, lang string, rows []advisoryJSON) string {
	id := q.Get("id")
	held, applied := false, false
	for _, a := range rows {
		if a.ID == id {
			held = held || a.State == "held"
			applied = applied || a.State != "held"
		}
	}
	switch q.Get("done") {
	case "approved":
		if applied && !held {
			return templates.OpText(lang, "op.approved", id, templates.OpCount(lang, "op.n_opened", doneCount(q, "opened")))
		}
	case "discarded":
		if !held {
			return templates.OpText(lang, "op.discarded")
		}
	}
	return ""
}

// decideHeld is the page's approve or discard button: a POST with the
// CSRF field of the operator's session (no session, as with a bearer
// token, no form: the API is for that), answered with a redirect to the
// advisories page that says what it did.
func (s *Server) decideHeld(approve bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.buttonForm(r, "op.err.held_form"); err != nil {
			return err
		}
		id := r.PathValue("id")
		if !approve {
			if err := s.approvals.Discard(r.Context(), id); err != nil {
				return err
			}
			seeOther(w, r, "/advisories", url.Values{"done": {"discarded"}, "id": {id}})
			return nil
		}
		out, err := s.approvals.Approve(r.Context(), id)
		if err != nil {
			return err
		}
		seeOther(w, r, "/advisories", url.Values{"done": {"approved"}, "id": {id}, "opened": {strconv.Itoa(out.Opened)}})
		return nil
	}
}
