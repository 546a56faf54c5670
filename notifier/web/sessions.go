package web

import (
	"crypto/subtle"
	"fmt"
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

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, http.StatusOK, func(w io.Writer) error { return templates.RenderLoginPage(w, templates.LoginPage{}) })
}

func (s *Server) loginError(w http.ResponseWriter, status int, msg string) {
	s.renderPage(w, status, func(w io.Writer) error {
		return templates.RenderLoginPage(w, templates.LoginPage{Error: msg})
	})
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	if over, wait := limited(w, s.loginLimits, clientIP(r)); over {
		s.log.Warn("operator login refused: too many tries", "ip", clientIP(r))
		s.loginError(w, http.StatusTooManyRequests, fmt.Sprintf("Too many tries from your address. Try again in %d seconds.", int(math.Ceil(wait.Seconds()))))
		return
	}
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if tooLarge(err) {
			status = http.StatusRequestEntityTooLarge
		}
		s.loginError(w, status, "The form could not be read.")
		return
	}
	t, err := s.access.Authenticate(r.Context(), r.PostFormValue("token"))
	if err != nil {
		if err != notifier.ErrUnknownToken {
			s.log.Error("operator login", "err", err)
		}
		s.log.Warn("operator login refused", "ip", clientIP(r))
		s.loginError(w, http.StatusUnauthorized, "Wrong token.")
		return
	}
	if !grants(t.Role, store.RoleViewer) {
		s.loginError(w, http.StatusForbidden, fmt.Sprintf("Token %q has the %s role, which opens no page.", t.Name, t.Role))
		return
	}
	ctx := store.WithActor(r.Context(), store.Actor{Name: t.Name, Via: "page"})
	secret, _, err := s.access.OpenSession(ctx, t, clientIP(r), r.UserAgent())
	if err != nil {
		s.log.Error("open session", "err", err)
		s.loginError(w, http.StatusInternalServerError, "The session could not be opened; try again.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode, MaxAge: int(notifier.SessionTTL.Seconds())})
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
				s.renderError(w, templates.ErrorPage{Lang: "en", Status: http.StatusForbidden, Title: "Not signed out",
					Message: "The sign-out form was not this session's. Use the Sign out button of a page."})
				return
			}
			ctx := store.WithActor(r.Context(), store.Actor{Name: sess.Token.Name, Via: "page"})
			if err := s.access.EndSession(ctx, sess.ID); err != nil {
				s.pageError(w, err)
				return
			}
		case err != notifier.ErrUnknownToken:
			s.pageError(w, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
