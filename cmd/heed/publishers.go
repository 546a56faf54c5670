package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/heed-dev/heed/notifier/publishers"
	"github.com/heed-dev/heed/subscribers"
)

// PublisherConfig is one [[publisher]]: who may publish on which subjects,
// and what.
type PublisherConfig struct {
	Name     string   `toml:"name"`
	Subjects []string `toml:"subjects"`
	Role     string   `toml:"role"` // agency or vendor
	Vendors  []string `toml:"vendors"`
	// LinkDomains: links only to these domains and their subdomains.
	LinkDomains []string `toml:"link_domains"`
	// HoldAbove: more cases than this wait for an operator's approval.
	// Unset: never for an agency, 1,000 for a vendor; -1: never.
	HoldAbove        *int     `toml:"hold_above"`
	RequireSignature bool     `toml:"require_signature"`
	OpenPGPKeys      []string `toml:"openpgp_keys"` // armored public key files
}

// publisherName is what a publisher may be called: it is shown in mails and
// used in NATS user names and file names.
var publisherName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

var hostName = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

// validatePublishers checks the [[publisher]] tables; the messages name
// the key. Key files are read, so a missing or broken one stops start-up.
func (c *Config) validatePublishers() error {
	seen := map[string]int{}
	for i, p := range c.Publishers {
		key := fmt.Sprintf("publisher[%d]", i)
		if !publisherName.MatchString(p.Name) {
			return fmt.Errorf("%s.name: %q must be 1 to 64 lower-case letters, digits, - or _", key, p.Name)
		}
		if j, ok := seen[p.Name]; ok {
			return fmt.Errorf("%s.name: %q is also publisher[%d]'s", key, p.Name, j)
		}
		seen[p.Name] = i
		switch p.Role {
		case string(publishers.Agency):
			if len(p.Vendors) > 0 {
				return fmt.Errorf("%s.vendors: an agency speaks for every vendor; remove vendors or make the role vendor", key)
			}
		case string(publishers.Vendor):
			if len(p.Vendors) == 0 {
				return fmt.Errorf("%s.vendors: a vendor publisher names the vendors it speaks for", key)
			}
		default:
			return fmt.Errorf("%s.role: %q must be agency or vendor", key, p.Role)
		}
		for j, v := range p.Vendors {
			if strings.Trim(v, " *?-") == "" {
				return fmt.Errorf("%s.vendors[%d]: %q is not a vendor name", key, j, v)
			}
		}
		if len(p.Subjects) == 0 {
			return fmt.Errorf("%s.subjects: at least one subject is required", key)
		}
		for j, s := range p.Subjects {
			if !validSubject(s) {
				return fmt.Errorf("%s.subjects[%d]: %q is not a NATS subject", key, j, s)
			}
			if !c.inStream(s) {
				return fmt.Errorf("%s.subjects[%d]: %q is outside nats.subjects %q, so the stream would not keep its messages", key, j, s, c.NATS.Subjects)
			}
			for k, q := range c.Publishers[:i] {
				for _, t := range q.Subjects {
					if publishers.SubjectsOverlap(s, t) {
						return fmt.Errorf("%s.subjects[%d]: %q overlaps %q of publisher[%d] (%s); a subject has one owner", key, j, s, t, k, q.Name)
					}
				}
			}
		}
		for j, d := range p.LinkDomains {
			if !hostName.MatchString(d) {
				return fmt.Errorf("%s.link_domains[%d]: %q is not a domain such as \"ivanti.com\"", key, j, d)
			}
		}
		if p.HoldAbove != nil && *p.HoldAbove < -1 {
			return fmt.Errorf("%s.hold_above: %d must be a number of cases, or -1 for never", key, *p.HoldAbove)
		}
		if p.RequireSignature && len(p.OpenPGPKeys) == 0 {
			return fmt.Errorf("%s.require_signature: needs openpgp_keys to verify with", key)
		}
		for j, path := range p.OpenPGPKeys {
			if _, err := loadKeys(path); err != nil {
				return fmt.Errorf("%s.openpgp_keys[%d]: %w", key, j, err)
			}
		}
	}
	return nil
}

// validSubject: tokens separated by dots, none empty, wildcards whole
// tokens, ">" only last.
func validSubject(s string) bool {
	toks := strings.Split(s, ".")
	for i, t := range toks {
		switch {
		case t == "" || strings.ContainsAny(t, " \t\r\n"):
			return false
		case t == ">" && i != len(toks)-1:
			return false
		case t != "*" && t != ">" && strings.ContainsAny(t, "*>"):
			return false
		}
	}
	return true
}

// inStream reports whether a publisher's subject lies within the stream's.
func (c *Config) inStream(subject string) bool {
	for _, outer := range c.NATS.Subjects {
		if publishers.SubjectWithin(subject, outer) {
			return true
		}
	}
	return false
}

// loadKeys reads a file of armored OpenPGP public keys.
func loadKeys(path string) (openpgp.EntityList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys, err := publishers.ReadKeys(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: holds no key", path)
	}
	return keys, nil
}

// publisherSet builds the configured publishers (validated at load); with
// none configured, one agency "default" owns nats.subjects.
func (c *Config) publisherSet(aliases *subscribers.Aliases) (*publishers.Set, error) {
	if len(c.Publishers) == 0 {
		return publishers.Default(c.NATS.Subjects), nil
	}
	list := make([]publishers.Publisher, len(c.Publishers))
	for i, pc := range c.Publishers {
		p := publishers.Publisher{Name: pc.Name, Subjects: pc.Subjects, Role: publishers.Role(pc.Role), Vendors: pc.Vendors,
			LinkDomains: pc.LinkDomains, RequireSignature: pc.RequireSignature, HoldAbove: -1}
		switch {
		case pc.HoldAbove != nil:
			p.HoldAbove = *pc.HoldAbove
		case p.Role == publishers.Vendor:
			p.HoldAbove = publishers.DefaultVendorHold
		}
		for _, path := range pc.OpenPGPKeys {
			keys, err := loadKeys(path)
			if err != nil {
				return nil, fmt.Errorf("publisher %s: %w", pc.Name, err)
			}
			p.Keys = append(p.Keys, keys...)
		}
		list[i] = p
	}
	set, err := publishers.NewSet(list, aliases)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return set, nil
}
