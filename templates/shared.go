package templates

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"sync"
)

// Shared keeps the parts of mails that depend on nothing but the advisory,
// the kind of mail, the language and the time zone ("advisory" and
// "remedies" in mail/*.tmpl), rendered once for every mail that shares
// them. It is safe for concurrent use. A mail of another advisory is
// rendered whole: each entry remembers the advisory it was rendered from.
type Shared struct {
	mu    sync.Mutex
	parts map[sharedKey]*sharedParts
}

type sharedKey struct{ kind, lang, location string }

type sharedParts struct {
	raw      AdvisoryView // as given, to recognize a mail of the same advisory
	advisory AdvisoryView // cleaned
	text     [2]string    // "advisory", "remedies"
	html     [2]string
}

// NewShared returns an empty Shared.
func NewShared() *Shared { return &Shared{parts: map[sharedKey]*sharedParts{}} }

func keyOf(d MailData) sharedKey {
	return sharedKey{d.Kind, d.Lang, d.Location.String()}
}

// find returns the parts d can take, or nil.
func (s *Shared) find(d MailData) *sharedParts {
	s.mu.Lock()
	p := s.parts[keyOf(d)]
	s.mu.Unlock()
	if p != nil && reflect.DeepEqual(p.raw, d.Advisory) {
		return p
	}
	return nil
}

// render renders the shared parts of v's mail (whose advisory, before
// cleaning, is raw) and keeps them under key, unless a sentence was missing.
func (s *Shared) render(key sharedKey, raw AdvisoryView, v mailView) (*sharedParts, error) {
	p := &sharedParts{raw: raw, advisory: v.M.Advisory}
	for i, name := range []string{"advisory", "remedies"} {
		var text, html bytes.Buffer
		if err := mailText.ExecuteTemplate(&text, name, v); err != nil {
			return nil, fmt.Errorf("render mail text: %w", err)
		}
		if err := mailHTML.ExecuteTemplate(&html, name, v); err != nil {
			return nil, fmt.Errorf("render mail html: %w", err)
		}
		p.text[i], p.html[i] = text.String(), html.String()
	}
	if v.missingErr() == nil {
		s.mu.Lock()
		s.parts[key] = p
		s.mu.Unlock()
	}
	return p, nil
}

// renderParts writes a mail's parts in their order, the shared ones from p.
func renderParts(text, html io.Writer, v mailView, p *sharedParts) error {
	for _, part := range []struct {
		name   string
		shared int // index in p, or -1: the recipient's own
	}{{"head", -1}, {"advisory", 0}, {"items", -1}, {"remedies", 1}, {"tail", -1}} {
		if part.shared >= 0 {
			io.WriteString(text, p.text[part.shared])
			io.WriteString(html, p.html[part.shared])
			continue
		}
		if err := mailText.ExecuteTemplate(text, part.name, v); err != nil {
			return fmt.Errorf("render mail text: %w", err)
		}
		if err := mailHTML.ExecuteTemplate(html, part.name, v); err != nil {
			return fmt.Errorf("render mail html: %w", err)
		}
	}
	return nil
}
