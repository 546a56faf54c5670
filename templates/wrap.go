package templates

import (
	"strings"
	"unicode"
)

// textWidth is the column the text part wraps Heed's own sentences at, so
// that it reads well in a terminal (advisory text and links are left as
// they are: a link broken in two no longer works).
const textWidth = 72

// wrap breaks each line of s into lines of at most width columns, at spaces
// or between wide (CJK) characters, which count two columns and may be
// broken between in Japanese. A word longer than the width keeps its line.
func wrap(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		out = append(out, wrapLine(line, textWidth)...)
	}
	return strings.Join(out, "\n")
}

func wrapLine(line string, width int) []string {
	var lines []string
	var cur strings.Builder
	col := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		col = 0
	}
	for _, tok := range tokens(line) {
		w := runeWidth(tok)
		if tok == " " {
			if col > 0 && col < width {
				cur.WriteString(" ")
				col++
			}
			continue
		}
		if col > 0 && col+w > width && !closingPunct(tok) {
			flush()
		}
		cur.WriteString(tok)
		col += w
	}
	if cur.Len() > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// tokens splits a line into words, single spaces and single wide characters.
func tokens(s string) []string {
	var out []string
	var word strings.Builder
	end := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == ' ':
			end()
			out = append(out, " ")
		case wide(r):
			end()
			out = append(out, string(r))
		default:
			word.WriteRune(r)
		}
	}
	end()
	return out
}

func wide(r rune) bool {
	if r < 0x2E80 { // below every range that follows: most text, quickly
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

func runeWidth(s string) int {
	n := 0
	for _, r := range s {
		if wide(r) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// closingPunct reports whether a token must not begin a line (Japanese
// line-breaking rules: 。、）」 and the like stay with what they close).
func closingPunct(tok string) bool {
	return strings.ContainsAny(tok, "。、）」』，．：；！？ー")
}
