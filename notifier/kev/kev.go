// Package kev reads the catalog of known exploited vulnerabilities that
// CISA publishes (KEV, JSON: {"vulnerabilities":[{"cveID","dateAdded",
// "dueDate",...}]}): for each entry, its CVE, the day it was catalogued and
// the day remediation is due. The other fields of the catalog are not used.
package kev

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// Entry is one catalogued vulnerability.
type Entry struct {
	CVE       string    // upper case
	DateAdded time.Time // the day it was catalogued, 00:00 UTC
	Due       time.Time // the day remediation is due, 00:00 UTC; zero: none given
}

var cvePattern = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// IsCVE reports whether s (any case) is a CVE identifier.
func IsCVE(s string) bool { return cvePattern.MatchString(strings.ToUpper(s)) }

// Parse reads a catalog. Anything wrong — not JSON, no "vulnerabilities"
// list, an entry without a CVE identifier or with a date that is not
// YYYY-MM-DD — refuses the whole catalog, naming the entry. A CVE listed
// twice keeps its earliest due date.
func Parse(data []byte) ([]Entry, error) {
	var doc struct {
		Vulnerabilities *[]struct {
			CVEID     *string `json:"cveID"`
			DateAdded *string `json:"dateAdded"`
			DueDate   *string `json:"dueDate"`
		} `json:"vulnerabilities"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a KEV catalog: %w", jsonError(data, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not a KEV catalog: more after the JSON object")
	}
	if doc.Vulnerabilities == nil {
		return nil, errors.New(`not a KEV catalog: no "vulnerabilities" list`)
	}
	var out []Entry
	at := map[string]int{}
	for i, v := range *doc.Vulnerabilities {
		if v.CVEID == nil || !IsCVE(strings.TrimSpace(*v.CVEID)) {
			got := "missing"
			if v.CVEID != nil {
				got = fmt.Sprintf("%q", *v.CVEID)
			}
			return nil, fmt.Errorf("vulnerabilities[%d].cveID: %s; want an identifier like CVE-2021-44228", i, got)
		}
		e := Entry{CVE: strings.ToUpper(strings.TrimSpace(*v.CVEID))}
		var err error
		if v.DateAdded == nil {
			return nil, fmt.Errorf("vulnerabilities[%d] (%s).dateAdded: missing", i, e.CVE)
		}
		if e.DateAdded, err = day(*v.DateAdded); err != nil {
			return nil, fmt.Errorf("vulnerabilities[%d] (%s).dateAdded: %w", i, e.CVE, err)
		}
		if v.DueDate != nil && *v.DueDate != "" {
			if e.Due, err = day(*v.DueDate); err != nil {
				return nil, fmt.Errorf("vulnerabilities[%d] (%s).dueDate: %w", i, e.CVE, err)
			}
		}
		if j, dup := at[e.CVE]; dup {
			if was := out[j].Due; was.IsZero() || !e.Due.IsZero() && e.Due.Before(was) {
				out[j].Due = e.Due
			}
			continue
		}
		at[e.CVE] = len(out)
		out = append(out, e)
	}
	return out, nil
}

func day(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2021-12-24", s)
	}
	return t, nil
}

// jsonError says where in data a decoding error is, by line and column.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}
