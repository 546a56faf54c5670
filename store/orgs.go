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
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Language  string    `json:"language"`
	Timezone  string    `json:"timezone"`
	CreatedAt time.Time `json:"created_at"`
	Contacts  []Contact `json:"contacts"`
	Items     int       `json:"items"`
}

// Contact is a person Heed mails on behalf of an organization.
type Contact struct {
	ID      int64     `json:"-"`
	OrgID   string    `json:"-"`
	Email   string    `json:"email"`
	Name    string    `json:"name"`
	Role    string    `json:"role"` // primary or escalation
	Bounced time.Time `json:"bounced_at,omitzero"`
	Bounce  string    `json:"bounce,omitempty"` // the relay's permanent refusal
}

// ErrConflict is returned when a record would duplicate a unique one.
var ErrConflict = errors.New("conflict")

// CreateOrg inserts an organization and its contacts.
func (tx *Tx) CreateOrg(o *Org) error {
	_, err := tx.exec(
		`INSERT INTO orgs (id, name, language, timezone, created_at) VALUES (?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.Language, o.Timezone, ms(o.CreatedAt))
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

const orgColumns = `o.id, o.name, o.language, o.timezone, o.created_at,
	(SELECT count(*) FROM items i WHERE i.org_id = o.id)`

func scanOrg(row interface{ Scan(...any) error }) (Org, error) {
	var o Org
	var created int64
	err := row.Scan(&o.ID, &o.Name, &o.Language, &o.Timezone, &created, &o.Items)
	o.CreatedAt = fromMS(created)
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

// Orgs lists all organizations with their contacts, by name.
func (tx *Tx) Orgs() ([]Org, error) {
	rows, err := tx.query(`SELECT ` + orgColumns + ` FROM orgs o ORDER BY o.name, o.id`)
	if err != nil {
		return nil, fmt.Errorf("list orgs: %w", err)
	}
	var orgs []Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list orgs: %w", err)
		}
		orgs = append(orgs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list orgs: %w", err)
	}
	for i := range orgs {
		if orgs[i].Contacts, err = tx.Contacts(orgs[i].ID); err != nil {
			return nil, err
		}
	}
	return orgs, nil
}

// Contacts lists the contacts of an organization, primary first.
func (tx *Tx) Contacts(orgID string) ([]Contact, error) {
	rows, err := tx.query(
		`SELECT id, org_id, email, name, role, bounced_at, bounce FROM contacts
		 WHERE org_id = ? ORDER BY role = 'escalation', id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	var cs []Contact
	for rows.Next() {
		var c Contact
		var bounced sql.NullInt64
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Email, &c.Name, &c.Role, &bounced, &c.Bounce); err != nil {
			return nil, fmt.Errorf("list contacts: %w", err)
		}
		c.Bounced = fromNullMS(bounced)
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// Contact returns one contact.
func (tx *Tx) Contact(id int64) (Contact, error) {
	var c Contact
	var bounced sql.NullInt64
	err := tx.queryRow(
		`SELECT id, org_id, email, name, role, bounced_at, bounce FROM contacts WHERE id = ?`, id).
		Scan(&c.ID, &c.OrgID, &c.Email, &c.Name, &c.Role, &bounced, &c.Bounce)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("contact %d: %w", id, ErrNotFound)
	}
	c.Bounced = fromNullMS(bounced)
	return c, err
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

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// OrgNames returns the names of the given organizations, by id.
func (tx *Tx) OrgNames(ids []string) (map[string]string, error) {
	names := make(map[string]string, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		rows, err := tx.tx.QueryContext(tx.ctx, `SELECT id, name FROM orgs WHERE id IN (`+placeholders(len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("read org names: %w", err)
		}
		for rows.Next() {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read org names: %w", err)
			}
			names[id] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read org names: %w", err)
		}
	}
	return names, nil
}

// UpdateOrg rewrites an organization's name, language, time zone and
// contacts. A contact whose address stays keeps its record, and so its links
// and its bounce state; a contact no longer listed is removed; new ones are
// added.
func (tx *Tx) UpdateOrg(o *Org) error {
	res, err := tx.exec(`UPDATE orgs SET name = ?, language = ?, timezone = ? WHERE id = ?`,
		o.Name, o.Language, o.Timezone, o.ID)
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
			ON CONFLICT (org_id, email) DO UPDATE SET name = excluded.name, role = excluded.role`,
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
