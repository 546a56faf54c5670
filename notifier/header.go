package notifier

import (
	"bytes"
	"encoding/base64"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Header lines are folded (RFC 5322 section 2.2.3): a long Japanese title,
// Q-encoded on one line, made a Subject line far past the 998 octets RFC 5322
// allows, and a strict relay refuses such a mail at DATA.
const (
	// foldAt is RFC 5322's recommended line length; every line Heed writes
	// stays within it when the value has spaces to fold at.
	foldAt = 78
	// maxWordText bounds the encoded text of one RFC 2047 encoded-word, so
	// that a word (12 more characters of "=?utf-8?b?" and "?=") stays within
	// RFC 2047's 75 and fits after "Subject: " on a 78-character line.
	maxWordText = 56
	// maxPlainWord is the longest space-free run kept as plain text; a longer
	// one could not be folded, so the whole value is encoded instead.
	maxPlainWord = 64
)

// writeHeader writes one header field, folded before a space wherever the
// line would pass foldAt. Unfolding (removing each CRLF) gives back value.
func writeHeader(buf *bytes.Buffer, name, value string) {
	buf.WriteString(name)
	buf.WriteByte(':')
	n := len(name) + 1 // the length of the line so far
	for first := true; ; first = false {
		tok, rest, more := strings.Cut(value, " ")
		if !first && tok != "" && n+1+len(tok) > foldAt {
			buf.WriteString("\r\n")
			n = 0
		}
		buf.WriteByte(' ')
		buf.WriteString(tok)
		n += 1 + len(tok)
		if !more {
			break
		}
		value = rest
	}
	buf.WriteString("\r\n")
}

// headerText returns s for an unstructured header such as Subject: as it is
// when it is printable ASCII with words short enough to fold and nothing a
// decoder would take for an encoded-word, else as RFC 2047 encoded-words of
// whole characters, at most 75 octets each, separated by spaces (a decoder
// drops the space between two encoded-words, so the text comes back exact).
func headerText(s string) string {
	if plainHeaderText(s) {
		return s
	}
	return encodedWords(s)
}

func plainHeaderText(s string) bool {
	if strings.Contains(s, "=?") {
		return false
	}
	for _, w := range strings.Split(s, " ") {
		if len(w) > maxPlainWord {
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// encodedWords encodes s in both RFC 2047 encodings and keeps the shorter:
// Q keeps mostly-English text readable in the raw mail, B is a third the
// size of Q for Japanese.
func encodedWords(s string) string {
	qCost := make([]int, len(s)+1) // qCost[i]: the Q length of s[:i]
	for i := 0; i < len(s); i++ {
		qCost[i+1] = qCost[i] + qLen(s[i])
	}
	q := splitWords(s, qText, func(start, end int) int { return qCost[end] - qCost[start] })
	b := splitWords(s, bText, func(start, end int) int { return (end - start + 2) / 3 * 4 })
	words, enc := q, "q"
	if len(strings.Join(b, "")) < len(strings.Join(q, "")) {
		words, enc = b, "b"
	}
	for i, w := range words {
		words[i] = "=?utf-8?" + enc + "?" + w + "?="
	}
	return strings.Join(words, " ")
}

// splitWords encodes s with encode in pieces of whole characters, each at
// most maxWordText long, so no character is split across two encoded-words.
// size(start, end) is the encoded length of s[start:end], without encoding it.
func splitWords(s string, encode func(string) string, size func(start, end int) int) []string {
	var words []string
	start := 0
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		if i > start && size(start, i+n) > maxWordText {
			words = append(words, encode(s[start:i]))
			start = i
		}
		i += n
	}
	if start < len(s) {
		words = append(words, encode(s[start:]))
	}
	return words
}

// qText is RFC 2047's Q encoding, keeping only the characters allowed in
// an encoded-word that stands in a phrase (section 5 (3)), so the same text
// is safe in a Subject and in a display name.
func qText(s string) string {
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			b = append(b, '_')
		case qWord(c):
			b = append(b, c)
		default:
			b = append(b, '=', upperHex[c>>4], upperHex[c&0x0f])
		}
	}
	return string(b)
}

// qWord reports whether c stands for itself in a Q-encoded word.
func qWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!*+-/", c) >= 0
}

// qLen is the length of c Q-encoded, as qText writes it.
func qLen(c byte) int {
	if c == ' ' || qWord(c) {
		return 1
	}
	return 3
}

func bText(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// addressText renders an address for From or To, its display name encoded
// as headerText does, so a long name folds like a long subject.
func addressText(a *mail.Address) string {
	if a.Name == "" || plainHeaderText(a.Name) {
		return a.String()
	}
	return encodedWords(a.Name) + " <" + a.Address + ">"
}
