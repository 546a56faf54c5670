package web

import (
	"net/http"
	"time"

	"github.com/heed-dev/heed/store"
)

// auditJSON is one change in the audit log as the API shows it.
type auditJSON struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Token  string    `json:"token"` // the name of the token that made the change
	Via    string    `json:"via"`   // api, page or cli
	Action string    `json:"action"`
	Object string    `json:"object"`
	Detail string    `json:"detail"`
}

// listAudit serves GET /api/v1/audit: the changes, newest first, in pages
// like the cases.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	limit, cursor, err := pageParams(r.URL.Query())
	if err != nil {
		return err
	}
	p, err := s.records.AuditPage(r.Context(), store.AuditQuery{Cursor: cursor, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]auditJSON, len(p.Entries))
	for i, e := range p.Entries {
		out[i] = auditJSON{ID: e.ID, At: e.At, Token: e.Actor, Via: e.Via, Action: e.Action, Object: e.Object, Detail: e.Detail}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out, "next": p.Next})
	return nil
}
