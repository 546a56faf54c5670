package web

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

const csrfCookie = "heed_csrf"

// ackPage shows the case behind a link. It changes nothing of the case:
// mail scanners open links and even run scripts, so only a person's POST
// records an answer. The first opening that looks like a person's is
// noted as "seen", a hint for the operator.
func (s *Server) ackPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.answers.CaseForLink(r.Context(), r.PathValue("token"))
	if err != nil {
		s.linkError(w, err)
		return
	}
	if looksHuman(r) && v.Case.SeenAt.IsZero() {
		if err := s.answers.Seen(r.Context(), r.PathValue("token")); err != nil {
			s.log.Warn("ack: noting the link seen", "case", v.Case.ID, "err", err)
		}
	}
	// After a recorded answer the POST redirects here (see ackPost): the
	// page says so while the case has an answer.
	recorded := r.URL.Query().Get("done") == "recorded" && v.Case.Answer != nil
	s.renderAck(w, r, http.StatusOK, v, recorded, "")
}

// scannerWords are in the user agents of link scanners and previewers.
var scannerWords = []string{"bot", "crawl", "spider", "preview", "scan", "safelinks", "proofpoint", "mimecast",
	"barracuda", "headless", "curl", "wget", "python", "go-http-client", "java/", "okhttp"}

// looksHuman guesses whether a GET comes from a person's browser: a GET
// (not HEAD) with a browser's user agent that names no scanner, and the
// Accept-Language a browser sends. Scanners that pose as browsers pass:
// "seen" is a hint, never evidence.
func looksHuman(r *http.Request) bool {
	ua := strings.ToLower(r.UserAgent())
	if r.Method != http.MethodGet || !strings.HasPrefix(ua, "mozilla/") || r.Header.Get("Accept-Language") == "" {
		return false
	}
	for _, w := range scannerWords {
		if strings.Contains(ua, w) {
			return false
		}
	}
	return true
}

// ackPost records the answer sent by the form and answers with 303 See
// Other to the link's page, which says it was recorded (flash.go): a
// reload of that page does not send the answer again. A refused form is
// answered with the page itself, its error and status.
func (s *Server) ackPost(w http.ResponseWriter, r *http.Request) {
	if s.tooManyAnswers(w, r) {
		return
	}
	token := r.PathValue("token")
	v, err := s.answers.CaseForLink(r.Context(), token)
	if err != nil {
		s.linkError(w, err)
		return
	}
	in, status, code := s.answerForm(r, v.Org.Language)
	if code != "" {
		s.renderAck(w, r, status, v, false, templates.AckError(v.Org.Language, code))
		return
	}
	_, err = s.answers.RecordAnswer(r.Context(), token, in)
	var ae *notifier.AnswerError
	switch {
	case err == nil:
		http.Redirect(w, r, "/ack/"+url.PathEscape(token)+"?done=recorded", http.StatusSeeOther)
	case errors.As(err, &ae):
		s.renderAck(w, r, http.StatusBadRequest, v, false, templates.AckError(v.Org.Language, ae.Code))
	case errors.Is(err, notifier.ErrCaseClosed):
		// Closed since the page was read: show it closed, read afresh.
		if v, err = s.answers.CaseForLink(r.Context(), token); err != nil {
			s.linkError(w, err)
			return
		}
		s.renderAck(w, r, http.StatusConflict, v, false, "")
	default:
		s.linkError(w, err)
	}
}

// tooManyAnswers refuses, with a page in both languages, a client that
// sent too many answers lately.
func (s *Server) tooManyAnswers(w http.ResponseWriter, r *http.Request) bool {
	if over, _ := limited(w, s.answerLimits, clientIP(r)); !over {
		return false
	}
	s.renderError(w, templates.ErrorPage{Lang: "en", Status: http.StatusTooManyRequests, Title: "Too many answers / 回答が多すぎます",
		Message: "Too many answers came from your address. Please wait a minute and press the button again.\n" +
			"お使いのアドレスからの回答が多すぎます。1分ほど待ってから、もう一度ボタンを押してください。"})
	return true
}

// answerForm reads an answer form and checks its CSRF token. A problem is
// given as a status and the code of its message (templates.AckError).
func (s *Server) answerForm(r *http.Request, lang string) (in notifier.AnswerInput, status int, code string) {
	if err := r.ParseForm(); err != nil {
		if tooLarge(err) {
			return in, http.StatusRequestEntityTooLarge, "form"
		}
		return in, http.StatusBadRequest, "form"
	}
	c, err := r.Cookie(csrfCookie)
	field := r.PostFormValue("csrf")
	if err != nil || field == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(field)) != 1 {
		// The page sent back sets the cookie its form needs, so that
		// the person's next press of the button goes through.
		return in, http.StatusForbidden, "csrf"
	}
	in = notifier.AnswerInput{
		Status:        r.PostFormValue("status"),
		Justification: r.PostFormValue("justification"),
		Version:       r.PostFormValue("version"),
		Note:          r.PostFormValue("note"),
		IP:            clientIP(r),
		UserAgent:     r.UserAgent(),
	}
	if u := r.PostFormValue("until"); u != "" {
		t, err := time.Parse("2006-01-02", u)
		if err != nil {
			return in, http.StatusBadRequest, "date"
		}
		in.Until = t
	}
	return in, http.StatusOK, ""
}

// renderAck writes the page of a case with status. The CSRF cookie, when the
// browser has none, is set before the status is written: a header added
// after it never reaches the browser.
func (s *Server) renderAck(w http.ResponseWriter, r *http.Request, status int, v notifier.CaseView, recorded bool, formErr string) {
	page := templates.AckPage{
		Lang: v.Org.Language, Location: v.Location, OrgName: v.Org.Name, Items: v.Items,
		DueAt: v.Case.DueAt, CSRFToken: s.csrfToken(w, r), Recorded: recorded, Error: formErr,
		Justifications: notifier.Justifications, OrgURL: "/ack/" + r.PathValue("token") + "/all",
	}
	if v.Advisory != nil {
		page.Advisory = notifier.CaseAdvisoryView(v.Advisory, &v.Case)
	}
	if a := v.Case.Answer; a != nil {
		page.Answer = &templates.AnswerView{Status: a.Status, Justification: a.Justification, Version: a.Version,
			At: a.At, Note: a.Note, Until: a.Until}
	}
	if v.Case.State == store.CaseClosed {
		page.Closed = templates.ClosedReason(page.Lang, v.Case.ClosedReason)
	}
	var buf bytes.Buffer
	if err := templates.RenderAckPage(&buf, page); err != nil {
		s.log.Error("render ack page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// csrfToken returns the browser's CSRF token, setting the cookie that holds
// it when there is none: the form must carry the same value back.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/ack/", HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteStrictMode, MaxAge: 7 * 24 * 3600})
	return tok
}

func (s *Server) linkError(w http.ResponseWriter, err error) {
	if errors.Is(err, notifier.ErrContactRemoved) {
		s.renderError(w, templates.ErrorPage{Lang: "en", Status: http.StatusGone, Title: "Link no longer valid / リンクは無効になりました",
			Message: "This link was sent to an address that is no longer a contact of the organization, so it cannot answer for it any more. Nothing was recorded. The organization's current contacts have links of their own.\n" +
				"このリンクの送信先は、現在この組織の連絡先として登録されていないため、組織を代表して回答することはできません。何も記録されていません。現在の連絡先には、それぞれ専用のリンクが届いています。"})
		return
	}
	// A link that does not verify says nothing about its reader's language:
	// the page speaks both.
	page := templates.ErrorPage{Lang: "en", Status: http.StatusNotFound, Title: "Link not valid / リンクが無効です",
		Message: "This link is not valid or has expired. If you received it by mail, use the link in the newest mail about this advisory.\n" +
			"このリンクは無効か、有効期限が切れています。メールで受け取った場合は、この勧告に関する最新のメールのリンクをご利用ください。"}
	if !errors.Is(err, notifier.ErrBadLink) && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("ack page", "err", err)
		page.Status, page.Title = http.StatusInternalServerError, "Something went wrong / エラーが発生しました"
		page.Message = "Please try again in a few minutes.\nしばらくしてからもう一度お試しください。"
	}
	s.renderError(w, page)
}

func (s *Server) renderError(w http.ResponseWriter, page templates.ErrorPage) {
	var buf bytes.Buffer
	templates.RenderErrorPage(&buf, page)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(page.Status)
	w.Write(buf.Bytes())
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
