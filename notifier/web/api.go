package web

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if tooLarge(err) {
			return err
		}
		return &httpError{http.StatusBadRequest, "invalid JSON body: " + err.Error()}
	}
	return nil
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request) error {
	var spec subscribers.OrgSpec
	if err := decodeJSON(r, &spec); err != nil {
		return err
	}
	org, err := s.orgs.CreateOrg(r.Context(), spec)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": org.ID})
	return nil
}

// importOrgs creates or updates organizations by external id from a CSV
// file: all of its rows, or, on a bad row, none.
func (s *Server) importOrgs(w http.ResponseWriter, r *http.Request) error {
	if ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ctype != "text/csv" {
		return &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: send text/csv", ctype)}
	}
	rows, err := subscribers.ParseOrgsCSV(r.Body)
	if tooLarge(err) {
		return err
	}
	if err != nil {
		return &httpError{http.StatusBadRequest, "nothing imported: " + err.Error()}
	}
	res, err := s.orgs.ImportOrgs(r.Context(), rows)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// Pages of lists: limit rows (default 1,000, at most 10,000) from cursor.
const (
	defaultPage = 1000
	maxPage     = 10000
)

// pageParams reads limit and cursor from a list's query.
func pageParams(q url.Values) (limit int, cursor string, err error) {
	limit = defaultPage
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxPage {
			return 0, "", &httpError{http.StatusBadRequest, fmt.Sprintf("limit %q: a whole number from 1 to %d (default %d)", l, maxPage, defaultPage)}
		}
		limit = n
	}
	return limit, q.Get("cursor"), nil
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) error {
	limit, cursor, err := pageParams(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := s.records.OrgPage(r.Context(), store.OrgQuery{Cursor: cursor, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]orgJSON, len(page.Orgs))
	for i, o := range page.Orgs {
		out[i] = toOrgJSON(o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"orgs": out, "next": page.Next})
	return nil
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request) error {
	org, err := s.records.Org(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toOrgJSON(org))
	return nil
}

func (s *Server) updateOrg(w http.ResponseWriter, r *http.Request) error {
	var spec subscribers.OrgSpec
	if err := decodeJSON(r, &spec); err != nil {
		return err
	}
	org, err := s.orgs.UpdateOrg(r.Context(), r.PathValue("id"), spec)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toOrgJSON(org))
	return nil
}

// deactivateOrg stops Heed following an organization: no new cases, its
// open ones closed without a mail, the evidence kept.
func (s *Server) deactivateOrg(w http.ResponseWriter, r *http.Request) error {
	res, err := s.orgs.Deactivate(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "deactivated": true,
		"cases_closed": res.CasesClosed, "mails_cancelled": res.MailsCancelled})
	return nil
}

// activateOrg makes a deactivated organization active again: its
// inventory is matched, and what hits it is opened and mailed.
func (s *Server) activateOrg(w http.ResponseWriter, r *http.Request) error {
	res, err := s.orgs.Activate(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "deactivated": false, "cases_opened": res.Opened})
	return nil
}

// deleteOrg deletes an organization that has no case; one with cases is a
// 409 that says to deactivate it instead.
func (s *Server) deleteOrg(w http.ResponseWriter, r *http.Request) error {
	if err := s.orgs.DeleteOrg(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": r.PathValue("id")})
	return nil
}

func (s *Server) putInventory(w http.ResponseWriter, r *http.Request) error {
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var items []store.Item
	var err error
	switch ctype {
	case "text/csv":
		items, err = subscribers.ParseInventoryCSV(r.Body)
	case "application/json", "":
		items, err = subscribers.ParseInventoryJSON(r.Body)
	case subscribers.MediaCycloneDXJSON:
		items, err = subscribers.ParseCycloneDXJSON(r.Body)
	case subscribers.MediaCycloneDXXML:
		items, err = subscribers.ParseCycloneDXXML(r.Body)
	case subscribers.MediaSPDXJSON:
		items, err = subscribers.ParseSPDXJSON(r.Body)
	default:
		return &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: send application/json or text/csv, or an SBOM as %s, %s or %s",
			ctype, subscribers.MediaCycloneDXJSON, subscribers.MediaCycloneDXXML, subscribers.MediaSPDXJSON)}
	}
	if tooLarge(err) {
		return err
	}
	if err != nil {
		return &httpError{http.StatusBadRequest, "inventory not imported: " + err.Error()}
	}
	res, err := s.orgs.ReplaceInventory(r.Context(), r.PathValue("id"), items)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inventoryResultJSON{Items: res.Items, Opened: res.Opened, Updated: res.Updated, Resolved: res.Resolved})
	return nil
}

func (s *Server) getInventory(w http.ResponseWriter, r *http.Request) error {
	items, err := s.records.Inventory(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]itemJSON, len(items))
	for i, it := range items {
		out[i] = itemJSON{Vendor: it.Vendor, Product: it.Product, Version: it.Version, CPE: it.CPE, PURL: it.PURL, Asset: it.Asset}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// caseFilter reads the filters of a list of cases (the API, the board and
// its CSV) from the query: state, advisory, org (an id), publisher,
// org_name (part of the name), silent and overdue (true or false). A
// publisher-scoped reader is kept to its publisher's cases whatever it asks.
func (s *Server) caseFilter(r *http.Request) (store.CaseFilter, error) {
	q := r.URL.Query()
	f := store.CaseFilter{AdvisoryID: q.Get("advisory"), OrgID: q.Get("org"), State: q.Get("state"),
		Publisher: q.Get("publisher"), Scope: publisherOf(r), OrgName: strings.TrimSpace(q.Get("org_name"))}
	if f.State != "" && !slices.Contains(store.CaseStates, f.State) {
		return f, &httpError{http.StatusBadRequest, fmt.Sprintf("state %q: use one of %s", f.State, strings.Join(store.CaseStates, ", "))}
	}
	var err error
	if f.Silent, err = flag(q, "silent"); err != nil {
		return f, err
	}
	overdue, err := flag(q, "overdue")
	if overdue {
		f.OverdueAt = s.now()
	}
	return f, err
}

// flag reads a yes-or-no query parameter; absent is no.
func flag(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, &httpError{http.StatusBadRequest, fmt.Sprintf("%s %q: use true or false", name, v)}
	}
	return on, nil
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := s.caseFilter(r)
	if err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return s.exportCases(w, r, f)
	}
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	page, err := s.records.CasePage(r.Context(), store.CaseQuery{CaseFilter: f, Cursor: cursor, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]caseJSON, len(page.Cases))
	for i, c := range page.Cases {
		out[i] = toCaseJSON(c, page.Items[c.ID])
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": out, "next": page.Next})
	return nil
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) error {
	d, err := s.records.CaseDetail(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if p := publisherOf(r); p != "" && d.Publisher != p {
		// Not found, as for a case that does not exist: a scoped token
		// learns nothing of other publishers' cases, not even that they exist.
		return fmt.Errorf("case %s: %w", r.PathValue("id"), store.ErrNotFound)
	}
	j := caseDetailJSON{caseJSON: toCaseJSON(d.Case, d.Items), Answers: make([]answerRecordJSON, len(d.Answers))}
	for i, a := range d.Answers {
		j.Answers[i] = answerRecordJSON{answerJSON: toAnswerJSON(a),
			Contact: a.ContactEmail, IP: a.IP, UserAgent: a.UserAgent}
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (s *Server) listRejected(w http.ResponseWriter, r *http.Request) error {
	rej, err := s.records.RejectedDocs(r.Context(), 500)
	if err != nil {
		return err
	}
	out := make([]rejectedJSON, len(rej))
	for i, d := range rej {
		out[i] = toRejectedJSON(d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rejected": out})
	return nil
}

func (s *Server) getRejected(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return &httpError{http.StatusNotFound, fmt.Sprintf("rejected document %q: not found", r.PathValue("id"))}
	}
	d, err := s.records.RejectedDoc(r.Context(), id)
	if err != nil {
		return err
	}
	j := toRejectedJSON(d)
	j.Payload = d.Payload
	j.Truncated = int64(len(d.Payload)) < d.Size
	writeJSON(w, http.StatusOK, j)
	return nil
}
