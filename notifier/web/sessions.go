package web

import (
	"crypto/subtle"
	"io"
	"math"
	"net/http"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// The pages' sign-in is a session kept on the server: the cookie holds a
// random secret, the store its SHA-256 and the token it was opened with.
// Signing out, an admin revoking the session, or revoking its token deletes
// the row, and the cookie opens nothing from the next request on.

const sessionCookie = "heed_session"

// signedIn returns who a page request comes from: its bearer token, else
// its session cookie; notifier.ErrUnknownToken if neither opens anything.
func (s *Server) signedIn(r *http.Request) (principal, error) {
	t, ok, err := s.bearer(r)
	if ok {
		return principal{token: t}, err
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return principal{}, notifier.ErrUnknownToken
	}
	sess, err := s.access.Session(r.Context(), c.Value)
	if err != nil {
		return principal{}, err
	}
	return principal{token: sess.Token, session: sess, secret: c.Value}, nil
}

// csrfOf is the sign-out form's CSRF value for a session: keyed, so that
// only the server makes it, and bound to the session's secret, which a page
// of another site can neither read nor send (SameSite=Strict).
func (s *Server) csrfOf(secret string) string {
	return s.links.Sign("csrf", secret)
}

// loginPage is the sign-in form, in the operator's language; ?lang= (its
// own switch) shows it in the other, and the form then carries that choice,
// which signing in keeps.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	page := templates.LoginPage{Lang: s.operatorLang(r), Chosen: knownLang(r.URL.Query().Get("lang"))}
	s.renderPage(w, http.StatusOK, func(w io.Writer) error { return templates.RenderLoginPage(w, page) })
}

// loginError shows the sign-in form again with the catalog's sentence key.
func (s *Server) loginError(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	s.loginErrorText(w, r, status, func(lang string) string { return templates.OpText(lang, key, args...) })
}

// loginErrorText shows the sign-in page with an error worded in its language.
func (s *Server) loginErrorText(w http.ResponseWriter, r *http.Request, status int, word func(lang string) string) {
	page := templates.LoginPage{Lang: s.loginLang(r)}
	page.Chosen = page.Lang == r.PostFormValue("lang")
	page.Error = word(page.Lang)
	s.renderPage(w, status, func(w io.Writer) error { return templates.RenderLoginPage(w, page) })
}

// loginLang is the language of a sign-in POST: the form's, else the
// operator's.
func (s *Server) loginLang(r *http.Request) string {
	if l := r.PostFormValue("lang"); knownLang(l) {
		return l
	}
	return s.operatorLang(r)
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	if over, wait := limited(w, s.loginLimits, clientIP(r)); over {
		s.log.Warn("operator login refused: too many tries", "ip", clientIP(r))
		secs := int(math.Ceil(wait.Seconds()))
		s.loginErrorText(w, r, http.StatusTooManyRequests, func(lang string) string { return templates.OpCount(lang, "op.login.too_many", secs) })
		return
	}
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if tooLarge(err) {
			status = http.StatusRequestEntityTooLarge
		}
		s.loginError(w, r, status, "op.login.form")
		return
	}
	t, err := s.access.Authenticate(r.Context(), r.PostFormValue("token"))
	if err != nil {
		if err != notifier.ErrUnknownToken {
			s.log.Error("operator login", "err", err)
		}
		s.log.Warn("operator login refused", "ip", clientIP(r))
		s.loginError(w, r, http.StatusUnauthorized, "op.login.wrong")
		return
	}
	if !grants(t.Role, store.RoleViewer) {
		s.loginError(w, r, http.StatusForbidden, "op.login.no_page", t.Name, t.Role)
		return
	}
	ctx := store.WithActor(r.Context(), store.Actor{Name: t.Name, Via: "page"})
	secret, _, err := s.access.OpenSession(ctx, t, clientIP(r), r.UserAgent())
	if err != nil {
		s.log.Error("open session", "err", err)
		s.loginError(w, r, http.StatusInternalServerError, "op.login.session")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode, MaxAge: int(notifier.SessionTTL.Seconds())})
	if l := r.PostFormValue("lang"); knownLang(l) {
		s.keepLang(w, l) // chosen on the sign-in page with its switch
	}
	http.Redirect(w, r, "/board", http.StatusSeeOther)
}

// logout ends the session on the server, then drops the cookie. It takes
// the CSRF field of the sign-out button, so that no other page can sign an
// operator out.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err == nil {
		sess, err := s.access.Session(r.Context(), c.Value)
		switch {
		case err == nil:
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrfOf(c.Value))) != 1 {
				lang := s.operatorLang(r)
				s.renderError(w, templates.ErrorPage{Lang: lang, Status: http.StatusForbidden, Title: templates.OpText(lang, "op.err.not_out"),
					Message: templates.OpText(lang, "op.err.not_out_msg")})
				return
			}
			ctx := store.WithActor(r.Context(), store.Actor{Name: sess.Token.Name, Via: "page"})
			if err := s.access.EndSession(ctx, sess.ID); err != nil {
				s.pageError(w, r, err)
				return
			}
		case err != notifier.ErrUnknownToken:
			s.pageError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
