package cpe

import (
	"errors"
	"fmt"
	"strings"
)

// parseURI reads the components of a CPE 2.2 URI after "cpe:/": up to
// seven, missing ones ANY, with the edition possibly packing the 2.3
// extended attributes as "~edition~sw_edition~target_sw~target_hw~other".
func parseURI(s string) (Name, error) {
	comps := strings.Split(s, ":")
	if len(comps) > 7 {
		return Name{}, fmt.Errorf("has %d components after \"cpe:/\", at most 7 allowed", len(comps))
	}
	var n Name
	attrs := n.attrs()
	names := []string{"part", "vendor", "product", "version", "update", "edition", "language"}
	for i, c := range comps {
		if i == 5 && strings.HasPrefix(c, "~") {
			packed := strings.Split(c, "~")
			if len(packed) != 6 {
				return Name{}, fmt.Errorf("packed edition %q has %d fields, want 5", c, len(packed)-1)
			}
			for j, p := range packed[1:] {
				v, err := decodeURI(p)
				if err != nil {
					return Name{}, fmt.Errorf("packed edition: %w", err)
				}
				*[]*Value{&n.Edition, &n.SWEdition, &n.TargetSW, &n.TargetHW, &n.Other}[j] = v
			}
			continue
		}
		v, err := decodeURI(c)
		if err != nil {
			return Name{}, fmt.Errorf("%s: %w", names[i], err)
		}
		*attrs[i] = v
	}
	return checkPart(n)
}

// decodeURI turns one URI component into a value: empty is ANY, "-" is NA,
// "%01" and "%02" are the "?" and "*" wildcards, other percent-encoded
// bytes are literal characters.
func decodeURI(c string) (Value, error) {
	switch c {
	case "":
		return Value{Kind: Any}, nil
	case "-":
		return Value{Kind: NA}, nil
	}
	v := Value{Kind: Literal}
	var text strings.Builder
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if ch != '%' {
			if ch <= ' ' || ch == 0x7f {
				return Value{}, fmt.Errorf("has the character %q", ch)
			}
			text.WriteByte(lower(ch))
			continue
		}
		if i+2 >= len(c) {
			return Value{}, errors.New("has a truncated percent-encoding")
		}
		b, ok := unhex(c[i+1 : i+3])
		if !ok {
			return Value{}, fmt.Errorf("has the bad percent-encoding %q", c[i:i+3])
		}
		i += 2
		switch b {
		case 0x01, 0x02:
			ch := byte('?')
			if b == 0x02 {
				ch = '*'
			}
			if err := v.wildcard(ch, text.Len() == 0, isEncodedTail(c, i+1, c[i-2:i+1])); err != nil {
				return Value{}, err
			}
		default:
			if b <= ' ' || b == 0x7f {
				return Value{}, fmt.Errorf("encodes the control character %q", b)
			}
			text.WriteByte(lower(b))
		}
	}
	return finish(v, text.String()), nil
}

// isEncodedTail reports whether c[from:] repeats enc ("%01" or "%02") only.
func isEncodedTail(c string, from int, enc string) bool {
	rest := c[from:]
	for rest != "" {
		if len(rest) < 3 || !strings.EqualFold(rest[:3], enc) {
			return false
		}
		rest = rest[3:]
	}
	return true
}

func unhex(s string) (byte, bool) {
	var b byte
	for i := 0; i < 2; i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		b = b<<4 | c
	}
	return b, true
}
