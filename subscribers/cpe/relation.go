package cpe

import "strings"

// Relation is a NISTIR 7696 attribute comparison result: how the set of
// values a source attribute denotes relates to the target's.
type Relation uint8

const (
	Disjoint  Relation = iota // no value in common
	Subset                    // source ⊂ target
	Superset                  // source ⊃ target
	Equal                     // the same set
	Undefined                 // target has wildcards: 7696 does not define the result
)

func (r Relation) String() string {
	return [...]string{"DISJOINT", "SUBSET", "SUPERSET", "EQUAL", "UNDEFINED"}[r]
}

// Compare relates a source attribute (the advisory's, which may carry
// wildcards) to a target attribute (the inventory's), per NISTIR 7696
// section 6.2.
func Compare(source, target Value) Relation {
	switch {
	case target.HasWildcards():
		return Undefined
	case source == target:
		return Equal
	case source.Kind == Any:
		return Superset
	case target.Kind == Any:
		return Subset
	case source.Kind == NA || target.Kind == NA:
		return Disjoint
	case matchWildcards(source, target.Text):
		return Superset
	}
	return Disjoint
}

// matchWildcards is NISTIR 7696's compareStrings: text must contain
// source.Text with at most Prefix characters before it and at most Suffix
// after it, any number for "*".
func matchWildcards(source Value, text string) bool {
	for from := 0; from <= len(text); {
		i := strings.Index(text[from:], source.Text)
		if i < 0 {
			return false
		}
		i += from
		if source.Prefix >= 0 && i > source.Prefix {
			return false
		}
		if after := len(text) - i - len(source.Text); source.Suffix < 0 || after <= source.Suffix {
			return true
		}
		from = i + 1
	}
	return false
}

// VersionString joins version and update the way vendors write them, so
// that version "9.0" with update "r3.3" gives "9.0r3.3" (which the generic
// ordering equals to "9.0R3.3"); an update starting with a digit is joined
// with "-". It is "" when the version is not a concrete string.
func (n Name) VersionString() string {
	if !n.Version.Concrete() {
		return ""
	}
	if !n.Update.Concrete() || n.Update.Text == "" {
		return n.Version.Text
	}
	u := n.Update.Text
	if '0' <= u[0] && u[0] <= '9' {
		return n.Version.Text + "-" + u
	}
	return n.Version.Text + u
}
