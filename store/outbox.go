package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Outbox states.
const (
	MailPending   = "pending"   // to be delivered at NextAttemptAt
	MailSending   = "sending"   // claimed at ClaimedAt for an SMTP exchange
	MailSent      = "sent"      // the relay accepted it (250 to DATA)
	MailFailed    = "failed"    // refused permanently, or retried too long
	MailHeld      = "held"      // no relay configured: kept for the web view
	MailCancelled = "cancelled" // the case was answered or closed before delivery
)

// Mail is one rendered message for one recipient: the evidence that an
// organization was told, and when.
type Mail struct {
	ID        int64
	CaseID    string
	ContactID int64
	Kind      string
	Seq       int // 0 for the notice, n for the nth reminder
	Recipient string
	Subject   string
	MessageID string
	Message   []byte
	// Shared, when set, holds runs of Message that many mails carry,
	// stored once (bodies.go), and Splices says where. Only AddMail looks
	// at them; reads return Message whole.
	Shared        *SharedBody
	Splices       []Splice
	cut           *cutBody // the body as stored, when CutShared worked it out
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastReply     string
	SentAt        time.Time
	CreatedAt     time.Time
	ClaimedAt     time.Time // the last claim for an SMTP exchange; zero: never claimed
}

// AddMail writes a message to the outbox.
func (tx *Tx) AddMail(m *Mail) error {
	var contact sql.NullInt64
	if m.ContactID != 0 {
		contact = sql.NullInt64{Int64: m.ContactID, Valid: true}
	}
	var caseID sql.NullString // none for a digest (see mail_cases)
	if m.CaseID != "" {
		caseID = sql.NullString{String: m.CaseID, Valid: true}
	}
	res, err := tx.exec(`INSERT INTO outbox (case_id, contact_id, kind, seq, recipient,
		subject, message_id, state, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		caseID, contact, m.Kind, m.Seq, m.Recipient, m.Subject, m.MessageID, m.State,
		ms(m.NextAttemptAt), ms(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("add mail to outbox: %w", err)
	}
	m.ID, _ = res.LastInsertId()
	if err := tx.addBody(m); err != nil {
		return fmt.Errorf("add mail to outbox: %w", err)
	}
	return nil
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// MailCase is a case a digest mail carried a reminder of: Seq is which
// reminder of the case it was.
type MailCase struct {
	CaseID string
	Seq    int
}

// AddMailCases records the cases a digest mail carried.
func (tx *Tx) AddMailCases(mailID int64, cases []MailCase) error {
	for _, c := range cases {
		if _, err := tx.exec(`INSERT INTO mail_cases (mail_id, case_id, seq) VALUES (?, ?, ?)`, mailID, c.CaseID, c.Seq); err != nil {
			return fmt.Errorf("record the cases of mail %d: %w", mailID, err)
		}
	}
	return nil
}

// DigestsOf lists the digest mails that carried a reminder of a case,
// newest first, without their bodies.
func (tx *Tx) DigestsOf(caseID string) ([]Mail, error) {
	return tx.queryMails(false, `SELECT `+mailColumns+` FROM outbox
		WHERE id IN (SELECT mail_id FROM mail_cases WHERE case_id = ?) ORDER BY id DESC`, caseID)
}

const mailColumns = `outbox.id, coalesce(outbox.case_id, ''), coalesce(outbox.contact_id, 0), outbox.kind,
	outbox.seq, outbox.recipient, outbox.subject, outbox.message_id, outbox.state, outbox.attempts,
	outbox.next_attempt_at, outbox.last_reply, outbox.sent_at, outbox.created_at, outbox.claimed_at`

// mailBodyColumns follow mailColumns where a query reads bodies, with
// mailBodyJoin after its FROM outbox: a pruned body reads as empty.
const (
	mailBodyColumns = `, coalesce(b.message, x''), b.shared_id, b.splices`
	mailBodyJoin    = ` LEFT JOIN mail_bodies b ON b.mail_id = outbox.id`
)

func scanMail(row interface{ Scan(...any) error }, body *storedBody) (Mail, error) {
	var m Mail
	var next, created int64
	var sent, claimed sql.NullInt64
	dest := []any{&m.ID, &m.CaseID, &m.ContactID, &m.Kind, &m.Seq, &m.Recipient, &m.Subject, &m.MessageID,
		&m.State, &m.Attempts, &next, &m.LastReply, &sent, &created, &claimed}
	if body != nil {
		dest = append(dest, &m.Message, &body.sharedID, &body.splices)
	}
	err := row.Scan(dest...)
	m.NextAttemptAt, m.CreatedAt, m.SentAt, m.ClaimedAt = fromMS(next), fromMS(created), fromNullMS(sent), fromNullMS(claimed)
	return m, err
}

func (tx *Tx) queryMails(withBody bool, q string, args ...any) ([]Mail, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []Mail
	var bodies []storedBody
	for rows.Next() {
		var b *storedBody
		if withBody {
			bodies = append(bodies, storedBody{})
			b = &bodies[len(bodies)-1]
		}
		m, err := scanMail(rows, b)
		if err != nil {
			return nil, fmt.Errorf("list outbox: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	rows.Close()
	for i, b := range bodies {
		if err := tx.wholeMessage(&out[i], b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Mail returns one message of the outbox, with its body.
func (tx *Tx) Mail(id int64) (Mail, error) {
	var b storedBody
	m, err := scanMail(tx.queryRow(`SELECT `+mailColumns+mailBodyColumns+` FROM outbox`+mailBodyJoin+` WHERE outbox.id = ?`, id), &b)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("mail %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("read mail: %w", err)
	}
	return m, tx.wholeMessage(&m, b)
}

// MailFilter selects outbox messages; empty fields match everything.
type MailFilter struct {
	CaseID string
	State  string
	Limit  int // 0: 200
}

// Mails lists outbox messages, newest first, without their bodies.
func (tx *Tx) Mails(f MailFilter) ([]Mail, error) {
	if f.Limit <= 0 {
		f.Limit = 200
	}
	return tx.queryMails(false, `SELECT `+mailColumns+` FROM outbox
		WHERE (? = '' OR case_id = ?) AND (? = '' OR state = ?) ORDER BY id DESC LIMIT ?`,
		f.CaseID, f.CaseID, f.State, f.State, f.Limit)
}

// DueMails lists up to limit messages to deliver at now, with bodies: first
// the claims made before staleBefore whose outcome was never recorded, then
// the pending messages that are due, oldest first. The mails skip names
// (those the delivery journal has) are left out.
func (tx *Tx) DueMails(now, staleBefore time.Time, limit int, skip []int64) ([]Mail, error) {
	skipped := mailIDList(skip)
	stale, err := tx.queryMails(true, `SELECT `+mailColumns+mailBodyColumns+` FROM outbox`+mailBodyJoin+`
		WHERE outbox.state = 'sending' AND outbox.claimed_at <= ? AND outbox.id NOT IN (SELECT value FROM json_each(?))
		ORDER BY outbox.claimed_at, outbox.id LIMIT ?`, ms(staleBefore), skipped, limit)
	if err != nil || len(stale) == limit {
		return stale, err
	}
	due, err := tx.queryMails(true, `SELECT `+mailColumns+mailBodyColumns+` FROM outbox`+mailBodyJoin+`
		WHERE outbox.state = 'pending' AND outbox.next_attempt_at <= ? AND outbox.id NOT IN (SELECT value FROM json_each(?))
		ORDER BY outbox.next_attempt_at, outbox.id LIMIT ?`, ms(now), skipped, limit-len(stale))
	return append(stale, due...), err
}

// NextMailAt returns when the next message is due, or the zero time: a
// pending message at its next attempt, a claim once it is claimTimeout old.
// The mails skip names (those the delivery journal has) are left out.
func (tx *Tx) NextMailAt(claimTimeout time.Duration, skip []int64) (time.Time, error) {
	var next, claimed sql.NullInt64
	skipped := mailIDList(skip)
	if err := tx.queryRow(`SELECT
		(SELECT next_attempt_at FROM outbox WHERE state = 'pending' AND id NOT IN (SELECT value FROM json_each(?1))
			ORDER BY next_attempt_at LIMIT 1),
		(SELECT claimed_at FROM outbox WHERE state = 'sending' AND id NOT IN (SELECT value FROM json_each(?1))
			ORDER BY claimed_at LIMIT 1)`, skipped).Scan(&next, &claimed); err != nil {
		return time.Time{}, fmt.Errorf("read next mail: %w", err)
	}
	at := fromNullMS(next)
	if claimed.Valid {
		if stale := fromMS(claimed.Int64).Add(claimTimeout); at.IsZero() || stale.Before(at) {
			at = stale
		}
	}
	return at, nil
}

// Claimable returns, of the mails named, those that may be claimed for an
// SMTP exchange at now, with their attempts so far: a pending message whose
// attempt has come, or a claim made before staleBefore whose outcome was
// never recorded. Delivery reads it in the delivery journal's write
// transaction that claims them (journal.go), so that a mail cancelled, or
// whose outcome the outbox took in meanwhile, is not claimed.
func (tx *Tx) Claimable(ids []int64, now, staleBefore time.Time) (map[int64]int, error) {
	// One lookup by key a mail: a step claims one or two, and binding them
	// as a list for json_each cost several times more.
	out := make(map[int64]int, len(ids))
	for _, id := range ids {
		var attempts int
		err := tx.queryRow(`SELECT attempts FROM outbox WHERE id = ? AND
			((state = 'pending' AND next_attempt_at <= ?) OR (state = 'sending' AND claimed_at <= ?))`,
			id, ms(now), ms(staleBefore)).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read mail %d to claim: %w", id, err)
		}
		out[id] = attempts
	}
	return out, nil
}

// FoldOutcome records in the outbox the outcome of an SMTP exchange that
// the delivery journal holds. It changes the message only if its attempts
// are still those it was claimed with (so folding the same outcome twice,
// after a crash between the fold and the journal forgetting it, changes
// nothing the second time) and it is pending or claimed, or cancelled
// during the exchange while the relay took it (the record must say it went
// out). It reports whether it did.
func (tx *Tx) FoldOutcome(c Claim) (bool, error) {
	o := c.Outcome
	res, err := tx.exec(`UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_reply = ?, sent_at = ?, claimed_at = ?
		WHERE id = ? AND attempts = ? AND (state IN ('pending', 'sending') OR (state = 'cancelled' AND ? = 'sent'))`,
		o.State, c.Attempts+1, ms(o.NextAttemptAt), o.Reply, nullMS(o.SentAt), ms(c.ClaimedAt),
		c.MailID, c.Attempts, o.State)
	if err != nil {
		return false, fmt.Errorf("record outcome of mail %d: %w", c.MailID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// FoldInFlight turns a claim of the delivery journal whose outcome was
// never recorded (Heed stopped during the exchange) into the outbox's
// claim: state sending from the journal's claim time, so that the mail is
// tried again only once the claim timeout has passed.
func (tx *Tx) FoldInFlight(c Claim) error {
	if _, err := tx.exec(`UPDATE outbox SET state = 'sending', claimed_at = ?
		WHERE id = ? AND attempts = ? AND state IN ('pending', 'sending')`, ms(c.ClaimedAt), c.MailID, c.Attempts); err != nil {
		return fmt.Errorf("record claim of mail %d: %w", c.MailID, err)
	}
	return nil
}

// DeferMail puts off a pending message that was not attempted, without
// spending an attempt.
func (tx *Tx) DeferMail(id int64, next time.Time, reply string) error {
	if _, err := tx.exec(`UPDATE outbox SET next_attempt_at = ?, last_reply = ? WHERE id = ? AND state = 'pending'`,
		ms(next), reply, id); err != nil {
		return fmt.Errorf("defer mail %d: %w", id, err)
	}
	return nil
}

// CancelMails cancels a case's undelivered messages of the given kinds. A
// message in an SMTP exchange is cancelled too: if the relay takes it all the
// same, MarkMail records that it was sent.
func (tx *Tx) CancelMails(caseID string, kinds ...string) error {
	in := "NULL"
	if len(kinds) > 0 {
		in = placeholders(len(kinds))
	}
	args := append([]any{caseID}, anys(kinds)...)
	_, err := tx.exec(`UPDATE outbox SET state = 'cancelled'
		WHERE case_id = ? AND state IN ('pending', 'sending', 'held') AND kind IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("cancel mails of case %s: %w", caseID, err)
	}
	return nil
}

// MailCounts counts outbox messages by state.
func (tx *Tx) MailCounts() (map[string]int, error) {
	return tx.countByState(`SELECT state, count(*) FROM outbox GROUP BY state`)
}

// MailExists reports whether a message with this Message-ID is in the outbox.
func (tx *Tx) MailExists(messageID string) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM outbox WHERE message_id = ?`, messageID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up mail: %w", err)
	}
	return n > 0, nil
}

// PruneMailBodies removes the bodies of up to limit mails in a final state
// (sent, failed, cancelled) written before before, keeping their rows: who
// was mailed, when, and the relay's reply stay as evidence. It returns how
// many it pruned.
func (tx *Tx) PruneMailBodies(before time.Time, limit int) (int, error) {
	res, err := tx.exec(`DELETE FROM mail_bodies WHERE mail_id IN (SELECT b.mail_id FROM mail_bodies b
		JOIN outbox o ON o.id = b.mail_id
		WHERE b.created_at < ? AND o.state IN ('sent', 'failed', 'cancelled')
		ORDER BY b.created_at LIMIT ?)`, ms(before), limit)
	if err != nil {
		return 0, fmt.Errorf("prune mail bodies: %w", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		if err := tx.pruneShared(); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// CancelOrgMails cancels every undelivered message to an organization:
// each of its cases' mails, of any kind, and the digests that carry one of
// its cases. Returns how many were cancelled.
func (tx *Tx) CancelOrgMails(orgID string) (int, error) {
	res, err := tx.exec(`UPDATE outbox SET state = 'cancelled'
		WHERE state IN ('pending', 'sending', 'held')
		  AND (case_id IN (SELECT id FROM cases WHERE org_id = ?)
		    OR id IN (SELECT m.mail_id FROM mail_cases m JOIN cases c ON c.id = m.case_id WHERE c.org_id = ?))`, orgID, orgID)
	if err != nil {
		return 0, fmt.Errorf("cancel mails of org %s: %w", orgID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
