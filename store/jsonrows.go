package store

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Rows read as one value. database/sql hands over each text column of each
// row as a Go string of its own (an allocation, and another to box it as a
// driver.Value), with a cgo call, a lock and a Scan per row: for an
// advisory's 10,000 candidate items, 100,000 allocations and about four
// times the CPU SQLite takes to read them. A read of many rows whose columns
// are all wanted is therefore asked as one value, the JSON array of the rows
// (SQLite's json_group_array of json_array), and cut in Go into substrings
// of that one string, which share its memory. SQLite writes it without
// spaces; a string is copied only when it holds an escape.

// jsonRows reads the rows of such an array, column by column: next before
// each row, then its columns in order. The first error sticks: every later
// read returns zero and next false.
type jsonRows struct {
	rest string
	err  error
}

var errJSONRows = errors.New("malformed rows")

// next moves to the next row and reports whether there is one.
func (r *jsonRows) next() bool {
	if r.err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(r.rest, "[["):
		r.rest = r.rest[2:]
	case strings.HasPrefix(r.rest, "],["):
		r.rest = r.rest[3:]
	case r.rest == "]]" || r.rest == "[]":
		r.rest = ""
		return false
	default:
		r.err = errJSONRows
		return false
	}
	return true
}

// token takes the next column's JSON text, up to the comma or bracket after it.
func (r *jsonRows) token() string {
	if r.err != nil {
		return ""
	}
	r.rest = strings.TrimPrefix(r.rest, ",")
	end := 0
	if strings.HasPrefix(r.rest, `"`) {
		// The closing quote is the first one not escaped.
		for end = 1; end < len(r.rest) && r.rest[end] != '"'; end++ {
			if r.rest[end] == '\\' {
				end++
			}
		}
		end++
	} else {
		end = strings.IndexAny(r.rest, ",]")
	}
	if end <= 0 || end > len(r.rest) {
		r.err = errJSONRows
		return ""
	}
	tok := r.rest[:end]
	r.rest = r.rest[end:]
	return tok
}

// text reads the next column as a string.
func (r *jsonRows) text() string {
	tok := r.token()
	if r.err != nil {
		return ""
	}
	if len(tok) < 2 || tok[0] != '"' {
		r.err = errJSONRows
		return ""
	}
	if !strings.Contains(tok, `\`) {
		return tok[1 : len(tok)-1]
	}
	var s string
	if err := json.Unmarshal([]byte(tok), &s); err != nil {
		r.err = errJSONRows
	}
	return s
}

// int reads the next column as an integer.
func (r *jsonRows) int() int64 {
	tok := r.token()
	if r.err != nil {
		return 0
	}
	v, err := strconv.ParseInt(tok, 10, 64)
	if err != nil {
		r.err = errJSONRows
	}
	return v
}
