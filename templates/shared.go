package templates

import (
	"reflect"
	"sync"
)

// Shared keeps the parts of mails that depend on nothing but the advisory,
// the kind of mail, the language and the time zone (the advisory and
// remedies parts of mailParts), rendered once for every mail that shares
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
	text     [2]string    // advisory, remedies
	html     [2]string
	// subjects are the subjects of the mails that took these parts, by
	// what else a subject depends on (subjectKey).
	subjects sync.Map
}

// subjectKey is what a mail's subject depends on besides the advisory, the
// kind and the language.
type subjectKey struct {
	reminder int
	overdue  bool
}

// subject is subject(v) for a mail that takes these parts, worked out
// once for all the mails that have the same.
func (p *sharedParts) subject(v mailView) string {
	key := subjectKey{v.M.Reminder, v.M.Overdue}
	if s, ok := p.subjects.Load(key); ok {
		return s.(string)
	}
	missing := len(v.missing.keys)
	s := subject(v)
	if len(v.missing.keys) == missing {
		p.subjects.Store(key, s)
	}
	return s
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
func (s *Shared) render(key sharedKey, raw AdvisoryView, v mailView) *sharedParts {
	p := &sharedParts{raw: raw, advisory: v.M.Advisory}
	for _, part := range mailParts {
		if part.shared < 0 {
			continue
		}
		text, html := &textWriter{mailWriter{v: v}}, &htmlWriter{mailWriter{v: v}}
		part.text(text)
		part.html(html)
		p.text[part.shared], p.html[part.shared] = text.String(), html.String()
	}
	if v.missingErr() == nil {
		s.mu.Lock()
		s.parts[key] = p
		s.mu.Unlock()
	}
	return p
}

// mailParts are the parts of a mail in their order, each written by a
// method of textWriter and of htmlWriter. The shared ones depend on
// nothing but the advisory, the kind, the language and the time zone;
// the others are the recipient's.
var mailParts = []struct {
	text   func(*textWriter)
	html   func(*htmlWriter)
	shared int // index in sharedParts' text and html, or -1
}{
	{(*textWriter).head, (*htmlWriter).head, -1},
	{(*textWriter).advisory, (*htmlWriter).advisory, 0},
	{(*textWriter).items, (*htmlWriter).items, -1},
	{(*textWriter).remedies, (*htmlWriter).remedies, 1},
	{(*textWriter).tail, (*htmlWriter).tail, -1},
}
