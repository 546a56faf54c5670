package subscribers

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/cpe"
)

// ImportError says where an inventory file is wrong. Line is the 1-based
// line of the file (0 when unknown); Item is the 1-based position of the
// item in a JSON "items" array (0 when the error is not about one item).
// An import with an error imports nothing.
type ImportError struct {
	Line int
	Item int
	Msg  string
}

func (e *ImportError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Item > 0 {
		fmt.Fprintf(&b, "item %d: ", e.Item)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// inventoryColumns are the columns of an inventory file.
var inventoryColumns = []string{"vendor", "product", "version", "cpe", "purl", "asset"}

// maxField bounds every field so that one bad row cannot bloat the store.
const maxField = 1024

// ParseInventoryCSV reads an inventory as CSV. The header names columns
// among vendor, product, version, cpe, purl and asset, in any order and
// case; an unknown or repeated column is an error that names it, and at
// least one of product, cpe and purl must be present. A UTF-8 byte order
// mark (as Excel writes) is ignored. Every row is validated (validateItem);
// the first error stops the import and no item is returned.
func ParseInventoryCSV(r io.Reader) ([]store.Item, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &ImportError{Line: 1, Msg: "empty file: want a header line naming the columns " + strings.Join(inventoryColumns, ", ")}
	}
	if err != nil {
		return nil, csvError(err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		c := strings.ToLower(strings.TrimSpace(h))
		if !isInventoryColumn(c) {
			return nil, &ImportError{Line: 1, Msg: fmt.Sprintf("unknown column %q (columns are %s)", h, strings.Join(inventoryColumns, ", "))}
		}
		if seen[c] {
			return nil, &ImportError{Line: 1, Msg: fmt.Sprintf("column %q appears twice", c)}
		}
		seen[c] = true
		cols[i] = c
	}
	if !seen["product"] && !seen["cpe"] && !seen["purl"] {
		return nil, &ImportError{Line: 1, Msg: "the header has none of the columns product, cpe and purl, so no row could be matched"}
	}
	items := []store.Item{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(cols) {
			return nil, &ImportError{Line: line, Msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(cols))}
		}
		var it store.Item
		for i, v := range rec {
			setColumn(&it, cols[i], strings.TrimSpace(v))
		}
		if err := validateItem(it); err != nil {
			return nil, &ImportError{Line: line, Msg: err.Error()}
		}
		items = append(items, it)
	}
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ImportError{Line: pe.Line, Msg: pe.Err.Error()}
	}
	return &ImportError{Msg: err.Error()}
}

func isInventoryColumn(c string) bool {
	for _, k := range inventoryColumns {
		if c == k {
			return true
		}
	}
	return false
}

func setColumn(it *store.Item, col, v string) {
	switch col {
	case "vendor":
		it.Vendor = v
	case "product":
		it.Product = v
	case "version":
		it.Version = v
	case "cpe":
		it.CPE = v
	case "purl":
		it.PURL = v
	case "asset":
		it.Asset = v
	}
}

// ParseInventoryJSON reads an inventory as {"items":[{"vendor":...,
// "product":...,"version":...,"cpe":...,"purl":...,"asset":...}]}.
// Unknown fields, at the top or in an item, are rejected; errors carry the
// line and the item's position. Every item is validated; the first error
// stops the import and no item is returned.
func ParseInventoryJSON(r io.Reader) ([]store.Item, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ImportError{Msg: "read: " + err.Error()}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	fail := func(item int, msg string) ([]store.Item, error) {
		return nil, &ImportError{Line: lineAt(data, dec.InputOffset()), Item: item, Msg: msg}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fail(0, `want an object {"items": [...]}`)
	}
	var items []store.Item
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(0, err.Error())
		}
		if tok != "items" {
			return fail(0, fmt.Sprintf("unknown field %q (only \"items\" is allowed)%s", tok, sbomHint(tok)))
		}
		if items != nil {
			return fail(0, `"items" appears twice`)
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return fail(0, `"items" must be an array`)
		}
		items = []store.Item{}
		for dec.More() {
			n := len(items) + 1
			start := skipSpace(data, dec.InputOffset())
			var f itemFields
			if err := dec.Decode(&f); err != nil {
				return fail(n, strings.TrimPrefix(err.Error(), "json: "))
			}
			it := f.item()
			if err := validateItem(it); err != nil {
				return nil, &ImportError{Line: lineAt(data, start), Item: n, Msg: err.Error()}
			}
			items = append(items, it)
		}
		if _, err := dec.Token(); err != nil {
			return fail(0, err.Error())
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(0, err.Error())
	}
	if items == nil {
		return fail(0, `no "items" array`)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(0, "unexpected data after the object")
	}
	return items, nil
}

// itemFields is one item of an inventory file in JSON.
type itemFields struct {
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
	Version string `json:"version"`
	CPE     string `json:"cpe"`
	PURL    string `json:"purl"`
	Asset   string `json:"asset"`
}

func (f itemFields) item() store.Item {
	return store.Item{Vendor: strings.TrimSpace(f.Vendor), Product: strings.TrimSpace(f.Product),
		Version: strings.TrimSpace(f.Version), CPE: strings.TrimSpace(f.CPE), PURL: strings.TrimSpace(f.PURL),
		Asset: strings.TrimSpace(f.Asset)}
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}

func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
			continue
		}
		break
	}
	return off
}

// validateItem checks that an inventory item can be matched: it needs a product, a CPE
// or a purl (a vendor alone names nothing to match), the CPE and purl must
// parse, and no field may be longer than 1024 bytes, hold control
// characters or invalid UTF-8.
func validateItem(it store.Item) error {
	fields := []struct{ name, v string }{{"vendor", it.Vendor}, {"product", it.Product}, {"version", it.Version},
		{"cpe", it.CPE}, {"purl", it.PURL}, {"asset", it.Asset}}
	for _, f := range fields {
		if len(f.v) > maxField {
			return fmt.Errorf("%s is %d bytes long, at most %d allowed", f.name, len(f.v), maxField)
		}
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("%s is not valid UTF-8", f.name)
		}
		if strings.ContainsFunc(f.v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return fmt.Errorf("%s %q contains a control character", f.name, f.v)
		}
	}
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	switch {
	case blank(it.Vendor) && blank(it.Product) && blank(it.CPE) && blank(it.PURL):
		return errors.New("no vendor, product, cpe or purl: nothing identifies the item")
	case blank(it.Product) && blank(it.CPE) && blank(it.PURL):
		return fmt.Errorf("vendor %q without a product, cpe or purl cannot be matched", it.Vendor)
	}
	if !blank(it.CPE) {
		if _, err := cpe.Parse(strings.TrimSpace(it.CPE)); err != nil {
			return err
		}
	}
	if !blank(it.PURL) {
		if _, err := packageIdentity(it.PURL); err != nil {
			return fmt.Errorf("purl %q: %v", it.PURL, err)
		}
	}
	return nil
}
