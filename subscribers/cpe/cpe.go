// Package cpe parses CPE names (2.3 formatted strings and 2.2 URIs) into
// well-formed names (NISTIR 7695) and compares their attributes with the
// name matching relations of NISTIR 7696.
//
// Heed matches advisories to inventories on part, vendor and product only;
// version and update are compared separately under the advisory's version
// scheme, because CPE's string matching cannot say that 9.0R3.3 lies below
// 9.0R3.4.
package cpe

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what an attribute value is.
type Kind uint8

const (
	// Any is the logical value ANY ("*"): any value, the attribute is unstated.
	Any Kind = iota
	// NA is the logical value NA ("-"): the attribute does not apply.
	NA
	// Literal is a string value, possibly with leading or trailing wildcards.
	Literal
)

// Value is one attribute of a name. Text is the value unquoted and in
// lower case (CPE matching is case-insensitive), without the wildcards;
// Prefix and Suffix say which wildcards surround it: 0 none, -1 an
// unquoted "*", n > 0 that many unquoted "?".
type Value struct {
	Kind           Kind
	Text           string
	Prefix, Suffix int
}

// HasWildcards reports whether v is a literal with a "*" or "?".
func (v Value) HasWildcards() bool {
	return v.Kind == Literal && (v.Prefix != 0 || v.Suffix != 0)
}

// Concrete reports whether v is a plain string: no ANY, NA or wildcard.
func (v Value) Concrete() bool {
	return v.Kind == Literal && !v.HasWildcards()
}

// String binds v as in a 2.3 formatted string.
func (v Value) String() string {
	switch v.Kind {
	case Any:
		return "*"
	case NA:
		return "-"
	}
	var b strings.Builder
	writeWild(&b, v.Prefix)
	for i := 0; i < len(v.Text); i++ {
		c := v.Text[i]
		// A formatted string writes "." and "-" unquoted, except a lone "-"
		// that would read as NA.
		if !plain(c) && c != '.' && (c != '-' || v.Text == "-" && v.Prefix == 0 && v.Suffix == 0) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	writeWild(&b, v.Suffix)
	return b.String()
}

func writeWild(b *strings.Builder, n int) {
	if n < 0 {
		b.WriteByte('*')
	}
	for ; n > 0; n-- {
		b.WriteByte('?')
	}
}

// plain reports whether c needs no quoting in a WFN value.
func plain(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c >= 0x80
}

// Name is a well-formed CPE name: its eleven attributes.
type Name struct {
	Part, Vendor, Product, Version, Update, Edition, Language,
	SWEdition, TargetSW, TargetHW, Other Value
}

func (n *Name) attrs() [11]*Value {
	return [11]*Value{&n.Part, &n.Vendor, &n.Product, &n.Version, &n.Update, &n.Edition,
		&n.Language, &n.SWEdition, &n.TargetSW, &n.TargetHW, &n.Other}
}

// String binds n as a CPE 2.3 formatted string.
func (n Name) String() string {
	var b strings.Builder
	b.WriteString("cpe:2.3")
	for _, v := range n.attrs() {
		b.WriteByte(':')
		b.WriteString(v.String())
	}
	return b.String()
}

// Parse reads a CPE 2.3 formatted string ("cpe:2.3:a:ivanti:connect_secure:
// 9.0:r3.3:*:*:*:*:*:*") or a CPE 2.2 URI ("cpe:/a:pulsesecure:
// pulse_connect_secure:9.0:r3.3"). The error says what is wrong.
func Parse(s string) (Name, error) {
	n, err := parse(s)
	if err != nil {
		return Name{}, fmt.Errorf("cpe %q: %w", s, err)
	}
	return n, nil
}

func parse(s string) (Name, error) {
	switch {
	case len(s) >= 8 && strings.EqualFold(s[:8], "cpe:2.3:"):
		return parseFS(s[8:])
	case len(s) >= 5 && strings.EqualFold(s[:5], "cpe:/"):
		return parseURI(s[5:])
	}
	return Name{}, errors.New(`does not start with "cpe:2.3:" or "cpe:/"`)
}

func checkPart(n Name) (Name, error) {
	if n.Part.Kind == Literal && (n.Part.HasWildcards() || n.Part.Text != "a" && n.Part.Text != "o" && n.Part.Text != "h") {
		return Name{}, fmt.Errorf("part %q is not a, o or h", n.Part.String())
	}
	return n, nil
}

// parseFS reads the eleven components of a formatted string.
func parseFS(s string) (Name, error) {
	var comps []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			comps = append(comps, s[start:i])
			start = i + 1
		}
	}
	comps = append(comps, s[start:])
	if len(comps) != 11 {
		return Name{}, fmt.Errorf("has %d components after \"cpe:2.3:\", want 11", len(comps))
	}
	var n Name
	names := []string{"part", "vendor", "product", "version", "update", "edition", "language", "sw_edition", "target_sw", "target_hw", "other"}
	for i, v := range n.attrs() {
		val, err := unbindFS(comps[i])
		if err != nil {
			return Name{}, fmt.Errorf("%s: %w", names[i], err)
		}
		*v = val
	}
	return checkPart(n)
}

// unbindFS turns one formatted-string component into a value.
func unbindFS(c string) (Value, error) {
	switch c {
	case "*":
		return Value{Kind: Any}, nil
	case "-":
		return Value{Kind: NA}, nil
	case "":
		return Value{}, errors.New("empty component")
	}
	v := Value{Kind: Literal}
	var text strings.Builder
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case ch == '\\':
			if i+1 >= len(c) {
				return Value{}, errors.New(`ends with "\"`)
			}
			i++
			if c[i] <= ' ' || c[i] == 0x7f {
				return Value{}, fmt.Errorf("quotes the control character %q", c[i])
			}
			text.WriteByte(lower(c[i]))
		case ch == '*' || ch == '?':
			if err := v.wildcard(ch, text.Len() == 0, isTail(c, i)); err != nil {
				return Value{}, err
			}
		case ch <= ' ' || ch == 0x7f:
			return Value{}, fmt.Errorf("has the character %q", ch)
		case plain(ch) || ch == '-' || ch == '.':
			text.WriteByte(lower(ch))
		default:
			return Value{}, fmt.Errorf("has the unquoted character %q", ch)
		}
	}
	return finish(v, text.String()), nil
}

// isTail reports whether everything after c[i] is unquoted wildcards of
// the same kind, so that c[i] starts the trailing wildcards.
func isTail(c string, i int) bool {
	for j := i; j < len(c); j++ {
		if c[j] != c[i] {
			return false
		}
	}
	return true
}

// wildcard records an unquoted "*" or "?" seen before any text (head) or
// in the trailing run (tail). Wildcards inside a value are not allowed.
func (v *Value) wildcard(ch byte, head, tail bool) error {
	switch {
	case head && v.Prefix >= 0 && !(ch == '*' && v.Prefix != 0) && !(ch == '?' && v.Prefix < 0):
		if ch == '*' {
			v.Prefix = -1
		} else {
			v.Prefix++
		}
		return nil
	case tail && v.Suffix >= 0 && !(ch == '*' && v.Suffix != 0):
		if ch == '*' {
			v.Suffix = -1
		} else {
			v.Suffix++
		}
		return nil
	}
	return fmt.Errorf("has a %q wildcard that is not at the start or end", ch)
}

// finish sets the text of a literal; one made of "*" alone, or with
// nothing besides wildcards that include a "*", is ANY.
func finish(v Value, text string) Value {
	v.Text = text
	if text == "" && (v.Prefix < 0 || v.Suffix < 0) {
		return Value{Kind: Any}
	}
	return v
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
