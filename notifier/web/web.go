// Package web is Heed's HTTP surface: the admin API, the page behind the link
// in every mail, and the operator's board and outbox views.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// Records is what the HTTP surface reads. Each call is one consistent
// snapshot; lists come in pages read with a fixed number of statements.
type Records interface {
	CasePage(ctx context.Context, q store.CaseQuery) (store.CasePage, error)
	CaseTotals(ctx context.Context, f store.CaseFilter) (map[string]int, error)
	CaseDetail(ctx context.Context, id string) (store.CaseDetail, error)
	OrgPage(ctx context.Context, q store.OrgQuery) (store.OrgPage, error)
	Org(ctx context.Context, id string) (store.Org, error)
	Inventory(ctx context.Context, orgID string) ([]store.Item, error)
	AdvisorySummaries(ctx context.Context, limit int, publisher string) ([]store.AdvisorySummary, error)
	HeldAdvisories(ctx context.Context, limit int, publisher string) ([]store.HeldAdvisory, error)
	RejectedDocs(ctx context.Context, limit int) ([]store.Rejected, error)
	RejectedDoc(ctx context.Context, id int64) (store.Rejected, error)
	Mails(ctx context.Context, f store.MailFilter) ([]store.Mail, error)
	Mail(ctx context.Context, id int64) (store.Mail, error)
	AuditPage(ctx context.Context, q store.AuditQuery) (store.AuditPage, error)
	// Replies are the mails received at cases' reply addresses, newest first.
	Replies(ctx context.Context, limit int) ([]store.Reply, error)
	AdvisoryReport(ctx context.Context, id string) (store.AdvisoryReport, error)
	OrgReport(ctx context.Context, id string) (store.OrgReport, error)
	Ping(ctx context.Context) error
}

// Orgs makes the operator's changes to organizations and inventories.
type Orgs interface {
	CreateOrg(ctx context.Context, spec subscribers.OrgSpec) (store.Org, error)
	UpdateOrg(ctx context.Context, id string, spec subscribers.OrgSpec) (store.Org, error)
	ReplaceInventory(ctx context.Context, orgID string, items []store.Item) (notifier.InventoryResult, error)
	ImportOrgs(ctx context.Context, rows []subscribers.OrgRow) (notifier.ImportResult, error)
	Deactivate(ctx context.Context, orgID string) (notifier.DeactivateResult, error)
	Activate(ctx context.Context, orgID string) (notifier.InventoryResult, error)
	DeleteOrg(ctx context.Context, orgID string) error
}

// Answers shows the case behind a link and records what its reader answers.
type Answers interface {
	CaseForLink(ctx context.Context, token string) (notifier.CaseView, error)
	RecordAnswer(ctx context.Context, token string, in notifier.AnswerInput) (notifier.CaseView, error)
	// Seen notes, the first time, that a person seems to have opened a link.
	Seen(ctx context.Context, token string) error
	// OrgForLink and RecordAnswerFor are the organization's page: every
	// case of the link's organization that waits, and the answer to one.
	OrgForLink(ctx context.Context, token string) (notifier.OrgView, error)
	RecordAnswerFor(ctx context.Context, token, caseID string, in notifier.AnswerInput) (notifier.CaseView, error)
	// OrgCaseForLink is one case of the link's organization, answered or not.
	OrgCaseForLink(ctx context.Context, token, caseID string) (notifier.CaseView, error)
}

// Links signs the CSRF values of operator sessions and verifies the links in
// mails.
type Links interface {
	Sign(purpose, value string) string
	Verify(token string) (notifier.Link, error)
}

// Access keeps the named tokens and the pages' sessions: who may use what.
type Access interface {
	Authenticate(ctx context.Context, secret string) (store.Token, error)
	OpenSession(ctx context.Context, t store.Token, ip, agent string) (string, store.Session, error)
	Session(ctx context.Context, secret string) (store.Session, error)
	Sessions(ctx context.Context) ([]store.Session, error)
	EndSession(ctx context.Context, id int64) error
	AddToken(ctx context.Context, spec notifier.TokenSpec) (store.Token, string, error)
	Tokens(ctx context.Context) ([]store.Token, error)
	RevokeToken(ctx context.Context, name string) error
}

// Alerts is what needs the operator's attention now; the board shows it.
type Alerts interface {
	RelayAlert() (notifier.RelayAlert, bool)
}

// Server serves Heed's HTTP endpoints.
type Server struct {
	inFlight     chan struct{} // a slot per request being served (maxInFlight)
	records      Records
	orgs         Orgs
	answers      Answers
	links        Links
	access       Access
	alerts       Alerts    // may be nil
	approvals    Approvals // may be nil: nothing is held
	subjects     Subjects  // may be nil: refused documents name no publisher
	review       Review    // may be nil: no review routes
	kev          KEV       // may be nil: no POST /api/v1/kev
	now          func() time.Time
	secure       bool // public URL is https: cookies get the Secure flag
	log          *slog.Logger
	mux          *http.ServeMux
	loginLimits  *clientLimits // POST /login, per client address
	answerLimits *clientLimits // POST /ack/{token}, per client address
	metrics      prometheus.Gatherer
	role         func() string
	table        []routeNeed // every route and who may use it (roles.go)
}

// Config wires a Server.
type Config struct {
	Records Records
	Orgs    Orgs
	Answers Answers
	Links   Links
	// Access authenticates tokens and sessions; each route says which role
	// it needs (routes).
	Access Access
	Alerts Alerts // optional: what the board warns about
	// Approvals, optional, decides the advisories held for approval
	// (POST /api/v1/advisories/{id}/approve and /discard, and the buttons
	// of the advisories page).
	Approvals Approvals
	// Subjects, optional, names the publisher of a refused document.
	Subjects Subjects
	// Review, optional, keeps the near misses for the operator
	// (/api/v1/review, the review page).
	Review Review
	// KEV, optional, imports catalogs of known exploited vulnerabilities
	// (POST /api/v1/kev).
	KEV KEV
	Now func() time.Time // the engine's clock
	// Secure sets the Secure flag on cookies (the public URL is https).
	Secure bool
	// Metrics, when set, is served at /metrics to holders of an admin or a
	// metrics token (Prometheus: authorization with the bearer token).
	Metrics prometheus.Gatherer
	// Role, optional, says whether this process is the "active" one or a
	// "standby" (/healthz); default "active".
	Role   func() string
	Logger *slog.Logger
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Records == nil || cfg.Orgs == nil || cfg.Answers == nil || cfg.Links == nil || cfg.Access == nil {
		return nil, errors.New("web: records, orgs, answers, links and access are required")
	}
	s := &Server{
		inFlight:  make(chan struct{}, maxInFlight),
		records:   cfg.Records,
		orgs:      cfg.Orgs,
		answers:   cfg.Answers,
		links:     cfg.Links,
		access:    cfg.Access,
		alerts:    cfg.Alerts,
		approvals: cfg.Approvals,
		subjects:  cfg.Subjects,
		review:    cfg.Review,
		kev:       cfg.KEV,
		now:       cfg.Now,
		secure:    cfg.Secure,
		log:       cfg.Logger,
		mux:       http.NewServeMux(),
		metrics:   cfg.Metrics,
		role:      cfg.Role,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	// A person mistyping the token a few times goes on; a script trying
	// tokens gets ten a minute. Answers: a person answers a few times at
	// most; a whole office behind one address still gets through.
	s.loginLimits = newClientLimits(6*time.Second, 10, s.now)
	s.answerLimits = newClientLimits(time.Second, 60, s.now)
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.handle("GET /healthz", openToAll, http.HandlerFunc(s.healthz))

	s.api("POST /api/v1/orgs", needOperator, maxJSON, s.createOrg)
	s.api("POST /api/v1/orgs/import", needOperator, 0, s.importOrgs)
	s.api("GET /api/v1/orgs", needViewer, 0, s.listOrgs)
	s.api("GET /api/v1/orgs/{id}", needViewer, 0, s.getOrg)
	s.api("PUT /api/v1/orgs/{id}", needOperator, maxJSON, s.updateOrg)
	s.api("PUT /api/v1/orgs/{id}/inventory", needOperator, 0, s.putInventory)
	s.api("POST /api/v1/orgs/{id}/deactivate", needOperator, 0, s.deactivateOrg)
	s.api("POST /api/v1/orgs/{id}/activate", needOperator, 0, s.activateOrg)
	s.api("DELETE /api/v1/orgs/{id}", needOperator, 0, s.deleteOrg)
	s.api("GET /api/v1/orgs/{id}/inventory", needOperator, 0, s.getInventory)
	s.api("GET /api/v1/cases", needScopedViewer, 0, s.listCases)
	s.api("GET /api/v1/cases/{id}", needScopedViewer, 0, s.getCase)
	s.api("GET /api/v1/advisories", needScopedViewer, 0, s.listAdvisories)
	s.api("GET /api/v1/advisories/{id}", needScopedViewer, 0, s.getAdvisory)
	if s.approvals != nil {
		s.api("POST /api/v1/advisories/{id}/approve", needOperator, 0, s.approveAdvisory)
		s.api("POST /api/v1/advisories/{id}/discard", needOperator, 0, s.discardAdvisory)
		s.page("POST /advisories/{id}/approve", needOperator, s.decideHeld(true))
		s.page("POST /advisories/{id}/discard", needOperator, s.decideHeld(false))
	}
	if s.review != nil {
		s.api("GET /api/v1/review", needViewer, 0, s.listReview)
		s.api("POST /api/v1/review/{id}/confirm", needOperator, 0, s.confirmReview)
		s.api("POST /api/v1/review/{id}/dismiss", needOperator, 0, s.dismissReview)
		s.page("GET /review", needViewer, s.reviewPage)
		s.page("POST /review/{id}/confirm", needOperator, s.decideReview(true))
		s.page("POST /review/{id}/dismiss", needOperator, s.decideReview(false))
	}
	if s.kev != nil {
		s.api("POST /api/v1/kev", needOperator, maxKEV, s.importKEV)
	}
	s.api("GET /api/v1/rejected", needOperator, 0, s.listRejected)
	s.api("GET /api/v1/rejected/{id}", needOperator, 0, s.getRejected)
	s.api("GET /api/v1/audit", needAdmin, 0, s.listAudit)
	s.api("GET /api/v1/replies", needOperator, 0, s.listReplies)
	s.api("GET /api/v1/tokens", needAdmin, 0, s.listTokens)
	s.api("POST /api/v1/tokens", needAdmin, maxJSON, s.addToken)
	s.api("DELETE /api/v1/tokens/{name}", needAdmin, 0, s.revokeToken)
	s.api("GET /api/v1/sessions", needAdmin, 0, s.listSessions)
	s.api("DELETE /api/v1/sessions/{id}", needAdmin, 0, s.revokeSession)
	if s.metrics != nil {
		metrics := promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{})
		s.api("GET /metrics", needMetrics, 0, func(w http.ResponseWriter, r *http.Request) error {
			metrics.ServeHTTP(w, r)
			return nil
		})
	}

	s.handle("GET /ack/{token}", openToAll, http.HandlerFunc(s.ackPage))
	s.handle("POST /ack/{token}", openToAll, limitBody(maxForm, http.HandlerFunc(s.ackPost)))
	s.handle("GET /ack/{token}/all", openToAll, http.HandlerFunc(s.orgPage))
	s.handle("POST /ack/{token}/all", openToAll, limitBody(maxForm, http.HandlerFunc(s.orgPost)))

	s.handle("GET /login", openToAll, http.HandlerFunc(s.loginPage))
	s.handle("POST /login", openToAll, limitBody(maxForm, http.HandlerFunc(s.loginPost)))
	s.handle("POST /logout", openToAll, limitBody(maxForm, http.HandlerFunc(s.logout)))
	s.page("POST /lang", needScopedViewer, s.chooseLang)
	s.page("GET /board", needScopedViewer, s.board)
	s.page("GET /board.csv", needScopedViewer, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		q.Set("format", "csv")
		r.URL.RawQuery = q.Encode()
		return s.listCases(w, r)
	})
	s.page("GET /advisories", needScopedViewer, s.advisoriesPage)
	s.page("GET /advisories/{id}", needScopedViewer, s.advisoryPage)
	s.page("GET /advisories/{id}/uptake.svg", needScopedViewer, s.uptakeSVG)
	s.page("GET /orgs/{id}", needViewer, s.orgReportPage)
	s.page("POST /orgs/{id}/deactivate", needOperator, s.orgStateForm(true))
	s.page("POST /orgs/{id}/activate", needOperator, s.orgStateForm(false))
	s.page("GET /rejected", needOperator, s.rejectedPage)
	s.page("GET /outbox", needOperator, s.outbox)
	s.page("GET /outbox/{id}", needOperator, s.outboxMessage)
	s.page("GET /outbox/{id}/html", needOperator, s.outboxHTML)
	s.handle("GET /{$}", openToAll, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/board", http.StatusSeeOther)
	}))
}

// ServeHTTP sets the headers every response carries and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	// The link's token is in the URL: never send it onward in a Referer.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	// A bounded number of requests at once: past it, a client is told to
	// come back rather than every request slowing down together.
	select {
	case s.inFlight <- struct{}{}:
		defer func() { <-s.inFlight }()
	default:
		h.Set("Retry-After", "1")
		http.Error(w, "busy: too many requests at once; try again in a second", http.StatusServiceUnavailable)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxInventory) // routes narrow it (limits.go)
	s.mux.ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.records.Ping(ctx); err != nil {
		http.Error(w, "store: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	role := "active"
	if s.role != nil {
		role = s.role()
	}
	// Compact, one line: what load balancers and scripts match on.
	b, _ := json.Marshal(struct {
		Status string `json:"status"`
		Role   string `json:"role"`
	}{"ok", role})
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}

// httpError is an error with the status to answer.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func (s *Server) writeError(w http.ResponseWriter, err error) {
	var he *httpError
	var ie *notifier.InputError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		writeJSON(w, he.status, map[string]string{"error": he.msg})
	case errors.As(err, &ie):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": ie.Msg})
	case errors.As(err, &mbe):
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("request body too large: this takes at most %d bytes", mbe.Limit)})
	case errors.Is(err, store.ErrBadCursor):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
	case errors.Is(err, store.ErrConflict):
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case store.IsFull(err):
		s.log.Error("request refused: the disk is full", "err", err)
		writeJSON(w, http.StatusInsufficientStorage, map[string]string{"error": "the server's disk is full; nothing was stored"})
	default:
		s.log.Error("request failed", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
