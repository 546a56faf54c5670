// Package publishers says who may publish what. A publisher is named in the
// configuration and owns NATS subjects: the subject a document arrives on
// decides who sent it. An agency may speak for any vendor and revise any
// advisory; a vendor speaks only for its own vendors, links only to its own
// domains, and may be required to sign. What a document may not do is
// refused here, before anything is stored; the rules that need the stored
// advisory (who owns an id, how far a revision may jump) are in revision.go
// and applied by the cases stage.
package publishers

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/heed-dev/heed/subscribers"
)

// Role is what a publisher may do.
type Role string

const (
	// Agency may speak for any vendor and revise or withdraw any advisory.
	Agency Role = "agency"
	// Vendor speaks only for its vendors and revises only its advisories.
	Vendor Role = "vendor"
)

// DefaultName is the publisher of a configuration that names none: an
// agency owning every subject Heed reads, so a fresh start works as before.
const DefaultName = "default"

// DefaultVendorHold is how many cases a vendor's advisory may open before
// it waits for an operator's approval, when its configuration says nothing.
const DefaultVendorHold = 1000

// Publisher is one configured publisher.
type Publisher struct {
	Name     string
	Subjects []string // NATS subjects, with * and > wildcards
	Role     Role
	// Vendors are the vendors a Vendor publisher speaks for, compared
	// through the alias table (Pulse Secure = Ivanti).
	Vendors []string
	// LinkDomains limit the links a document may carry to these domains
	// and their subdomains. Empty: any link for an agency, none for a
	// vendor.
	LinkDomains []string
	// HoldAbove: an advisory that would open more cases than this waits for
	// an operator's approval. Negative: never held.
	HoldAbove int
	// RequireSignature refuses a document without a good signature by one
	// of Keys.
	RequireSignature bool
	Keys             openpgp.EntityList
}

// Holds reports whether an advisory opening n cases waits for approval.
func (p *Publisher) Holds(n int) bool { return p.HoldAbove >= 0 && n > p.HoldAbove }

// Set is the configured publishers, with the alias table that decides
// which vendor names are one vendor.
type Set struct {
	list    []*Publisher
	aliases *subscribers.Aliases
}

// Default returns the set of a configuration without publishers: one
// agency, DefaultName, owning subjects.
func Default(subjects []string) *Set {
	return &Set{list: []*Publisher{{Name: DefaultName, Subjects: subjects, Role: Agency, HoldAbove: -1}},
		aliases: subscribers.DefaultAliases()}
}

// NewSet checks the publishers (names unique, roles known, no subject owned
// by two of them) and returns them as a set. aliases is read, never changed.
func NewSet(list []Publisher, aliases *subscribers.Aliases) (*Set, error) {
	if len(list) == 0 {
		return nil, errors.New("publishers: at least one is required")
	}
	if aliases == nil {
		aliases = subscribers.NewAliases()
	}
	s := &Set{aliases: aliases}
	for i := range list {
		p := &list[i]
		if p.Name == "" {
			return nil, fmt.Errorf("publisher %d: a name is required", i+1)
		}
		if p.Role != Agency && p.Role != Vendor {
			return nil, fmt.Errorf("publisher %s: role %q must be agency or vendor", p.Name, p.Role)
		}
		if p.Role == Vendor && len(p.Vendors) == 0 {
			return nil, fmt.Errorf("publisher %s: a vendor publisher names the vendors it speaks for", p.Name)
		}
		if len(p.Subjects) == 0 {
			return nil, fmt.Errorf("publisher %s: at least one subject is required", p.Name)
		}
		for _, q := range s.list {
			if q.Name == p.Name {
				return nil, fmt.Errorf("publisher %s: named twice", p.Name)
			}
			for _, a := range p.Subjects {
				for _, b := range q.Subjects {
					if SubjectsOverlap(a, b) {
						return nil, fmt.Errorf("publisher %s: subject %q overlaps %q of publisher %s; a subject has one owner", p.Name, a, b, q.Name)
					}
				}
			}
		}
		s.list = append(s.list, p)
	}
	return s, nil
}

// All returns the publishers in their configured order.
func (s *Set) All() []*Publisher { return slices.Clone(s.list) }

// Named returns the publisher of that name.
func (s *Set) Named(name string) (*Publisher, bool) {
	for _, p := range s.list {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// ForSubject returns the publisher that owns a message's subject.
func (s *Set) ForSubject(subject string) (*Publisher, error) {
	for _, p := range s.list {
		for _, pattern := range p.Subjects {
			if SubjectMatches(pattern, subject) {
				return p, nil
			}
		}
	}
	return nil, fmt.Errorf("subject %q: no publisher owns it", subject)
}

// SubjectMatches reports whether a concrete subject matches a pattern with
// NATS wildcards: "*" one token, ">" one or more at the end.
func SubjectMatches(pattern, subject string) bool {
	p, s := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, tok := range p {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) {
			return false
		}
	}
	return len(p) == len(s)
}

// SubjectsOverlap reports whether some subject matches both patterns.
func SubjectsOverlap(a, b string) bool {
	x, y := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; ; i++ {
		switch {
		case i == len(x) || i == len(y):
			return len(x) == len(y)
		case x[i] == ">" || y[i] == ">":
			return true
		case x[i] != "*" && y[i] != "*" && x[i] != y[i]:
			return false
		}
	}
}

// SubjectWithin reports whether every subject matching pattern also matches
// outer: a publisher's subject must lie inside the stream's.
func SubjectWithin(pattern, outer string) bool {
	p, o := strings.Split(pattern, "."), strings.Split(outer, ".")
	for i, tok := range o {
		if tok == ">" {
			return len(p) > i
		}
		if i >= len(p) || p[i] == ">" || (tok != "*" && (p[i] == "*" || tok != p[i])) {
			return false
		}
	}
	return len(p) == len(o)
}
