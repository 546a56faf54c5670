package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Lists that can grow to every organization of a country are read in pages:
// a fixed number of statements per page, whatever its length, and a cursor
// (the sort key of the page's last row) that starts the next page where the
// last one ended. A row changing place between two pages (a case answered
// meanwhile) may be seen twice or not at all; each page is one snapshot.

// ErrBadCursor is returned for a cursor this store did not hand out.
var ErrBadCursor = errors.New("not a cursor from a previous page")

// CaseQuery selects one page of cases.
type CaseQuery struct {
	CaseFilter
	Cursor string // empty: the first page; else CasePage.Next
	Limit  int    // rows in the page, at least one
	// NoItems leaves CasePage.Items empty, for a list that shows none (the
	// CSV export): the items were half of an export's time and allocation.
	NoItems bool
}

// CasePage is one page of cases, with what a list of them shows beside each:
// its items, its organization's name, its advisory's title and severity.
type CasePage struct {
	Cases      []Case
	Items      map[string][]CaseItem // by case id
	OrgNames   map[string]string     // by org id
	Advisories map[string]AdvisoryHead
	Next       string // cursor of the following page; empty on the last
}

// AdvisoryHead is what a list of cases shows of their advisory.
type AdvisoryHead struct {
	Title, Severity string
}

// CasePage reads one page of cases matching q (q.Limit rows, at least one)
// in the order of Cases, and what is shown beside them, in four statements
// (three without the items).
func (tx *Tx) CasePage(q CaseQuery) (CasePage, error) {
	if q.Limit < 1 {
		return CasePage{}, errors.New("case page: a limit is required")
	}
	where, args := q.where()
	// A filter that keeps one state keeps rows whose state <> 'open' is the
	// same: ordered by the rest of the list order, they come from the
	// cases_state_list index in order from the cursor on, instead of from
	// a scan of cases_list past every row of the other states.
	order := `state <> 'open', due_at, opened_at, id`
	kept, oneState := q.oneState()
	if oneState {
		order = `due_at, opened_at, id`
	}
	if q.Cursor != "" {
		var notOpen, due, opened int64
		var id string
		if err := decodeCursor(q.Cursor, &notOpen, &due, &opened, &id); err != nil {
			return CasePage{}, err
		}
		switch {
		case !oneState:
			where = append(where, `(state <> 'open', due_at, opened_at, id) > (?, ?, ?, ?)`)
			args = append(args, notOpen, due, opened, id)
		case kept == notOpen:
			where = append(where, `(due_at, opened_at, id) > (?, ?, ?)`)
			args = append(args, due, opened, id)
		case kept < notOpen:
			where = append(where, `0`) // the cursor is past every row kept
		} // kept > notOpen: every row kept comes after the cursor
	}
	query := `SELECT ` + caseColumns + ` FROM cases`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY ` + order + ` LIMIT ?`
	cases, err := tx.queryCases(query, append(args, q.Limit+1)...)
	if err != nil {
		return CasePage{}, err
	}
	var p CasePage
	if len(cases) > q.Limit {
		cases = cases[:q.Limit]
		last := cases[len(cases)-1]
		p.Next = encodeCursor(btoi(last.State != CaseOpen), ms(last.DueAt), ms(last.OpenedAt), last.ID)
	}
	p.Cases = cases
	ids, orgs, advs := make([]string, len(cases)), make([]string, len(cases)), make([]string, len(cases))
	for i, c := range cases {
		ids[i], orgs[i], advs[i] = c.ID, c.OrgID, c.AdvisoryID
	}
	if !q.NoItems {
		if p.Items, err = tx.caseItemsOf(ids); err != nil {
			return p, err
		}
	}
	if p.OrgNames, err = tx.OrgNames(orgs); err != nil {
		return p, err
	}
	if p.Advisories, err = tx.advisoryHeads(advs); err != nil {
		return p, err
	}
	return p, nil
}

// idList binds a list of ids as one value, read back with json_each, so that
// a statement about a whole page has one placeholder however long the page.
// An id of printable ASCII without a quote or a backslash is written as it
// is (json.Marshal took a tenth of a preview's reading of 6,000 names);
// any other is encoded by encoding/json.
func idList(ids []string) string {
	n := 2
	for _, id := range ids {
		n += len(id) + 3
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		if !plainJSON(id) {
			q, _ := json.Marshal(id)
			b.Write(q)
			continue
		}
		b.WriteByte('"')
		b.WriteString(id)
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}

// plainJSON reports whether s is a JSON string's text as it is.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (tx *Tx) caseItemsOf(caseIDs []string) (map[string][]CaseItem, error) {
	rows, err := tx.query(`SELECT case_id, `+caseItemColumns+`
		FROM case_items WHERE case_id IN (SELECT value FROM json_each(?)) ORDER BY id`, idList(caseIDs))
	if err != nil {
		return nil, fmt.Errorf("list case items: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]CaseItem, len(caseIDs))
	for rows.Next() {
		var id string
		it, err := scanCaseItem(rows, &id)
		if err != nil {
			return nil, fmt.Errorf("list case items: %w", err)
		}
		out[id] = append(out[id], it)
	}
	return out, rows.Err()
}

// OrgNames returns the names of the given organizations, by id.
func (tx *Tx) OrgNames(orgIDs []string) (map[string]string, error) {
	rows, n, err := tx.orgNameRows(orgIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, n)
	for rows.next() {
		id := rows.text()
		out[id] = rows.text()
	}
	if rows.err != nil {
		return nil, fmt.Errorf("read org names: %w", rows.err)
	}
	return out, nil
}

// OrgNamesOf returns the names of the given organizations in their order,
// "" for an id no organization has: an advisory's preview names thousands,
// and a map of them cost more than reading them.
func (tx *Tx) OrgNamesOf(orgIDs []string) ([]string, error) {
	rows, _, err := tx.orgNameRows(orgIDs)
	if err != nil {
		return nil, err
	}
	names, inOrder := alignNames(&rows, orgIDs)
	if rows.err != nil {
		return nil, fmt.Errorf("read org names: %w", rows.err)
	}
	if inOrder {
		return names, nil
	}
	byID, err := tx.OrgNames(orgIDs)
	if err != nil {
		return nil, err
	}
	for i, id := range orgIDs {
		names[i] = byID[id]
	}
	return names, nil
}

// orgNameRows reads the id and name of each of the given organizations
// that exists, as one value (jsonRows), with their number. Each is found in
// the index holding id and name (migration 33), named in the statement
// because SQLite would take the primary key's and then read the table:
// 6,000 names took 5.8 ms of SQLite's CPU that way, 3.0 ms this way. The
// rows come in the order of the ids, as the join reads them (alignNames
// checks it).
func (tx *Tx) orgNameRows(orgIDs []string) (rows jsonRows, n int, err error) {
	err = tx.queryRow(`SELECT count(*), json_group_array(json_array(o.id, o.name))
		FROM json_each(?) j JOIN orgs o INDEXED BY orgs_names ON o.id = j.value`,
		idList(orgIDs)).Scan(&n, &rows.value)
	if err != nil {
		return rows, 0, fmt.Errorf("read org names: %w", err)
	}
	return rows, n, nil
}

// alignNames gives each id the name of its row, reading the rows in the
// order of ids, where an id without a row has none. It reports false when
// a row is not where that order puts it.
func alignNames(rows *jsonRows, ids []string) (names []string, inOrder bool) {
	names = make([]string, len(ids))
	k := 0
	for rows.next() {
		id, name := rows.text(), rows.text()
		for k < len(ids) && ids[k] != id {
			k++
		}
		if k == len(ids) {
			return names, false
		}
		names[k] = name
		k++
	}
	return names, true
}

func (tx *Tx) advisoryHeads(ids []string) (map[string]AdvisoryHead, error) {
	rows, err := tx.query(`SELECT id, title, severity FROM advisories WHERE id IN (SELECT value FROM json_each(?))`, idList(ids))
	if err != nil {
		return nil, fmt.Errorf("read advisories: %w", err)
	}
	defer rows.Close()
	out := map[string]AdvisoryHead{}
	for rows.Next() {
		var id string
		var h AdvisoryHead
		if err := rows.Scan(&id, &h.Title, &h.Severity); err != nil {
			return nil, fmt.Errorf("read advisories: %w", err)
		}
		out[id] = h
	}
	return out, rows.Err()
}

// CaseTotals counts the cases matching f (its Limit ignored) by state.
func (tx *Tx) CaseTotals(f CaseFilter) (map[string]int, error) {
	where, args := f.where()
	q := `SELECT state, count(*) FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	return tx.countByState(q+` GROUP BY state`, args...)
}

// OrgQuery selects one page of organizations, by name.
type OrgQuery struct {
	Cursor string
	Limit  int
}

// OrgPage is one page of organizations, each with its contacts.
type OrgPage struct {
	Orgs []Org
	Next string // empty on the last page
}

// OrgPage reads one page of organizations in two statements.
func (tx *Tx) OrgPage(q OrgQuery) (OrgPage, error) {
	if q.Limit < 1 {
		return OrgPage{}, errors.New("org page: a limit is required")
	}
	query, args := `SELECT `+orgColumns+` FROM orgs o`, []any{}
	if q.Cursor != "" {
		var name, id string
		if err := decodeCursor(q.Cursor, &name, &id); err != nil {
			return OrgPage{}, err
		}
		query += ` WHERE (o.name, o.id) > (?, ?)`
		args = append(args, name, id)
	}
	rows, err := tx.query(query+` ORDER BY o.name, o.id LIMIT ?`, append(args, q.Limit+1)...)
	if err != nil {
		return OrgPage{}, fmt.Errorf("list orgs: %w", err)
	}
	var p OrgPage
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			rows.Close()
			return OrgPage{}, fmt.Errorf("list orgs: %w", err)
		}
		p.Orgs = append(p.Orgs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return OrgPage{}, fmt.Errorf("list orgs: %w", err)
	}
	if len(p.Orgs) > q.Limit {
		p.Orgs = p.Orgs[:q.Limit]
		last := p.Orgs[len(p.Orgs)-1]
		p.Next = encodeCursor(last.Name, last.ID)
	}
	ids := make([]string, len(p.Orgs))
	for i, o := range p.Orgs {
		ids[i] = o.ID
	}
	contacts, err := tx.contactsOf(ids)
	if err != nil {
		return p, err
	}
	for i := range p.Orgs {
		p.Orgs[i].Contacts = contacts[p.Orgs[i].ID]
	}
	return p, nil
}

// contactsOf returns the contacts of the given organizations, primary
// first, by organization.
func (tx *Tx) contactsOf(orgIDs []string) (map[string][]Contact, error) {
	return tx.contactsIn(idList(orgIDs), len(orgIDs))
}

// contactsIn is contactsOf for n organizations given as an idList.
func (tx *Tx) contactsIn(orgIDs string, n int) (map[string][]Contact, error) {
	rows, err := tx.query(`SELECT `+contactColumns+` FROM contacts
		WHERE org_id IN (SELECT value FROM json_each(?)) ORDER BY role = 'escalation', id`, orgIDs)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]Contact, n)
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, fmt.Errorf("list contacts: %w", err)
		}
		out[c.OrgID] = append(out[c.OrgID], c)
	}
	return out, rows.Err()
}

// A cursor is the sort key of a page's last row, as JSON, made opaque so
// that nobody builds one by hand and relies on its shape.
func encodeCursor(key ...any) string {
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor back into dst, one pointer per key.
func decodeCursor(cursor string, dst ...any) error {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	var key []json.RawMessage
	if err == nil {
		err = json.Unmarshal(b, &key)
	}
	if err == nil && len(key) != len(dst) {
		err = errors.New("wrong length")
	}
	for i := 0; err == nil && i < len(dst); i++ {
		err = json.Unmarshal(key[i], dst[i])
	}
	if err != nil {
		return fmt.Errorf("cursor %q: %w", cursor, ErrBadCursor)
	}
	return nil
}

func btoi(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
