package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/heed-dev/heed/notifier"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// Review lists the near misses (items the rules do not match but whose
// names are close to an affected product's) and carries out an operator's
// decision on one: confirm (the case opens, the alias is learnt) or
// dismiss (remembered). Both are audited.
type Review interface {
	NearMisses(ctx context.Context, state string, limit int) ([]store.NearMiss, error)
	NearMiss(ctx context.Context, id string) (store.NearMiss, error)
	Confirm(ctx context.Context, id string) (notifier.Confirmed, error)
	Dismiss(ctx context.Context, id string) error
}

// reviewJSON is a near miss in the API.
type reviewJSON struct {
	ID           string    `json:"id"`
	State        string    `json:"state"`
	Organization orgRef    `json:"organization"`
	Item         itemRef   `json:"item"`
	Advisory     advRef    `json:"advisory"`
	AdvVendor    string    `json:"advisory_vendor"`
	AdvProduct   string    `json:"advisory_product"`
	Why          string    `json:"why"`      // words_added or words_dropped
	Words        []string  `json:"words"`    // the words one name adds to the other
	Close        string    `json:"close"`    // the same as an English sentence
	InRange      string    `json:"in_range"` // why the version is inside, in English
	FoundAt      time.Time `json:"found_at"`
	DecidedAt    time.Time `json:"decided_at,omitzero"`
	DecidedBy    string    `json:"decided_by,omitempty"`
}

type orgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type itemRef struct {
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
	Version string `json:"version"`
	Asset   string `json:"asset,omitempty"`
}

type advRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func reviewOf(n store.NearMiss) reviewJSON {
	return reviewJSON{ID: n.ID, State: n.State, Organization: orgRef{n.OrgID, n.OrgName},
		Item:     itemRef{n.Vendor, n.Product, n.Version, n.Asset},
		Advisory: advRef{n.AdvisoryID, n.Title}, AdvVendor: n.AdvVendor, AdvProduct: n.AdvProduct,
		Why: n.Why, Words: n.Words, Close: templates.CloseWhy("en", n.Why, n.Words),
		InRange: templates.ReasonText("en", templates.Reason(n.Reason)), FoundAt: n.FoundAt, DecidedAt: n.DecidedAt, DecidedBy: n.DecidedBy}
}

// reviewStates are the states GET /api/v1/review?state= takes.
var reviewStates = map[string]bool{store.ReviewPending: true, store.ReviewConfirmed: true, store.ReviewDismissed: true, store.ReviewDecided: true, "all": true}

// listReview is GET /api/v1/review[?state=pending|confirmed|dismissed|decided|all]:
// the pending near misses unless told otherwise, newest first.
func (s *Server) listReview(w http.ResponseWriter, r *http.Request) error {
	state := r.URL.Query().Get("state")
	if state == "" {
		state = store.ReviewPending
	}
	if !reviewStates[state] {
		return &httpError{http.StatusBadRequest, "state " + state + ": want pending, confirmed, dismissed, decided or all"}
	}
	if state == "all" {
		state = ""
	}
	rows, err := s.review.NearMisses(r.Context(), state, 1000)
	if err != nil {
		return err
	}
	out := make([]reviewJSON, 0, len(rows))
	for _, n := range rows {
		out = append(out, reviewOf(n))
	}
	writeJSON(w, http.StatusOK, map[string]any{"review": out})
	return nil
}

func (s *Server) confirmReview(w http.ResponseWriter, r *http.Request) error {
	res, err := s.review.Confirm(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) dismissReview(w http.ResponseWriter, r *http.Request) error {
	if err := s.review.Dismiss(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"dismissed": r.PathValue("id")})
	return nil
}

// reviewPage is GET /review: the pending near misses with their buttons,
// then the last hundred decided.
func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) error {
	pending, err := s.review.NearMisses(r.Context(), store.ReviewPending, 1000)
	if err != nil {
		return err
	}
	decided, err := s.review.NearMisses(r.Context(), store.ReviewDecided, 100)
	if err != nil {
		return err
	}
	page := templates.ReviewPage{Operator: s.operatorView(r), CanDecide: refusal(who(r).token, needOperator) == ""}
	page.Operator.Here = "/review" // without the redirect's done=
	page.Done = s.reviewDone(r, page.Operator.Lang)
	for _, n := range pending {
		page.Pending = append(page.Pending, reviewRow(n))
	}
	for _, n := range decided {
		page.Decided = append(page.Decided, reviewRow(n))
	}
	s.renderPage(w, http.StatusOK, func(w io.Writer) error { return templates.RenderReviewPage(w, page) })
	return nil
}

func reviewRow(n store.NearMiss) templates.ReviewRow {
	return templates.ReviewRow{ID: n.ID, OrgID: n.OrgID, OrgName: n.OrgName, Vendor: n.Vendor, Product: n.Product, Version: n.Version,
		Asset: n.Asset, AdvisoryID: n.AdvisoryID, Title: n.Title, AdvVendor: n.AdvVendor, AdvProduct: n.AdvProduct, Why: n.Why,
		Words: n.Words, InRange: templates.Reason(n.Reason), State: n.State, FoundAt: n.FoundAt, DecidedAt: n.DecidedAt, DecidedBy: n.DecidedBy}
}

// reviewDone is the sentence saying what the button did, from the
// redirect's query (done= and id=): the near miss is read again and the
// sentence shown only if it is in the state the button left it in.
func (s *Server) reviewDone(r *http.Request, lang string) string {
	q := r.URL.Query()
	key, state := "", ""
	switch q.Get("done") {
	case "dismissed":
		key, state = "op.review.dismissed_done", store.ReviewDismissed
	case "opened":
		key, state = "op.review.confirmed_done", store.ReviewConfirmed
	case "joined":
		key, state = "op.review.confirmed_joined", store.ReviewConfirmed
	default:
		return ""
	}
	n, err := s.review.NearMiss(r.Context(), q.Get("id"))
	if err != nil || n.State != state {
		return ""
	}
	if state == store.ReviewDismissed {
		return templates.OpText(lang, key, n.Product, n.OrgName, n.AdvProduct)
	}
	return templates.OpText(lang, key, n.AdvisoryID, n.OrgName, n.AdvProduct, n.Product)
}

// decideReview is the page's confirm or dismiss button: a POST with the
// CSRF field of the operator's session (with a bearer token, the API),
// answered with a redirect to the review page that says what it did.
func (s *Server) decideReview(confirm bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.buttonForm(r, "op.review.form"); err != nil {
			return err
		}
		id := r.PathValue("id")
		done := "dismissed"
		if !confirm {
			if err := s.review.Dismiss(r.Context(), id); err != nil {
				return err
			}
		} else {
			res, err := s.review.Confirm(r.Context(), id)
			if err != nil {
				return err
			}
			done = "joined"
			if res.Opened {
				done = "opened"
			}
		}
		seeOther(w, r, "/review", url.Values{"done": {done}, "id": {id}})
		return nil
	}
}
