package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Case states.
const (
	CaseOpen      = "open"      // waiting for an answer; reminders run
	CaseScheduled = "scheduled" // answered "will patch by"; reminders pause until then
	CaseAnswered  = "answered"  // patched, mitigated or not affected
	CaseClosed    = "closed"    // withdrawn, or no longer affected
	CaseWatching  = "watching"  // only under investigation: recorded, not mailed
)

// Why a case was closed (Case.ClosedReason); pages word them per language.
const (
	ClosedWithdrawn = "withdrawn"        // the publisher withdrew the advisory
	ClosedNotListed = "no_longer_listed" // a new revision no longer lists the organization's products
	// ClosedResolved: the organization's inventory shows every item of the
	// case at a version not affected, or gone; the reason goes on after
	// ": " with what the inventory showed.
	ClosedResolved = "resolved"
	// ClosedDeactivated: the operator deactivated the organization; Heed
	// no longer follows its cases.
	ClosedDeactivated = "org_deactivated"
)

// CaseStates lists every case state, in the order lists show them.
var CaseStates = []string{CaseOpen, CaseScheduled, CaseAnswered, CaseClosed, CaseWatching}

// Answer is what an organization said through its link.
type Answer struct {
	Status string
	// Justification: for not_affected, a code of the CSAF/OpenVEX set
	// (vulnerable_code_not_present, ...).
	Justification string
	// Version: for patched, the version now running, if given.
	Version   string
	At        time.Time
	Note      string
	Until     time.Time
	IP        string
	UserAgent string
	ContactID int64
	// ContactEmail is the address of the contact whose link was used, as it
	// was then; kept in the history of answers (Tx.Answers) only.
	ContactEmail string
}

// Case is one advisory at one organization.
type Case struct {
	ID             string
	AdvisoryID     string
	OrgID          string
	State          string
	OpenedAt       time.Time
	DueAt          time.Time
	RemindersSent  int
	ReminderStep   int       // index of the next reminder in the policy's schedule
	NextReminderAt time.Time // zero: none planned
	Escalated      bool
	Answer         *Answer
	ClosedReason   string
	UpdatedAt      time.Time
	// ToldRevision is the revision of the advisory the organization was last
	// told about; "" for cases told before it was recorded.
	ToldRevision string
	// SeenAt is when a link of the case was first opened by what looked
	// like a person, through the link of SeenBy (an address); zero: never.
	// A hint: mail scanners open links too.
	SeenAt time.Time
	SeenBy string
	// OverdueAt is when Heed saw the case past its due date unanswered and
	// recorded the overdue event; zero: not yet (or reopened since).
	OverdueAt time.Time
	// ExploitedAt is when Heed learnt that the case's flaw is exploited (a
	// catalog of known exploited vulnerabilities, or the advisory said so);
	// zero: not known.
	ExploitedAt time.Time
}

// CaseItem is an inventory item a case is about, copied when it matched.
type CaseItem struct {
	Vendor, Product, Version, CPE, PURL, Asset string
	Certainty                                  string
	Reason                                     Reason
}

// Reason says why an item matched, as data rather than a sentence, so that
// each language renders it (package templates): Code names the sentence,
// Args fill it in order, and Via ("purl" or "cpe", "" for a match by name)
// says how the product was recognized, with the purl or CPE in Key. The
// codes are the matcher's (package subscribers); rows written before codes
// existed carry code "text" with their English sentence as the argument.
type Reason struct {
	Code string
	Args []string
	Via  string
	Key  string
}

// caseItemColumns are the columns scanCaseItem reads, after any the query
// puts first.
const caseItemColumns = `vendor, product, version, cpe, purl, asset, certainty, reason_code, reason_args, reason_via, reason_key`

// scanCaseItem reads caseItemColumns after the destinations in first.
func scanCaseItem(rows *sql.Rows, first ...any) (CaseItem, error) {
	var it CaseItem
	var args string
	dest := append(first, &it.Vendor, &it.Product, &it.Version, &it.CPE, &it.PURL, &it.Asset, &it.Certainty,
		&it.Reason.Code, &args, &it.Reason.Via, &it.Reason.Key)
	if err := rows.Scan(dest...); err != nil {
		return it, err
	}
	if err := json.Unmarshal([]byte(args), &it.Reason.Args); err != nil {
		return it, fmt.Errorf("reason arguments %q: %w", args, err)
	}
	return it, nil
}

const caseColumns = `id, advisory_id, org_id, state, opened_at, due_at, reminders_sent, reminder_step,
	next_reminder_at, escalated, answer_status, answer_at, answer_note, answer_until, answer_ip,
	answer_agent, answer_contact, closed_reason, updated_at, answer_justification, answer_version, told_revision, seen_at, seen_by, overdue_at, exploited_at`

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var opened, due, updated int64
	var next, answerAt, until, contact, seen, overdue, exploited sql.NullInt64
	var a Answer
	err := row.Scan(&c.ID, &c.AdvisoryID, &c.OrgID, &c.State, &opened, &due, &c.RemindersSent, &c.ReminderStep,
		&next, &c.Escalated, &a.Status, &answerAt, &a.Note, &until, &a.IP, &a.UserAgent, &contact,
		&c.ClosedReason, &updated, &a.Justification, &a.Version, &c.ToldRevision, &seen, &c.SeenBy, &overdue, &exploited)
	if err != nil {
		return c, err
	}
	c.OpenedAt, c.DueAt, c.UpdatedAt = fromMS(opened), fromMS(due), fromMS(updated)
	c.NextReminderAt, c.SeenAt, c.OverdueAt, c.ExploitedAt = fromNullMS(next), fromNullMS(seen), fromNullMS(overdue), fromNullMS(exploited)
	if a.Status != "" {
		a.At, a.Until, a.ContactID = fromNullMS(answerAt), fromNullMS(until), contact.Int64
		c.Answer = &a
	}
	return c, nil
}

// CreateCase inserts a new case as it stands: its state, schedule, the
// revision it told and when its flaw became known exploited, so that a
// case opened at once is written once (an answer, a closing reason and the
// overdue mark come later, through UpdateCase). ErrConflict if the
// advisory already has a case at the organization.
func (tx *Tx) CreateCase(c *Case) error {
	_, err := tx.exec(
		`INSERT INTO cases (id, advisory_id, org_id, state, opened_at, due_at, reminders_sent, reminder_step,
		   next_reminder_at, escalated, updated_at, told_revision, exploited_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.AdvisoryID, c.OrgID, c.State, ms(c.OpenedAt), ms(c.DueAt), c.RemindersSent, c.ReminderStep,
		nullMS(c.NextReminderAt), c.Escalated, ms(c.UpdatedAt), c.ToldRevision, nullMS(c.ExploitedAt))
	if isUnique(err) {
		return fmt.Errorf("case for %s at %s: %w", c.AdvisoryID, c.OrgID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create case: %w", err)
	}
	return nil
}

// Case returns one case.
func (tx *Tx) Case(id string) (Case, error) {
	c, err := scanCase(tx.queryRow(`SELECT `+caseColumns+` FROM cases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("case %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read case: %w", err)
	}
	return c, nil
}

// CaseFor returns the case of an advisory at an organization, or ErrNotFound.
func (tx *Tx) CaseFor(advisoryID, orgID string) (Case, error) {
	c, err := scanCase(tx.queryRow(`SELECT `+caseColumns+` FROM cases WHERE advisory_id = ? AND org_id = ?`, advisoryID, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("case of %s at %s: %w", advisoryID, orgID, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read case: %w", err)
	}
	return c, nil
}

// CasesAt returns the cases of an advisory at the given organizations, by
// organization: what an apply batch reads once for all its organizations.
func (tx *Tx) CasesAt(advisoryID string, orgIDs []string) (map[string]Case, error) {
	rows, err := tx.query(`SELECT `+caseColumns+` FROM cases
		WHERE advisory_id = ? AND org_id IN (SELECT value FROM json_each(?))`, advisoryID, idList(orgIDs))
	if err != nil {
		return nil, fmt.Errorf("read cases of %s: %w", advisoryID, err)
	}
	defer rows.Close()
	out := make(map[string]Case, len(orgIDs))
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("read cases of %s: %w", advisoryID, err)
		}
		out[c.OrgID] = c
	}
	return out, rows.Err()
}

// CaseFilter selects cases; empty fields match everything. Every field is
// a condition of the SQL, so that a filtered page costs what any page costs.
type CaseFilter struct {
	AdvisoryID string
	OrgID      string
	State      string
	Publisher  string // only the cases of this publisher's advisories
	// Scope is the publisher a scoped reader is limited to: only its cases,
	// whatever Publisher asks for.
	Scope string
	// OrgName keeps the cases of organizations whose name contains it,
	// case-insensitively (ASCII letters only: SQLite's lower()).
	OrgName string
	Silent  bool // only open cases without an answer
	// OverdueAt, when set, keeps the cases past their due date at that time
	// and not answered (open, without an answer).
	OverdueAt time.Time
}

// where returns the conditions of f, and their arguments.
func (f CaseFilter) where() (where []string, args []any) {
	for _, c := range []struct{ col, val string }{{"advisory_id", f.AdvisoryID}, {"org_id", f.OrgID}, {"state", f.State}} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	for _, p := range []string{f.Publisher, f.Scope} {
		if p != "" {
			where = append(where, "advisory_id IN (SELECT id FROM advisories WHERE publisher = ?)")
			args = append(args, p)
		}
	}
	if f.OrgName != "" {
		where = append(where, "org_id IN (SELECT id FROM orgs WHERE instr(lower(name), lower(?)) > 0)")
		args = append(args, f.OrgName)
	}
	if f.Silent || !f.OverdueAt.IsZero() {
		where = append(where, "state = 'open' AND answer_status = ''")
	}
	if !f.OverdueAt.IsZero() {
		where = append(where, "due_at < ?")
		args = append(args, ms(f.OverdueAt))
	}
	return where, args
}

// oneState says whether f keeps cases of one state only, and if so the
// value of state <> 'open' (the first key of the list order) they all have.
func (f CaseFilter) oneState() (notOpen int64, one bool) {
	switch {
	case f.State != "":
		return btoi(f.State != CaseOpen), true
	case f.Silent || !f.OverdueAt.IsZero():
		return 0, true // open, not answered
	}
	return 0, false
}

// Cases lists cases matching f, unanswered and most urgent first.
func (tx *Tx) Cases(f CaseFilter) ([]Case, error) {
	where, args := f.where()
	q := `SELECT ` + caseColumns + ` FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY state <> 'open', due_at, opened_at, id`
	return tx.queryCases(q, args...)
}

func (tx *Tx) queryCases(q string, args ...any) ([]Case, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("list cases: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// The reminders' reads name their index: without it SQLite takes
// cases_state_list for the state and reads every open case to find the
// earliest reminder (2 ms of CPU at 10,000 open cases, ten times that at
// 100,000), on each round of the engine's loop; through cases_next it reads
// the first few in reminder order.

// DueCases lists up to limit cases whose next reminder is at or before now.
func (tx *Tx) DueCases(now time.Time, limit int) ([]Case, error) {
	return tx.queryCases(`SELECT `+caseColumns+` FROM cases INDEXED BY cases_next
		WHERE next_reminder_at IS NOT NULL AND next_reminder_at <= ? AND state IN ('open', 'scheduled')
		ORDER BY next_reminder_at LIMIT ?`, ms(now), limit)
}

// DueCasesOf lists every case of one organization whose next reminder is
// at or before now, for its digest.
func (tx *Tx) DueCasesOf(orgID string, now time.Time) ([]Case, error) {
	return tx.queryCases(`SELECT `+caseColumns+` FROM cases
		WHERE org_id = ? AND next_reminder_at IS NOT NULL AND next_reminder_at <= ? AND state IN ('open', 'scheduled')
		ORDER BY next_reminder_at`, orgID, ms(now))
}

// NewlyOverdue lists up to limit cases past their due date at now and not
// answered (open, without an answer: the board's overdue) that have not
// been recorded overdue yet.
func (tx *Tx) NewlyOverdue(now time.Time, limit int) ([]Case, error) {
	return tx.queryCases(`SELECT `+caseColumns+` FROM cases
		WHERE overdue_at IS NULL AND state = 'open' AND answer_status = '' AND due_at < ?
		ORDER BY due_at LIMIT ?`, ms(now), limit)
}

// NextOverdueAt returns the earliest due date of the open, unanswered cases
// not yet recorded overdue, or the zero time.
func (tx *Tx) NextOverdueAt() (time.Time, error) {
	var next sql.NullInt64
	err := tx.queryRow(`SELECT min(due_at) FROM cases
		WHERE overdue_at IS NULL AND state = 'open' AND answer_status = ''`).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("read next due date: %w", err)
	}
	return fromNullMS(next), nil
}

// NextReminderAt returns the earliest planned reminder, or the zero time.
func (tx *Tx) NextReminderAt() (time.Time, error) {
	var next sql.NullInt64
	err := tx.queryRow(`SELECT min(next_reminder_at) FROM cases INDEXED BY cases_next
		WHERE next_reminder_at IS NOT NULL AND state IN ('open', 'scheduled')`).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("read next reminder: %w", err)
	}
	return fromNullMS(next), nil
}

// UpdateCase writes a case's state, schedule, answer and closing reason.
func (tx *Tx) UpdateCase(c *Case) error {
	var a Answer
	if c.Answer != nil {
		a = *c.Answer
	}
	var contact sql.NullInt64
	if a.ContactID != 0 {
		contact = sql.NullInt64{Int64: a.ContactID, Valid: true}
	}
	_, err := tx.exec(`UPDATE cases SET state = ?, due_at = ?, reminders_sent = ?,
		reminder_step = ?, next_reminder_at = ?, escalated = ?, answer_status = ?, answer_at = ?,
		answer_note = ?, answer_until = ?, answer_ip = ?, answer_agent = ?, answer_contact = ?,
		closed_reason = ?, updated_at = ?, answer_justification = ?, answer_version = ?, told_revision = ?,
		overdue_at = ?, exploited_at = ? WHERE id = ?`,
		c.State, ms(c.DueAt), c.RemindersSent, c.ReminderStep, nullMS(c.NextReminderAt), c.Escalated,
		a.Status, nullMS(a.At), a.Note, nullMS(a.Until), a.IP, a.UserAgent, contact,
		c.ClosedReason, ms(c.UpdatedAt), a.Justification, a.Version, c.ToldRevision, nullMS(c.OverdueAt), nullMS(c.ExploitedAt), c.ID)
	if err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	return nil
}

// MarkSeen records that a case's link was opened, by the contact whose
// address is by, unless it was seen before.
func (tx *Tx) MarkSeen(caseID string, at time.Time, by string) error {
	if _, err := tx.exec(`UPDATE cases SET seen_at = ?, seen_by = ? WHERE id = ? AND seen_at IS NULL`, ms(at), by, caseID); err != nil {
		return fmt.Errorf("mark case %s seen: %w", caseID, err)
	}
	return nil
}

// ReplaceCaseItems sets the items a case is about.
func (tx *Tx) ReplaceCaseItems(caseID string, items []CaseItem) error {
	if _, err := tx.exec(`DELETE FROM case_items WHERE case_id = ?`, caseID); err != nil {
		return fmt.Errorf("clear case items: %w", err)
	}
	_, err := tx.AddCaseItems(caseID, items)
	return err
}

// AddCaseItems adds items to a case, skipping those it already has, and
// returns how many were new.
func (tx *Tx) AddCaseItems(caseID string, items []CaseItem) (int, error) {
	added := 0
	for _, it := range items {
		args, err := json.Marshal(nonNil(it.Reason.Args))
		if err != nil {
			return added, fmt.Errorf("add case item: %w", err)
		}
		res, err := tx.exec(`INSERT OR IGNORE INTO case_items (case_id, `+caseItemColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			caseID, it.Vendor, it.Product, it.Version, it.CPE, it.PURL, it.Asset, it.Certainty,
			it.Reason.Code, string(args), it.Reason.Via, it.Reason.Key)
		if err != nil {
			return added, fmt.Errorf("add case item: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added++
		}
	}
	return added, nil
}

// CaseItems lists the items of a case.
func (tx *Tx) CaseItems(caseID string) ([]CaseItem, error) {
	rows, err := tx.query(`SELECT `+caseItemColumns+` FROM case_items WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("list case items: %w", err)
	}
	defer rows.Close()
	var out []CaseItem
	for rows.Next() {
		it, err := scanCaseItem(rows)
		if err != nil {
			return nil, fmt.Errorf("list case items: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// CaseCounts counts cases by state.
func (tx *Tx) CaseCounts() (map[string]int, error) {
	return tx.countByState(`SELECT state, count(*) FROM cases GROUP BY state`)
}

// countByState runs a "SELECT state, count(*) ... GROUP BY state" query.
func (tx *Tx) countByState(query string, args ...any) (map[string]int, error) {
	rows, err := tx.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("count by state: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("count by state: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}

// nonNil makes a nil list an empty one, which JSON writes as [].
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
