package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
)

// tokenJSON is a token as the API lists it: never its secret, which Heed
// does not keep.
type tokenJSON struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Publisher string    `json:"publisher,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

func toTokenJSON(t store.Token) tokenJSON {
	return tokenJSON{Name: t.Name, Role: t.Role, Publisher: t.Publisher, CreatedAt: t.CreatedAt, CreatedBy: t.CreatedBy}
}

// newTokenJSON is a token just made, with its secret, shown this once.
type newTokenJSON struct {
	tokenJSON
	Token string `json:"token"`
}

type sessionJSON struct {
	ID        int64     `json:"id"`
	Token     string    `json:"token"` // the name of the token it was opened with
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.access.Tokens(r.Context())
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(ts))
	for i, t := range ts {
		out[i] = toTokenJSON(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

func (s *Server) addToken(w http.ResponseWriter, r *http.Request) error {
	var spec notifier.TokenSpec
	if err := decodeJSON(r, &spec); err != nil {
		return err
	}
	t, secret, err := s.access.AddToken(r.Context(), spec)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, newTokenJSON{tokenJSON: toTokenJSON(t), Token: secret})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.access.RevokeToken(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"revoked": r.PathValue("name")})
	return nil
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.access.Sessions(r.Context())
	if err != nil {
		return err
	}
	out := make([]sessionJSON, len(ss))
	for i, x := range ss {
		out[i] = sessionJSON{ID: x.ID, Token: x.Token.Name, Role: x.Token.Role, CreatedAt: x.CreatedAt, ExpiresAt: x.ExpiresAt, IP: x.IP, UserAgent: x.Agent}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
	return nil
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return &httpError{http.StatusNotFound, "session " + strconv.Quote(r.PathValue("id")) + ": not found"}
	}
	if err := s.access.EndSession(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int64{"ended": id})
	return nil
}
