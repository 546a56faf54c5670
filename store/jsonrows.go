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
// read returns zero and next false. It keeps its place as an offset into
// the value (a string resliced at every column is a pointer written each
// time, which costs a write barrier while the collector runs).
type jsonRows struct {
	value string // the array, as SQLite wrote it
	at    int    // where the next read starts
	err   error
}

var errJSONRows = errors.New("malformed rows")

// next moves to the next row and reports whether there is one.
func (r *jsonRows) next() bool {
	if r.err != nil {
		return false
	}
	rest := r.value[r.at:]
	switch {
	case r.at == 0 && strings.HasPrefix(rest, "[["):
		r.at += 2
	case r.at > 0 && strings.HasPrefix(rest, "],["):
		r.at += 3
	case r.at == 0 && rest == "[]" || r.at > 0 && rest == "]]":
		r.at = len(r.value)
		return false
	default:
		r.err = errJSONRows
		return false
	}
	return true
}

// start skips the comma before a column and reports where the column starts.
func (r *jsonRows) start() int {
	at := r.at
	if at < len(r.value) && r.value[at] == ',' {
		at++
	}
	return at
}

// text reads the next column as a string. Without a backslash it is the
// text up to the next quote, a substring of the value; with one, the
// closing quote is the first one not escaped and the string is decoded.
func (r *jsonRows) text() string {
	if r.err != nil {
		return ""
	}
	v := r.value
	at := r.start()
	if at >= len(v) || v[at] != '"' {
		r.err = errJSONRows
		return ""
	}
	end := strings.IndexByte(v[at+1:], '"') + at + 1
	if end == at {
		r.err = errJSONRows
		return ""
	}
	if strings.IndexByte(v[at+1:end], '\\') < 0 {
		r.at = end + 1
		return v[at+1 : end]
	}
	for end = at + 1; end < len(v) && v[end] != '"'; end++ {
		if v[end] == '\\' {
			end++
		}
	}
	var s string
	if end >= len(v) || json.Unmarshal([]byte(v[at:end+1]), &s) != nil {
		r.err = errJSONRows
		return ""
	}
	r.at = end + 1
	return s
}

// int reads the next column as an integer.
func (r *jsonRows) int() int64 {
	if r.err != nil {
		return 0
	}
	v := r.value
	at := r.start()
	end := at
	for end < len(v) && v[end] != ',' && v[end] != ']' {
		end++
	}
	n, err := strconv.ParseInt(v[at:end], 10, 64)
	if err != nil {
		r.err = errJSONRows
		return 0
	}
	r.at = end
	return n
}
