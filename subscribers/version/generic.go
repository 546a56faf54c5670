package version

import (
	"unicode"
	"unicode/utf8"
)

// CompareGeneric orders vendor version strings that follow no published
// scheme, such as Pulse Secure's 9.0R3.3, Fortinet's 6.4.10, "2.1 build 5"
// or MATLAB's R2019a. It never fails and never panics.
//
// The algorithm:
//
//  1. Surrounding space is ignored, and a leading "v" or "V" directly
//     followed by a digit is dropped ("V4.1" = "4.1").
//  2. The string is split into tokens: runs of ASCII digits (numeric) and
//     runs of letters (alphabetic, compared case-insensitively). Every other
//     character (".", "-", "_", "+", "(", space, ...) only separates tokens,
//     so "9.0R3.3", "9.0-r3.3" and "9.0 R3 3" are equal.
//  3. Trailing numeric tokens equal to zero are dropped: "6.4.0" = "6.4".
//  4. The token lists are compared left to right. Two numeric tokens compare
//     by value (any length, leading zeros ignored); two alphabetic tokens
//     compare lexically; an alphabetic token is lower than a numeric one
//     ("2.1 build 5" < "2.1.1", "1.0a" < "1.0.1").
//  5. When one list is a prefix of the other, the shorter one is lower:
//     9.0 < 9.0R1 < 9.0R3.3 < 9.0R3.4 < 9.0R10, 2.1 < 2.1 build 5.
//
// Build suffixes therefore sort after the version they extend
// ("1.2.3+build7" > "1.2.3"), which is what a patched rebuild usually means.
// Pre-release words are not special: "1.0-beta" > "1.0". Sources whose
// versions carry pre-releases should declare semver, pypi or maven.
func CompareGeneric(a, b string) int {
	ta := newTokenizer(a)
	tb := newTokenizer(b)
	for {
		ka, xa, oka := ta.next()
		kb, xb, okb := tb.next()
		switch {
		case !oka && !okb:
			return 0
		case !oka:
			return -1
		case !okb:
			return 1
		}
		if ka != kb {
			if ka == tokAlpha {
				return -1
			}
			return 1
		}
		var c int
		if ka == tokNum {
			c = compareDigits(xa, xb)
		} else {
			c = compareFold(xa, xb)
		}
		if c != 0 {
			return c
		}
	}
}

type tokKind uint8

const (
	tokNum tokKind = iota + 1
	tokAlpha
)

// tokenizer yields the tokens of a generic version up to end, the offset
// just after the last token that is not a trailing zero.
type tokenizer struct {
	s   string
	pos int
	end int
}

func newTokenizer(s string) tokenizer {
	s = trimSpace(s)
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && isDigit(s[1]) {
		s = s[1:]
	}
	t := tokenizer{s: s, end: len(s)}
	// Find where trailing zero tokens start.
	scan := tokenizer{s: s, end: len(s)}
	end := 0
	for {
		k, x, ok := scan.next()
		if !ok {
			break
		}
		if k == tokAlpha || !allZero(x) {
			end = scan.pos
		}
	}
	t.end = end
	return t
}

func (t *tokenizer) next() (tokKind, string, bool) {
	for t.pos < t.end {
		c := t.s[t.pos]
		if isDigit(c) {
			start := t.pos
			for t.pos < t.end && isDigit(t.s[t.pos]) {
				t.pos++
			}
			return tokNum, t.s[start:t.pos], true
		}
		r, w := rune(c), 1
		if c >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(t.s[t.pos:])
		}
		if !unicode.IsLetter(r) {
			t.pos += w
			continue
		}
		start := t.pos
		for t.pos < t.end {
			r, w := rune(t.s[t.pos]), 1
			if r >= utf8.RuneSelf {
				r, w = utf8.DecodeRuneInString(t.s[t.pos:])
			}
			if !unicode.IsLetter(r) {
				break
			}
			t.pos += w
		}
		return tokAlpha, t.s[start:t.pos], true
	}
	return 0, "", false
}

func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}

// compareFold compares two letter runs rune by rune, ignoring case.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, wa := utf8.DecodeRuneInString(a)
		rb, wb := utf8.DecodeRuneInString(b)
		ra, rb = unicode.ToLower(ra), unicode.ToLower(rb)
		if ra != rb {
			return sign(int(ra) - int(rb))
		}
		a, b = a[wa:], b[wb:]
	}
	return sign(len(a) - len(b))
}

func trimSpace(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for s != "" {
		c := s[len(s)-1]
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}
