package templates

import "time"

// AnswerView is an answer already recorded on a case.
type AnswerView struct {
	Status string // patched, mitigated, not_affected, scheduled
	// Justification: for not_affected, its CSAF/OpenVEX code.
	Justification string
	Version       string // for patched: the version now running, if given
	At            time.Time
	Note          string
	Until         time.Time // for scheduled: reminders pause until then
}

// AckPage is the page behind the link in a mail (GET /ack/{token}). It shows
// the case and, while unanswered, a form that POSTs to the same URL.
type AckPage struct {
	Lang      string
	Location  *time.Location
	OrgName   string
	Advisory  AdvisoryView
	Items     []ItemView
	DueAt     time.Time
	CSRFToken string // hidden field "csrf"
	// Justifications are the codes a "not affected" answer chooses from.
	Justifications []string
	Answer         *AnswerView // non-nil: already answered; show it, and still allow a new answer
	Recorded       bool        // true right after a POST recorded the answer
	Error          string      // a form error to show above the form, e.g. "choose a status"
	Closed         string      // non-empty: the case is closed (withdrawn, no longer affected); no form
	OrgURL         string      // the organization's page, reached from the same link
}

// OrgPage is the organization's own page (GET /ack/{token}/all): every case
// waiting for its answer, each with a form that POSTs to the same URL and
// names its case.
type OrgPage struct {
	Lang      string
	Location  *time.Location
	OrgName   string
	CSRFToken string // hidden field "csrf" of every form
	// Justifications are the codes a "not affected" answer chooses from.
	Justifications []string
	Cases          []OrgCase
	Recorded       string // the advisory whose answer a POST just recorded
	ErrorCase      string // the case whose answer was refused, and why:
	Error          string
}

// OrgCase is one case on the organization's page.
type OrgCase struct {
	ID       string // the form's hidden field "case"
	Advisory AdvisoryView
	Items    []ItemView
	DueAt    time.Time
	Answer   *AnswerView // a "will patch by" answer already given
}

// ErrorPage is shown for an invalid or expired link and other errors.
type ErrorPage struct {
	Lang    string
	Status  int
	Title   string
	Message string
}

// OutboxRow is one message in the outbox list.
type OutboxRow struct {
	ID        int64
	CreatedAt time.Time
	To        string
	Subject   string
	Kind      string
	State     string    // pending, sent, failed, held (no relay configured)
	Reply     string    // the relay's last answer
	SentAt    time.Time // when the relay took it; zero if it did not
}

// OutboxPage lists the newest messages (GET /outbox).
type OutboxPage struct {
	Operator *Operator
	Rows     []OutboxRow
}

// OutboxMessagePage shows one message (GET /outbox/{id}): its headers, its
// text part, and its HTML part inside a sandboxed iframe served from
// /outbox/{id}/html, plus the ack link so a person can click it.
type OutboxMessagePage struct {
	Operator *Operator
	Row      OutboxRow
	Headers  [][2]string
	Text     string
	AckURL   string
	// BodyRemoved: the message's body was removed after the retention
	// (store.mail_body_retention); only its record is left.
	BodyRemoved bool
}

// CaseRow is one case in the status board.
type CaseRow struct {
	ID            string
	AdvisoryID    string
	AdvisoryTitle string
	Severity      string
	OrgName       string
	OrgID         string // links to the organization's page
	State         string // open, answered, closed
	Reminders     int
	NextReminder  time.Time
	DueAt         time.Time
	Overdue       bool
	Answer        *AnswerView
	// SeenAt: a link was opened by what looked like a person (a hint).
	SeenAt time.Time
	// KnownExploited: the case's flaw is known to be exploited.
	KnownExploited bool
}

// BoardPage is the operator's view of who has not answered (GET /board),
// one page of cases, silent ones first.
type BoardPage struct {
	Operator *Operator
	Rows     []CaseRow
	State    string       // the state the board is filtered on; empty: all
	Totals   []StateTotal // every case (not only this page), by state
	Next     string       // address of the following page; empty on the last
	Filter   BoardFilter  // the filters the board is showing, for its form
	All      string       // address of the board in every state, the other filters kept
	CSV      string       // address of the CSV of every case the filters keep
	// RelayAlert, when set, is a banner: the relay refuses mail for a reason
	// that is not the recipients'.
	RelayAlert *RelayAlertView
}

// BoardFilter is what the board is filtered on, besides its state.
type BoardFilter struct {
	Advisory, Publisher, OrgName string
	Org                          string // an organization's id, from its page's links
	Silent, Overdue              bool
}

// RelayAlertView is the relay's refusals since it last took a mail.
type RelayAlertView struct {
	Since, Last time.Time
	Reply       string // the relay's latest refusal
	Refused     int
}

// StateTotal is how many cases are in a state, and the board filtered on it.
type StateTotal struct {
	State string
	Count int
	Link  string
}

// Operator is who looks at an operator page and how: the token, shown in
// the navigation with the sign-out button when it came through a session,
// the language the pages speak to them, and the page's own address, where
// the language switch returns. Every operator page has one.
type Operator struct {
	Token     string // the token's name
	Role      string
	Publisher string // the one publisher the token sees; empty: all
	// CSRF is the hidden field "csrf" of the session's forms; empty for a
	// page opened with a bearer token, which has no session (and no forms).
	CSRF string
	Lang string // en or ja, the operator's choice (see PickLang)
	Here string // this page's path and query, for the language switch
}

// LoginPage is the operator sign-in form (GET /login). It posts a token as
// field "token" and the page's language as "lang" to /login; Error is
// shown when the last try failed.
type LoginPage struct {
	Lang   string
	Chosen bool // Lang was chosen with the page's switch: signing in keeps it
	Error  string
}
