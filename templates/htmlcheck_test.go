package templates

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// element is a start tag found by parseHTML.
type element struct {
	name  string
	attrs map[string]string
}

// voidElements have no end tag.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// parseHTML reads doc with golang.org/x/net/html's tokenizer and holds it to
// what this package writes, which is stricter than what a browser forgives:
// every non-void element closed, in order; no tag cut off; no event handler
// attribute; no bare "<" in text (html/template writes &lt;). It returns the
// start tags in order. (A repeated attribute is not seen: the tokenizer
// keeps the first, as browsers do.)
func parseHTML(doc string) ([]element, error) {
	var (
		els   []element
		stack []string
	)
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return nil, err
			}
			if raw := z.Raw(); len(raw) > 0 {
				return nil, fmt.Errorf("unterminated %.30q", raw)
			}
			if len(stack) > 0 {
				return nil, fmt.Errorf("unclosed elements %v", stack)
			}
			return els, nil
		case html.TextToken:
			if raw := z.Raw(); bytes.ContainsRune(raw, '<') {
				return nil, fmt.Errorf("bare '<' in text %.30q (should be &lt;)", raw)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(stack) == 0 || stack[len(stack)-1] != string(name) {
				return nil, fmt.Errorf("end tag </%s> does not close the open %v", name, stack)
			}
			stack = stack[:len(stack)-1]
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			el := element{name: tok.Data, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				if strings.HasPrefix(a.Key, "on") {
					return nil, fmt.Errorf("event handler attribute %s in <%s>", a.Key, el.name)
				}
				el.attrs[a.Key] = a.Val
			}
			els = append(els, el)
			if !voidElements[el.name] {
				stack = append(stack, el.name)
			}
		case html.DoctypeToken:
			if tok := z.Token(); !strings.EqualFold(tok.Data, "html") {
				return nil, fmt.Errorf("unexpected doctype %q", tok.Data)
			}
		}
	}
}

// checkDocument parses doc and checks what every document of this package
// must have: a doctype, a lang, a viewport, and no script or remote content.
func checkDocument(t *testing.T, doc string) []element {
	t.Helper()
	els, err := parseHTML(doc)
	if err != nil {
		t.Fatalf("not well-formed HTML: %v\n%s", err, doc)
	}
	if !strings.HasPrefix(doc, "<!DOCTYPE html>") {
		t.Error("no doctype")
	}
	var lang, viewport bool
	for _, el := range els {
		switch el.name {
		case "script", "img", "link", "object", "embed", "base":
			t.Errorf("document has a <%s> element", el.name)
		case "html":
			lang = el.attrs["lang"] != ""
		case "meta":
			viewport = viewport || el.attrs["name"] == "viewport"
		}
		for _, a := range []string{"href", "src", "action"} {
			if v, ok := el.attrs[a]; ok && strings.Contains(strings.ToLower(v), "javascript:") {
				t.Errorf("<%s %s=%q>", el.name, a, v)
			}
		}
	}
	if strings.Contains(strings.ToLower(doc), "<script") {
		t.Error("document contains <script")
	}
	if !lang {
		t.Error("<html> has no lang")
	}
	if !viewport {
		t.Error("no <meta name=viewport>")
	}
	return els
}

// checkMailHTML adds the mail-only rules: inline styles, no style block.
func checkMailHTML(t *testing.T, doc string) {
	t.Helper()
	for _, el := range checkDocument(t, doc) {
		if el.name == "style" || el.name == "iframe" || el.name == "form" {
			t.Errorf("mail has a <%s> element", el.name)
		}
	}
}

func TestParseHTMLRejects(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		"<p>unclosed",
		"<p></div>",
		`<a href="x>y</a>`,
		`<p onclick="x()">a</p>`,
		"<p>1 < 2</p>",
	} {
		if _, err := parseHTML(doc); err == nil {
			t.Errorf("parseHTML(%q) accepted it", doc)
		}
	}
}
