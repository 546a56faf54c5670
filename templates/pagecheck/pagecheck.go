// Package pagecheck holds what tests of Heed's operator pages check about
// their language: that a page shown in Japanese says nothing in English
// that the catalog translates. Only tests import it.
package pagecheck

import (
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"

	"github.com/heed-dev/heed/templates"
)

// Visible is the text a reader of doc sees, a line per text node: text
// outside style and script, and the title, alt, placeholder and
// aria-label attributes, but nothing inside an element marked
// translate="no" or in another language than the page's (lang="en" in a
// Japanese page: a parser's reason, a mail's own text).
func Visible(doc string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(doc))
	type open struct {
		name string
		skip bool
	}
	var stack []open
	skipping := func() bool { return len(stack) > 0 && stack[len(stack)-1].skip }
	pageLang := ""
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken: // the end, or a document the other checks refuse
			return b.String()
		case html.TextToken:
			if !skipping() {
				b.Write(z.Text())
				b.WriteByte('\n')
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			if string(name) == "html" {
				pageLang = attrs["lang"]
			}
			skip := skipping() || string(name) == "style" || string(name) == "script" || attrs["translate"] == "no" ||
				attrs["lang"] != "" && attrs["lang"] != pageLang
			if !skip {
				for _, a := range []string{"title", "alt", "placeholder", "aria-label"} {
					if v := attrs[a]; v != "" {
						b.WriteString(v)
						b.WriteByte('\n')
					}
				}
			}
			if tt == html.StartTagToken && !isVoid(string(name)) {
				stack = append(stack, open{string(name), skip})
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].name == string(name) {
					stack = stack[:i]
					break
				}
			}
		}
	}
}

func isVoid(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr":
		return true
	}
	return false
}

// operatorKey reports whether k is a catalog key operator pages word: their own ("op.")
// and the severities, answer statuses and justifications they share with
// the mails.
func operatorKey(k string) bool {
	for _, p := range []string{"op.", "sev.", "st.", "just."} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

var (
	verb = regexp.MustCompile(`%(\[\d+\])?[sdqv]`)
	word = regexp.MustCompile(`[A-Za-z]{3,}`)
)

// LeftoverEnglish walks the operator keys of the catalog and lists, for
// the Japanese page doc, each English sentence (or each fixed part of a
// formatted one, between its %s) that the page still shows as a whole
// word sequence. A part is skipped when the Japanese sentence keeps its
// words (names such as Heed, [smtp], SHA-256) or when it is itself a
// Japanese sentence (the switch offers "English").
func LeftoverEnglish(doc string) []string {
	text := Visible(doc)
	en, ja := templates.Sentences("en"), templates.Sentences("ja")
	jaSentences := map[string]bool{}
	for _, s := range ja {
		jaSentences[s] = true
	}
	var out []string
	for key, sentence := range en {
		if !operatorKey(key) {
			continue
		}
		for _, part := range verb.Split(sentence, -1) {
			part = strings.Trim(part, " :;,.()—→←·\"'“”")
			if part == "" || jaSentences[part] || !newWords(part, ja[key]) {
				continue
			}
			re := regexp.MustCompile(`(?:^|[^A-Za-z0-9_])` + regexp.QuoteMeta(part) + `(?:$|[^A-Za-z0-9_])`)
			if re.MatchString(text) {
				out = append(out, key+": "+part)
			}
		}
	}
	slices.Sort(out)
	return out
}

// newWords reports whether part has a word of three letters or more that
// the Japanese sentence does not keep.
func newWords(part, ja string) bool {
	for _, w := range word.FindAllString(part, -1) {
		if !strings.Contains(ja, w) {
			return true
		}
	}
	return false
}

// StrayWords lists the words of three letters or more in the Japanese
// page doc's visible text that neither a Japanese sentence of the catalog
// nor the page's data (data: every string the page was given) contains:
// English written into a template instead of the catalog.
func StrayWords(doc string, data []string) []string {
	known := strings.Join(data, "\n")
	var ja strings.Builder
	for _, s := range templates.Sentences("ja") {
		ja.WriteString(s)
		ja.WriteByte('\n')
	}
	catalog := ja.String()
	seen := map[string]bool{}
	var out []string
	for _, w := range word.FindAllString(Visible(doc), -1) {
		if seen[w] || strings.Contains(catalog, w) || strings.Contains(known, w) {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	slices.Sort(out)
	return out
}
