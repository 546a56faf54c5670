package templates

import (
	"fmt"
	"strings"
	"testing"
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

// rawText elements hold text up to their end tag, where "<" is not a tag.
var rawText = map[string]bool{"style": true, "script": true, "textarea": true, "title": true}

// parseHTML is a small strict tokenizer, enough for HTML that this package
// writes: every non-void element closed in order, attributes quoted or
// bare, no event-handler attributes. It returns the start tags in order.
// golang.org/x/net/html is not a dependency of the module, and a strict
// check suits output we control better than a forgiving parser would.
func parseHTML(doc string) ([]element, error) {
	var (
		els   []element
		stack []string
	)
	s := doc
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "<!--"):
			end := strings.Index(s, "-->")
			if end < 0 {
				return nil, fmt.Errorf("unterminated comment")
			}
			s = s[end+3:]
			continue
		case strings.HasPrefix(s, "<!"):
			if !strings.HasPrefix(strings.ToLower(s), "<!doctype html>") {
				return nil, fmt.Errorf("unexpected declaration %.20q", s)
			}
			s = s[len("<!doctype html>"):]
			continue
		case strings.HasPrefix(s, "</"):
			end := strings.IndexByte(s, '>')
			if end < 0 {
				return nil, fmt.Errorf("unterminated end tag")
			}
			name := strings.ToLower(strings.TrimSpace(s[2:end]))
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return nil, fmt.Errorf("end tag </%s> does not close the open %v", name, stack)
			}
			stack = stack[:len(stack)-1]
			s = s[end+1:]
			continue
		}
		el, rest, err := parseStartTag(s)
		if err != nil {
			return nil, err
		}
		els = append(els, el)
		s = rest
		if voidElements[el.name] {
			continue
		}
		stack = append(stack, el.name)
		if rawText[el.name] {
			end := strings.Index(strings.ToLower(s), "</"+el.name)
			if end < 0 {
				return nil, fmt.Errorf("unterminated <%s>", el.name)
			}
			s = s[end:]
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("unclosed elements %v", stack)
	}
	return els, nil
}

// parseStartTag reads "<name attr=value ...>" at the start of s.
func parseStartTag(s string) (element, string, error) {
	i := 1
	for i < len(s) && (isAlnum(s[i]) || s[i] == '-') {
		i++
	}
	el := element{name: strings.ToLower(s[1:i]), attrs: map[string]string{}}
	if el.name == "" {
		return el, "", fmt.Errorf("bare '<' in text at %.30q (should be &lt;)", s)
	}
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return el, "", fmt.Errorf("unterminated <%s>", el.name)
		}
		if s[i] == '>' {
			return el, s[i+1:], nil
		}
		j := i
		for j < len(s) && (isAlnum(s[j]) || s[j] == '-' || s[j] == '_') {
			j++
		}
		if j == i {
			return el, "", fmt.Errorf("bad attribute in <%s> at %.30q", el.name, s[i:])
		}
		name := strings.ToLower(s[i:j])
		if _, dup := el.attrs[name]; dup {
			return el, "", fmt.Errorf("duplicate attribute %s in <%s>", name, el.name)
		}
		if strings.HasPrefix(name, "on") {
			return el, "", fmt.Errorf("event handler attribute %s in <%s>", name, el.name)
		}
		value := ""
		if j < len(s) && s[j] == '=' {
			j++
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				end := strings.IndexByte(s[j+1:], s[j])
				if end < 0 {
					return el, "", fmt.Errorf("unterminated %s value in <%s>", name, el.name)
				}
				value = s[j+1 : j+1+end]
				j += end + 2
			} else {
				k := j
				for k < len(s) && !isSpace(s[k]) && s[k] != '>' {
					k++
				}
				value = s[j:k]
				j = k
			}
		}
		el.attrs[name] = value
		i = j
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }

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
	for _, doc := range []string{
		"<p>unclosed",
		"<p></div>",
		`<a href="x>y</a>`,
		`<p onclick="x()">a</p>`,
		"<p>1 < 2</p>",
		`<a href=x href=y>z</a>`,
	} {
		if _, err := parseHTML(doc); err == nil {
			t.Errorf("parseHTML(%q) accepted it", doc)
		}
	}
}
