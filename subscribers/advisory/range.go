package advisory

import (
	"strings"

	"github.com/heed-dev/heed/subscribers/version"
)

// Contains reports whether version v lies in r when versions are ordered
// under scheme (see version.Compare; an empty scheme is generic).
func (r Range) Contains(scheme, v string) bool {
	if !fromStart(r.Introduced) || r.IntroducedExclusive {
		c := order(scheme, v, r.Introduced)
		if c < 0 || c == 0 && r.IntroducedExclusive {
			return false
		}
	}
	if r.Fixed != "" && order(scheme, v, r.Fixed) >= 0 {
		return false
	}
	if r.LastAffected != "" && order(scheme, v, r.LastAffected) > 0 {
		return false
	}
	if r.Limit != "" && order(scheme, v, r.Limit) >= 0 {
		return false
	}
	return true
}

// String renders r in interval notation for a person: "[9.0R1, 9.0R3.4)",
// "(1.0, 2.0]", "[0, *)". A limit is appended as "below 3.0".
func (r Range) String() string {
	var b strings.Builder
	if r.IntroducedExclusive {
		b.WriteByte('(')
	} else {
		b.WriteByte('[')
	}
	if r.Introduced == "" {
		b.WriteByte('0')
	} else {
		b.WriteString(r.Introduced)
	}
	b.WriteString(", ")
	switch {
	case r.Fixed != "":
		b.WriteString(r.Fixed)
		b.WriteByte(')')
	case r.LastAffected != "":
		b.WriteString(r.LastAffected)
		b.WriteByte(']')
	default:
		b.WriteString("*)")
	}
	if r.Limit != "" {
		b.WriteString(" below ")
		b.WriteString(r.Limit)
	}
	return b.String()
}

// fromStart reports whether an Introduced value means "from the first
// version": empty or "0", the OSV convention.
func fromStart(introduced string) bool {
	return introduced == "" || introduced == "0"
}

// order is version.Compare with the unknown-scheme error dropped: the result
// is then the generic ordering, which is what matching wants.
func order(scheme, a, b string) int {
	c, _ := version.Compare(scheme, a, b)
	return c
}
