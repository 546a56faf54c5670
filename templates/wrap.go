package templates

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// textWidth is the column the text part wraps Heed's own sentences at, so
// that it reads well in a terminal (advisory text and links are left as
// they are: a link broken in two no longer works).
const textWidth = 72

// wrap breaks each line of s into lines of at most width columns, at spaces
// or between wide (CJK) characters, which count two columns and may be
// broken between in Japanese. A word longer than the width keeps its line.
// Spaces at the start and the end of a line are dropped.
func wrap(s string) string {
	return string(appendWrap(make([]byte, 0, len(s)+len(s)/textWidth+1), s))
}

// appendWrap appends s wrapped as wrap wraps it: a mail's text part
// writes its sentences so, without a string of each.
func appendWrap(out []byte, s string) []byte {
	for first := true; ; first = false {
		line, rest, more := strings.Cut(s, "\n")
		if !first {
			out = append(out, '\n')
		}
		out = appendWrapped(out, line, textWidth)
		if !more {
			return out
		}
		s = rest
	}
}

// appendWrapped appends line to out, broken into lines of at most width
// columns. A line may break before a word or a wide character, never
// before closing punctuation.
func appendWrapped(out []byte, line string, width int) []byte {
	start, col := len(out), 0 // where the current line starts, its width
	for i := 0; i < len(line); {
		r, size := decodeRune(line, i)
		if r == ' ' {
			if col > 0 && col < width {
				out = append(out, ' ')
				col++
			}
			i++
			continue
		}
		// The next token: one wide character, or a word up to the next
		// space or wide character.
		end, w, ascii := i+size, 2, line[i] < utf8.RuneSelf
		if !wide(r) {
			for w = 1; end < len(line); w++ {
				r, size := decodeRune(line, end)
				if r == ' ' || wide(r) {
					break
				}
				ascii = ascii && line[end] < utf8.RuneSelf
				end += size
			}
		}
		if col > 0 && col+w > width && !closingPunct(line[i:end]) {
			out = append(trimSpaces(out, start), '\n')
			start, col = len(out), 0
		}
		if ascii {
			out = append(out, line[i:end]...)
		} else {
			for _, r := range line[i:end] { // invalid UTF-8 becomes U+FFFD
				out = utf8.AppendRune(out, r)
			}
		}
		col += w
		i = end
	}
	return trimSpaces(out, start)
}

// decodeRune is utf8.DecodeRuneInString(s[i:]), an ASCII byte without the
// call.
func decodeRune(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// trimSpaces drops the spaces that end out after start.
func trimSpaces(out []byte, start int) []byte {
	for len(out) > start && out[len(out)-1] == ' ' {
		out = out[:len(out)-1]
	}
	return out
}

func wide(r rune) bool {
	switch {
	case r < 0x2E80: // below every range that follows: most text, quickly
		return false
	case r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF:
		return true
	// Most of Japanese text, in the tables below, without a search: the
	// kana and the unified ideographs (ー, U+30FC, is neither kana nor Han).
	case r >= 0x3041 && r <= 0x3096, r >= 0x30A1 && r <= 0x30FA, r >= 0x4E00 && r <= 0x9FFF:
		return true
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
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
// ー is not wide: it may end a word.
func closingPunct(tok string) bool {
	return strings.ContainsAny(tok, "。、）」』，．：；！？ー")
}

// wrapped is the catalog sentence for key wrapped for the text part: the
// sentences in wrappedOnce are wrapped once, not once a mail.
func (v view) wrapped(key string) string {
	if s, ok := wrappedOnce[v.lang][key]; ok {
		return s
	}
	return wrap(v.t(key))
}

// wrappedOnce holds, per language, the sentences every mail's text part
// wraps as they are (no argument fills them in).
var wrappedOnce = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for lang, catalog := range catalogs {
		out[lang] = map[string]string{}
		for _, key := range []string{"cta.explain", "cta.answers", "item.hint"} {
			if s, ok := catalog[key]; ok {
				out[lang][key] = wrap(s)
			}
		}
	}
	return out
}()
