package subscribers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// OrgRow is one organization of an import file, with the line it came from.
type OrgRow struct {
	Line       int
	ExternalID string
	Spec       OrgSpec
}

// orgColumns are an import file's columns; the first six are required.
var orgColumns = []string{"external_id", "name", "language", "timezone", "contacts", "escalation",
	"business_hours", "digest", "digest_time"}

const requiredOrgColumns = 6

// ParseOrgsCSV reads an organization import file (header required) and
// checks every row; the first bad row is an error naming its line, so a
// caller imports all of the file or none of it.
func ParseOrgsCSV(r io.Reader) ([]OrgRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: header %s: %w", strings.Join(orgColumns[:requiredOrgColumns], ","), err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range orgColumns {
			known = known || c == h
		}
		if !known {
			return nil, fmt.Errorf("line 1: column %q is not one of %s", h, strings.Join(orgColumns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("line 1: column %q appears twice", h)
		}
		col[h] = i
	}
	for _, c := range orgColumns[:requiredOrgColumns] {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("line 1: column %q is missing; the header must name %s", c, strings.Join(orgColumns[:requiredOrgColumns], ","))
		}
	}
	var rows []OrgRow
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := OrgRow{Line: line, ExternalID: get("external_id"), Spec: OrgSpec{Name: get("name"), Language: get("language"),
			Timezone: get("timezone"), BusinessHours: get("business_hours"), Digest: get("digest"), DigestTime: get("digest_time")}}
		if row.ExternalID == "" || len(row.ExternalID) > 200 {
			return nil, fmt.Errorf("line %d: external_id: required, at most 200 characters", line)
		}
		if first, dup := seen[row.ExternalID]; dup {
			return nil, fmt.Errorf("line %d: external_id %q is also on line %d", line, row.ExternalID, first)
		}
		seen[row.ExternalID] = line
		for _, g := range []struct{ column, role string }{{"contacts", "primary"}, {"escalation", "escalation"}} {
			for _, addr := range strings.Split(get(g.column), ";") {
				if addr = strings.TrimSpace(addr); addr != "" {
					row.Spec.Contacts = append(row.Spec.Contacts, ContactSpec{Email: addr, Role: g.role})
				}
			}
		}
		// Checked here, as the server will store it, so that a bad row
		// refuses the file before anything is written.
		if _, err := row.Spec.Org("", time.Time{}); err != nil {
			return nil, fmt.Errorf("line %d (%s): %w", line, row.ExternalID, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}
