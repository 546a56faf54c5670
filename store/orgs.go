package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Org is a subscribed organization.
type Org struct {
	ID       string
	Name     string
	Language string
	Timezone string
	// BusinessHours is "always" or a weekly window ("09:00-18:00 Mon-Fri")
	// in Timezone; Digest is "off" or "daily", at DigestTime ("HH:MM").
	BusinessHours string
	Digest        string
	DigestTime    string
	CreatedAt     time.Time
	// DeactivatedAt: when the operator deactivated it (no new cases, its
	// open ones closed); zero while it is active.
	DeactivatedAt time.Time
	Contacts      []Contact
	Items         int // how many inventory items it has
}

// Contact is a person Heed mails on behalf of an organization.
type Contact struct {
	ID      int64
	OrgID   string
	Email   string
	Name    string
	Role    string    // primary or escalation
	Bounced time.Time // zero: not bounced
	Bounce  string    // the relay's permanent refusal
}

// ErrConflict is returned when a record would duplicate a unique one.
var ErrConflict = errors.New("conflict")

// CreateOrg inserts an organization and its contacts. Mail settings left
// empty take the columns' defaults (always, off, 09:00).
func (tx *Tx) CreateOrg(o *Org) error {
	_, err := tx.exec(
		`INSERT INTO orgs (id, name, language, timezone, business_hours, digest, digest_time, created_at)
		VALUES (?, ?, ?, ?, coalesce(nullif(?, ''), 'always'), coalesce(nullif(?, ''), 'off'),
			coalesce(nullif(?, ''), '09:00'), ?)`,
		o.ID, o.Name, o.Language, o.Timezone, o.BusinessHours, o.Digest, o.DigestTime, ms(o.CreatedAt))
	if err != nil {
		if isUnique(err) {
			return fmt.Errorf("create org %s: %w", o.ID, ErrConflict)
		}
		return fmt.Errorf("create org: %w", err)
	}
	for i := range o.Contacts {
		c := &o.Contacts[i]
		c.OrgID = o.ID
		res, err := tx.exec(
			`INSERT INTO contacts (org_id, email, name, role) VALUES (?, ?, ?, ?)`,
			o.ID, c.Email, c.Name, c.Role)
		if err != nil {
			if isUnique(err) {
				return fmt.Errorf("contact %s listed twice: %w", c.Email, ErrConflict)
			}
			return fmt.Errorf("create contact: %w", err)
		}
		c.ID, _ = res.LastInsertId()
	}
	return nil
}

// orgFields are an organization's own columns; orgColumns adds the count
// of its inventory items.
const (
	orgFields = `o.id, o.name, o.language, o.timezone, o.business_hours, o.digest, o.digest_time, o.created_at,
	o.deactivated_at`
	orgColumns = orgFields + `, (SELECT count(*) FROM items i WHERE i.org_id = o.id)`
)

// scanOrgFields reads orgFields into o, then the destinations in more.
func scanOrgFields(row interface{ Scan(...any) error }, o *Org, more ...any) error {
	var created int64
	var deactivated sql.NullInt64
	err := row.Scan(append([]any{&o.ID, &o.Name, &o.Language, &o.Timezone, &o.BusinessHours, &o.Digest, &o.DigestTime,
		&created, &deactivated}, more...)...)
	o.CreatedAt, o.DeactivatedAt = fromMS(created), fromNullMS(deactivated)
	return err
}

// scanOrg reads orgColumns.
func scanOrg(row interface{ Scan(...any) error }) (Org, error) {
	var o Org
	err := scanOrgFields(row, &o, &o.Items)
	return o, err
}

// Org returns one organization with its contacts.
func (tx *Tx) Org(id string) (Org, error) {
	o, err := scanOrg(tx.queryRow(`SELECT `+orgColumns+` FROM orgs o WHERE o.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, fmt.Errorf("org %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Org{}, fmt.Errorf("read org: %w", err)
	}
	o.Contacts, err = tx.Contacts(id)
	return o, err
}

// OrgsByID returns the organizations of ids that exist, with their
// contacts, by id: two statements for a batch of organizations, where Org
// takes two for each. It is what a batch of mails is composed for, so it
// leaves Items at zero: counting each organization's inventory was a third
// of the read (an advisory's batch of 500 organizations reads them twice).
func (tx *Tx) OrgsByID(ids []string) (map[string]Org, error) {
	list := idList(ids)
	contacts, err := tx.contactsIn(list, len(ids))
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(`SELECT `+orgFields+` FROM orgs o WHERE o.id IN (SELECT value FROM json_each(?))`, list)
	if err != nil {
		return nil, fmt.Errorf("read orgs: %w", err)
	}
	defer rows.Close()
	out := make(map[string]Org, len(ids))
	for rows.Next() {
		var o Org
		if err := scanOrgFields(rows, &o); err != nil {
			return nil, fmt.Errorf("read orgs: %w", err)
		}
		o.Contacts = contacts[o.ID]
		out[o.ID] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read orgs: %w", err)
	}
	return out, nil
}

// OrgChanges returns a count that every change to an organization or a
// contact moves (migration 0031's triggers): equal in two transactions,
// no organization or contact changed between them.
func (tx *Tx) OrgChanges() (int64, error) {
	var n int64
	if err := tx.queryRow(`SELECT n FROM org_changes`).Scan(&n); err != nil {
		return 0, fmt.Errorf("read org changes: %w", err)
	}
	return n, nil
}

// Orgs lists all organizations with their contacts, by name.
func (tx *Tx) Orgs() ([]Org, error) {
	var out []Org
	q := OrgQuery{Limit: 10000}
	for {
		p, err := tx.OrgPage(q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Orgs...)
		if p.Next == "" {
			return out, nil
		}
		q.Cursor = p.Next
	}
}

const contactColumns = `id, org_id, email, name, role, bounced_at, bounce`

func scanContact(row interface{ Scan(...any) error }) (Contact, error) {
	var c Contact
	var bounced sql.NullInt64
	err := row.Scan(&c.ID, &c.OrgID, &c.Email, &c.Name, &c.Role, &bounced, &c.Bounce)
	c.Bounced = fromNullMS(bounced)
	return c, err
}

// Contacts lists the contacts of an organization, primary first.
func (tx *Tx) Contacts(orgID string) ([]Contact, error) {
	cs, err := tx.contactsOf([]string{orgID})
	return cs[orgID], err
}

// Contact returns one contact.
func (tx *Tx) Contact(id int64) (Contact, error) {
	c, err := scanContact(tx.queryRow(`SELECT `+contactColumns+` FROM contacts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("contact %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read contact: %w", err)
	}
	return c, nil
}

// MarkBounced records that the relay permanently refused a contact's address.
func (tx *Tx) MarkBounced(contactID int64, at time.Time, reply string) error {
	_, err := tx.exec(
		`UPDATE contacts SET bounced_at = ?, bounce = ? WHERE id = ?`, ms(at), reply, contactID)
	if err != nil {
		return fmt.Errorf("mark contact bounced: %w", err)
	}
	return nil
}

// ClearBounce forgets that a contact's address was refused: someone
// answered through its link, so it works.
func (tx *Tx) ClearBounce(contactID int64) error {
	if _, err := tx.exec(`UPDATE contacts SET bounced_at = NULL, bounce = '' WHERE id = ?`, contactID); err != nil {
		return fmt.Errorf("clear bounce of contact %d: %w", contactID, err)
	}
	return nil
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// UpdateOrg rewrites an organization's name, language, time zone, mail
// settings and contacts. A contact whose address stays keeps its record, and so its
// links; its bounce is forgotten, since the operator has just confirmed the
// address. A contact no longer listed is removed; new ones are added.
func (tx *Tx) UpdateOrg(o *Org) error {
	res, err := tx.exec(`UPDATE orgs SET name = ?, language = ?, timezone = ?, business_hours = ?, digest = ?,
		digest_time = ? WHERE id = ?`,
		o.Name, o.Language, o.Timezone, o.BusinessHours, o.Digest, o.DigestTime, o.ID)
	if err != nil {
		return fmt.Errorf("update org %s: %w", o.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("org %s: %w", o.ID, ErrNotFound)
	}
	old, err := tx.Contacts(o.ID)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for i := range o.Contacts {
		c := &o.Contacts[i]
		c.OrgID = o.ID
		keep[c.Email] = true
		_, err := tx.exec(`INSERT INTO contacts (org_id, email, name, role) VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id, email) DO UPDATE SET name = excluded.name, role = excluded.role,
				bounced_at = NULL, bounce = ''`,
			o.ID, c.Email, c.Name, c.Role)
		if err != nil {
			return fmt.Errorf("update contact %s: %w", c.Email, err)
		}
	}
	for _, c := range old {
		if !keep[c.Email] {
			if _, err := tx.exec(`DELETE FROM contacts WHERE id = ?`, c.ID); err != nil {
				return fmt.Errorf("remove contact %s: %w", c.Email, err)
			}
		}
	}
	return nil
}

// OrgByExternalID returns the id of the organization imported with an
// external id, or ErrNotFound.
func (tx *Tx) OrgByExternalID(ext string) (string, error) {
	var id string
	err := tx.queryRow(`SELECT id FROM orgs WHERE external_id = ?`, ext).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("org with external id %q: %w", ext, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read org by external id: %w", err)
	}
	return id, nil
}

// SetExternalID gives an organization the operator's own id for it.
func (tx *Tx) SetExternalID(orgID, ext string) error {
	if _, err := tx.exec(`UPDATE orgs SET external_id = ? WHERE id = ?`, ext, orgID); err != nil {
		if isUnique(err) {
			return fmt.Errorf("external id %q: %w", ext, ErrConflict)
		}
		return fmt.Errorf("set external id of %s: %w", orgID, err)
	}
	return nil
}

// SetDeactivated records when an organization was deactivated; a zero
// time makes it active again.
func (tx *Tx) SetDeactivated(orgID string, at time.Time) error {
	var v any
	if !at.IsZero() {
		v = ms(at)
	}
	res, err := tx.exec(`UPDATE orgs SET deactivated_at = ? WHERE id = ?`, v, orgID)
	if err != nil {
		return fmt.Errorf("set deactivation of org %s: %w", orgID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("org %s: %w", orgID, ErrNotFound)
	}
	return nil
}

// DeactivatedOrgs is the set of organizations deactivated: an advisory
// opens no case at them.
func (tx *Tx) DeactivatedOrgs() (map[string]bool, error) {
	rows, err := tx.query(`SELECT id FROM orgs WHERE deactivated_at IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("list deactivated orgs: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list deactivated orgs: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// CountCases counts the cases of an organization, whatever their state.
func (tx *Tx) CountCases(orgID string) (int, error) {
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM cases WHERE org_id = ?`, orgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count cases of org %s: %w", orgID, err)
	}
	return n, nil
}

// DeleteOrg removes an organization with its contacts and inventory. Its
// cases would go too (the schema cascades), so the caller deletes only an
// organization that has none: they are the evidence of what it was told.
func (tx *Tx) DeleteOrg(orgID string) error {
	res, err := tx.exec(`DELETE FROM orgs WHERE id = ?`, orgID)
	if err != nil {
		return fmt.Errorf("delete org %s: %w", orgID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("org %s: %w", orgID, ErrNotFound)
	}
	return nil
}
