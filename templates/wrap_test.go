package templates

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// unwrapped joins the lines wrap made: with a space between words, with
// nothing between wide characters.
func unwrapped(s string) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(lines[i-1])
			next, _ := utf8.DecodeRuneInString(l)
			if l != "" && lines[i-1] != "" && !wide(prev) && !wide(next) {
				b.WriteByte(' ')
			} else if l == "" || lines[i-1] == "" {
				b.WriteByte('\n')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

func TestWrapKeepsLinesWithinTheTerminal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in string }{
		{strings.Repeat("word ", 40)},
		{strings.Repeat("影響を受ける製品をご確認ください。", 10)},
		{"short"},
		{"see https://example.org/" + strings.Repeat("x", 100) + " for details"},
	} {
		got := wrap(tt.in)
		for _, l := range strings.Split(got, "\n") {
			if runeWidth(l) > textWidth && !strings.Contains(l, "https://") {
				t.Errorf("line of %d columns: %q", runeWidth(l), l)
			}
			if strings.HasPrefix(l, "。") || strings.HasPrefix(l, "、") {
				t.Errorf("a line begins with closing punctuation: %q", l)
			}
		}
		if unwrapped(got) != strings.TrimRight(tt.in, " ") {
			t.Errorf("wrap lost text:\n got %q\nwant %q", unwrapped(got), tt.in)
		}
	}
}

// TestWideAsTheTables: wide's quick answers (below U+2E80, the kana, the
// unified ideographs) agree with the tables for every character.
func TestWideAsTheTables(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
		if wide(r) != want {
			t.Fatalf("wide(%U) = %v, the tables say %v", r, !want, want)
		}
	}
}

// TestWrapReplacesBrokenUTF8: a byte that is not UTF-8 comes out as
// U+FFFD, inside a word of ASCII as in a word of wide characters, and a
// word of ASCII comes out as it is.
func TestWrapReplacesBrokenUTF8(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain ascii words":      "plain ascii words",
		"ab\xffcd next":          "ab\uFFFDcd next",
		"\xe6\x97 日本\xff語 x\xc3": "\uFFFD\uFFFD 日本\uFFFD語 x\uFFFD", // a byte each
	} {
		if got := wrap(in); got != want {
			t.Errorf("wrap(%q) = %q, want %q", in, got, want)
		}
	}
}
