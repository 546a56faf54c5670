package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// Who may use each route is said where the route is registered (routes),
// once: a need names the least role it takes, and whether a token limited
// to one publisher may use it (its handler then shows only that
// publisher's advisories and cases). The table of every route and its need
// is kept, so that a test holds each route to what each role gets.

// need is what a route asks of the token a request comes with.
type need struct {
	role   string // the least role; "" for a route open to everyone
	scoped bool   // a publisher-scoped token may use it
}

var (
	openToAll  = need{}
	needViewer = need{role: store.RoleViewer}
	// A route a publisher-scoped token may use shows it only that
	// publisher's advisories and their cases (publisherOf).
	needScopedViewer = need{role: store.RoleViewer, scoped: true}
	needOperator     = need{role: store.RoleOperator}
	needAdmin        = need{role: store.RoleAdmin}
	needMetrics      = need{role: store.RoleMetrics}
)

// grants reports whether a token of role may use a route that needs role
// need: admin everything, operator what a viewer may and more, metrics
// only /metrics.
func grants(role, need string) bool {
	switch role {
	case store.RoleAdmin:
		return true
	case store.RoleOperator:
		return need == store.RoleOperator || need == store.RoleViewer
	case store.RoleViewer:
		return need == store.RoleViewer
	case store.RoleMetrics:
		return need == store.RoleMetrics
	}
	return false
}

// refusal says why t may not use a route of need n, or "" if it may.
func refusal(t store.Token, n need) string {
	if key, args := refusalOf(t, n); key != "" {
		return templates.OpText("en", key, args...)
	}
	return ""
}

// refusalOf is refusal's sentence (an operator catalog key and its
// arguments), for a page to word in the operator's language.
func refusalOf(t store.Token, n need) (key string, args []any) {
	if !grants(t.Role, n.role) {
		return "op.err.role", []any{n.role, t.Name, t.Role}
	}
	if t.Publisher != "" && !n.scoped {
		return "op.err.scope", []any{t.Name, t.Publisher}
	}
	return "", nil
}

// routeNeed is one registered route and who may use it.
type routeNeed struct {
	pattern string
	need    need
	page    bool // an operator page (registered with page)
}

func (s *Server) handle(pattern string, n need, h http.Handler) {
	s.table = append(s.table, routeNeed{pattern: pattern, need: n})
	s.mux.Handle(pattern, h)
}

// principal is who a request comes from: the token, and the session when
// it came through the pages' sign-in.
type principal struct {
	token   store.Token
	session store.Session // ID 0: the token came as a bearer token
	secret  string        // the session's cookie value, for its CSRF field
}

type principalKey struct{}

// who returns the principal of a request that passed api or page.
func who(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// publisherOf is the one publisher whose advisories and cases the request
// may see; empty: every publisher.
func publisherOf(r *http.Request) string { return who(r).token.Publisher }

// as returns r carrying p, and p's token as the actor of the changes it
// makes (recorded in the audit log).
func as(r *http.Request, p principal, via string) *http.Request {
	ctx := context.WithValue(r.Context(), principalKey{}, p)
	return r.WithContext(store.WithActor(ctx, store.Actor{Name: p.token.Name, Via: via}))
}

// bearer authenticates the request's bearer token, if it has one.
func (s *Server) bearer(r *http.Request) (store.Token, bool, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return store.Token{}, false, nil
	}
	t, err := s.access.Authenticate(r.Context(), strings.TrimSpace(tok))
	return t, true, err
}

// CLIAgent starts the User-Agent of heed's own commands that call the API.
const CLIAgent = "heed-cli/"

// api registers an API route: 401 without a known bearer token, 403 naming
// the role it lacks; bodies bounded to limit bytes when limit > 0.
func (s *Server) api(pattern string, n need, limit int64, h func(http.ResponseWriter, *http.Request) error) {
	var handler http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _, err := s.bearer(r)
		if errors.Is(err, notifier.ErrUnknownToken) || err == nil && t.Name == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="heed"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or unknown token (Authorization: Bearer <token>; heed serve printed the admin token at its first start)"})
			return
		}
		if err != nil {
			s.writeError(w, err)
			return
		}
		if msg := refusal(t, n); msg != "" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": msg, "needs": n.role})
			return
		}
		via := "api"
		if strings.HasPrefix(r.UserAgent(), CLIAgent) {
			via = "cli" // as the client says: the token, not this, is what the log vouches for
		}
		if err := h(w, as(r, principal{token: t}, via)); err != nil {
			s.writeError(w, err)
		}
	})
	if limit > 0 {
		handler = limitBody(limit, handler)
	}
	s.handle(pattern, n, handler)
}

// page registers an operator page: open with a bearer token or a session
// from /login, else a redirect to the sign-in form; 403 naming the role a
// signed-in token lacks; a POST through a session needs its CSRF field.
func (s *Server) page(pattern string, n need, h func(http.ResponseWriter, *http.Request) error) {
	defer func() { s.table[len(s.table)-1].page = true }()
	s.handle(pattern, n, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.signedIn(r)
		if errors.Is(err, notifier.ErrUnknownToken) {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		lang := s.operatorLang(r)
		if key, args := refusalOf(p.token, n); key != "" {
			s.renderError(w, templates.ErrorPage{Lang: lang, Status: http.StatusForbidden, Title: templates.OpText(lang, "op.err.not_for"),
				Message: templates.OpText(lang, key, args...)})
			return
		}
		// A page's form that changes something carries the session's CSRF
		// value (templates.Operator.CSRF), so that no other page can post
		// it with the operator's cookie.
		if p.session.ID != 0 && r.Method != http.MethodGet && r.Method != http.MethodHead &&
			subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrfOf(p.secret))) != 1 {
			s.renderError(w, templates.ErrorPage{Lang: lang, Status: http.StatusForbidden, Title: templates.OpText(lang, "op.err.not_done"),
				Message: templates.OpText(lang, "op.err.csrf")})
			return
		}
		if err := h(w, as(r, p, "page")); err != nil {
			s.pageError(w, r, err)
		}
	}))
}

// pageError shows an operator page's error in the operator's language; an
// httpError's message is the handler's own (English where it names data).
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	lang := s.operatorLang(r)
	page := templates.ErrorPage{Lang: lang, Status: http.StatusInternalServerError, Title: templates.OpText(lang, "op.err.title")}
	if he, ok := err.(*httpError); ok {
		page.Status, page.Message = he.status, he.msg
	} else {
		s.log.Error("page failed", "err", err)
		page.Message = templates.OpText(lang, "op.err.internal")
	}
	s.renderError(w, page)
}

// operatorView is who looks at a page and in which language, for its
// navigation: the CSRF value of the session's forms is empty when the page
// was opened with a bearer token (no session, no forms).
func (s *Server) operatorView(r *http.Request) *templates.Operator {
	p := who(r)
	op := &templates.Operator{Token: p.token.Name, Role: p.token.Role, Publisher: p.token.Publisher, Lang: s.operatorLang(r), Here: here(r)}
	if p.session.ID != 0 {
		op.CSRF = s.csrfOf(p.secret)
	}
	return op
}
