package version

import (
	"strconv"
	"strings"
)

// This file implements the ordering of Maven's ComparableVersion (the
// "Version Order Specification" of the Maven POM reference), which Maven
// Central artifacts and GitHub advisories for Java use:
//
//   - a version is split into items at ".", "-" and every change between
//     digits and letters; "-" and a digit/letter change open a sub-list;
//   - numbers compare by value; qualifiers compare in the order
//     alpha < beta < milestone < rc = cr < snapshot < "" = final = ga = release
//     < sp, with unknown qualifiers after them in lexical order; "a1", "b1",
//     "m1" mean alpha-1, beta-1, milestone-1;
//   - trailing "null" items (0, "", empty lists) are dropped, so
//     1.0 = 1 = 1.0.0 = 1-final and 1-ga;
//   - a number is higher than a qualifier or a sub-list, a sub-list higher
//     than a qualifier.

type mvnKind uint8

const (
	mvnInt mvnKind = iota
	mvnString
	mvnList
)

type mvnItem struct {
	kind mvnKind
	val  string // int: digits without leading zeros; string: comparable qualifier
	list []*mvnItem
}

var mvnQualifiers = []string{"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"}

// mvnRelease is the comparable form of the release qualifier "".
var mvnRelease = strconv.Itoa(5)

func mvnQualifier(s string, followedByDigit bool) *mvnItem {
	if followedByDigit && len(s) == 1 {
		switch s {
		case "a":
			s = "alpha"
		case "b":
			s = "beta"
		case "m":
			s = "milestone"
		}
	}
	switch s {
	case "ga", "final", "release":
		s = ""
	case "cr":
		s = "rc"
	}
	for i, q := range mvnQualifiers {
		if q == s {
			return &mvnItem{kind: mvnString, val: strconv.Itoa(i)}
		}
	}
	return &mvnItem{kind: mvnString, val: strconv.Itoa(len(mvnQualifiers)) + "-" + s}
}

func mvnParseItem(number bool, s string) *mvnItem {
	if number {
		return &mvnItem{kind: mvnInt, val: strings.TrimLeft(s, "0")}
	}
	return mvnQualifier(s, false)
}

func parseMaven(v string) *mvnItem {
	v = strings.ToLower(trimSpace(v))
	list := &mvnItem{kind: mvnList}
	root := list
	stack := []*mvnItem{list}
	push := func() {
		l := &mvnItem{kind: mvnList}
		list.list = append(list.list, l)
		list = l
		stack = append(stack, l)
	}
	add := func(it *mvnItem) { list.list = append(list.list, it) }
	digits := false
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.' || c == '-':
			if i == start {
				add(&mvnItem{kind: mvnInt})
			} else {
				add(mvnParseItem(digits, v[start:i]))
			}
			start = i + 1
			if c == '-' {
				push()
			}
		case isDigit(c):
			if !digits && i > start {
				add(mvnQualifier(v[start:i], true))
				start = i
				push()
			}
			digits = true
		default:
			if digits && i > start {
				add(mvnParseItem(true, v[start:i]))
				start = i
				push()
			}
			digits = false
		}
	}
	if len(v) > start {
		add(mvnParseItem(digits, v[start:]))
	}
	for i := len(stack) - 1; i >= 0; i-- {
		stack[i].normalize()
	}
	return root
}

func (it *mvnItem) isNull() bool {
	switch it.kind {
	case mvnInt:
		return it.val == ""
	case mvnString:
		return it.val == mvnRelease
	}
	return len(it.list) == 0
}

// normalize drops trailing null items, looking through trailing sub-lists.
func (it *mvnItem) normalize() {
	for i := len(it.list) - 1; i >= 0; i-- {
		last := it.list[i]
		if last.isNull() {
			it.list = append(it.list[:i], it.list[i+1:]...)
		} else if last.kind != mvnList {
			break
		}
	}
}

// compare compares it with o; o == nil stands for a missing item.
func (it *mvnItem) compare(o *mvnItem) int {
	switch it.kind {
	case mvnInt:
		if o == nil {
			if it.val == "" {
				return 0
			}
			return 1
		}
		if o.kind == mvnInt {
			return compareDigits(it.val, o.val)
		}
		return 1
	case mvnString:
		if o == nil {
			return strings.Compare(it.val, mvnRelease)
		}
		if o.kind == mvnString {
			return strings.Compare(it.val, o.val)
		}
		return -1
	}
	if o == nil {
		if len(it.list) == 0 {
			return 0
		}
		return it.list[0].compare(nil)
	}
	switch o.kind {
	case mvnInt:
		return -1
	case mvnString:
		return 1
	}
	for i := 0; i < len(it.list) || i < len(o.list); i++ {
		var c int
		switch {
		case i >= len(it.list):
			c = -o.list[i].compare(nil)
		case i >= len(o.list):
			c = it.list[i].compare(nil)
		default:
			c = it.list[i].compare(o.list[i])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// compareMaven accepts any non-blank string, as Maven does.
func compareMaven(a, b string) (int, bool) {
	if trimSpace(a) == "" || trimSpace(b) == "" {
		return 0, false
	}
	return sign(parseMaven(a).compare(parseMaven(b))), true
}
