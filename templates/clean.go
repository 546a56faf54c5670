package templates

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxSubjectRunes bounds a subject. RFC 5322 allows long folded lines, but
// mail clients cut subjects near 80 characters anyway and an advisory title
// has no business being longer than a paragraph.
const maxSubjectRunes = 200

// cleanText makes an untrusted string safe to place in a mail body or a
// page: invalid UTF-8 is replaced, CRLF and lone CR become LF, and every
// control character except newline and tab is dropped. Bidirectional
// overrides and isolates are dropped too, because they can make displayed
// text (a URL, an asset name) read differently from what it is.
func cleanText(s string) string {
	if isClean(s, false) {
		return s // most are: nothing to copy
	}
	return cleanTextWhole(s)
}

// cleanTextWhole is cleanText for a string that is not clean already.
func cleanTextWhole(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\u2028' || r == '\u2029':
			return '\n'
		case unicode.IsControl(r) || isBidiControl(r):
			return -1
		}
		return r
	}, s)
}

// OneLine makes an untrusted string fit on one header line: everything
// cleanText drops is dropped, and newlines, tabs and runs of spaces become a
// single space. A subject built only from OneLine strings cannot start a new
// header, whatever the advisory's title contains.
func OneLine(s string) string {
	if isClean(s, true) {
		return s // most are: nothing to copy
	}
	return oneLineWhole(s)
}

// oneLineWhole is OneLine for a string that is not one clean line already.
func oneLineWhole(s string) string {
	s = cleanTextWhole(s)
	if oneLine(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// isClean reports whether cleanText (line false) or OneLine (line true)
// returns s as it is: valid UTF-8 without a character they drop or
// change, and for a line, without a space but single ' ' between words.
// ASCII is looked at a byte at a time, without decoding runes.
func isClean(s string, line bool) bool {
	if line && s != "" && (s[0] == ' ' || s[len(s)-1] == ' ') {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ':
				// On a line, a space is never the last byte: s[i+1] is there.
				if line && s[i+1] == ' ' {
					return false
				}
			case c == '\n' || c == '\t':
				if line {
					return false
				}
			case c < ' ' || c == 0x7f:
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) || isBidiControl(r) ||
			r == '\u2028' || r == '\u2029' || line && unicode.IsSpace(r) {
			return false
		}
		i += size
	}
	return true
}

// oneLine reports whether s has no space but single ' ' between words, so
// that OneLine would return it as it is.
func oneLine(s string) bool {
	prevSpace := true // a space at the start is one too many
	for _, r := range s {
		space := unicode.IsSpace(r)
		if space && (r != ' ' || prevSpace) {
			return false
		}
		prevSpace = space
	}
	return !prevSpace || s == ""
}

// isBidiControl reports the Unicode bidirectional formatting characters
// (embeddings, overrides, isolates and marks).
func isBidiControl(r rune) bool {
	switch {
	case r >= '\u202A' && r <= '\u202E':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	case r == '\u200E' || r == '\u200F' || r == '\u061C':
		return true
	}
	return false
}

// truncateRunes cuts s to at most n runes, marking the cut with an ellipsis.
func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// linkURL returns s when it is an absolute http or https URL with a host,
// and "" otherwise. Advisory documents are untrusted: a javascript:, data:
// or file: URL must never become a link, in HTML or in the text part (where
// a mail client would linkify it).
func linkURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.IsSpace(r) || isBidiControl(r)
	}) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return s
	}
	return ""
}
