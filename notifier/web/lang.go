package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/heed-dev/heed/templates"
)

// The operator pages' language. The operator chooses it with the switch on
// every page, a form that POSTs to /lang with the session's CSRF value;
// the choice is kept in a cookie, so that it holds on the sign-in page and
// after signing out too, and until then the browser's Accept-Language
// decides. Nothing changes on GET: ?lang= shows that one page in that
// language and stores nothing (the sign-in page's switch and the SVG
// link use it).

const langCookie = "heed_lang"

func knownLang(l string) bool { return l == "en" || l == "ja" }

// operatorLang is the language of the operator pages for r: ?lang=, else
// the operator's choice, else the browser's.
func (s *Server) operatorLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); knownLang(l) {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && knownLang(c.Value) {
		return c.Value
	}
	return templates.PickLang(r.Header.Get("Accept-Language"))
}

// keepLang stores the operator's choice of language for a year.
func (s *Server) keepLang(w http.ResponseWriter, lang string) {
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// chooseLang is the language switch (POST /lang, a page route, so a
// session's form needs its CSRF value): it keeps lang and returns to the
// page the form named in back.
func (s *Server) chooseLang(w http.ResponseWriter, r *http.Request) error {
	lang := r.PostFormValue("lang")
	if !knownLang(lang) {
		return &httpError{http.StatusBadRequest, templates.OpText(s.operatorLang(r), "op.err.lang")}
	}
	s.keepLang(w, lang)
	http.Redirect(w, r, localPage(r.PostFormValue("back")), http.StatusSeeOther)
	return nil
}

// localPage is back if it is a path on this server, else the board: the
// switch must not become a redirect to another site.
func localPage(back string) string {
	u, err := url.Parse(back)
	if err != nil || !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.HasPrefix(back, `/\`) ||
		u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/board"
	}
	return u.RequestURI()
}

// here is the page's own address for its language switch to return to:
// its path and query without ?lang= (which would override the choice);
// empty for a page answering a POST.
func here(r *http.Request) string {
	if r.Method != http.MethodGet {
		return ""
	}
	q := r.URL.Query()
	if _, ok := q["lang"]; !ok {
		return r.URL.RequestURI()
	}
	q.Del("lang")
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return u.RequestURI()
}
