package subscribers

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/heed-dev/heed/store"
)

// OrgSpec is an organization as an operator registers it.
type OrgSpec struct {
	Name     string `json:"name"`
	Language string `json:"language"` // en or ja; default en
	Timezone string `json:"timezone"` // IANA name; default UTC
	// BusinessHours is "always" or a weekly window such as "09:00-18:00
	// Mon-Fri" in Timezone; empty: the default the caller gives.
	BusinessHours string `json:"business_hours,omitempty"`
	// Digest is "off" (default) or "daily"; DigestTime is "HH:MM" local
	// (default 09:00).
	Digest     string        `json:"digest,omitempty"`
	DigestTime string        `json:"digest_time,omitempty"`
	Contacts   []ContactSpec `json:"contacts"`
}

// ContactSpec is one person to mail.
type ContactSpec struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"` // primary (default) or escalation
}

// Languages Heed writes mail in.
var Languages = []string{"en", "ja"}

// Org checks the spec and returns the organization to store, with the given
// id and creation time. Errors name the field that is wrong.
func (s OrgSpec) Org(id string, now time.Time) (store.Org, error) {
	o := store.Org{ID: id, Name: strings.TrimSpace(s.Name), Language: strings.ToLower(strings.TrimSpace(s.Language)),
		Timezone: strings.TrimSpace(s.Timezone), BusinessHours: strings.TrimSpace(s.BusinessHours),
		Digest: strings.ToLower(strings.TrimSpace(s.Digest)), DigestTime: strings.TrimSpace(s.DigestTime), CreatedAt: now}
	if o.Name == "" {
		return o, errors.New("name: required")
	}
	if len(o.Name) > 200 || strings.ContainsAny(o.Name, "\r\n") {
		return o, errors.New("name: at most 200 characters on one line")
	}
	if o.Language == "" {
		o.Language = "en"
	}
	if o.Language != "en" && o.Language != "ja" {
		return o, fmt.Errorf("language: %q is not supported; use one of %s", s.Language, strings.Join(Languages, ", "))
	}
	if o.Timezone == "" {
		o.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(o.Timezone); err != nil {
		return o, fmt.Errorf("timezone: %q is not an IANA time zone such as Asia/Tokyo", s.Timezone)
	}
	if o.BusinessHours == "" {
		o.BusinessHours = Always
	}
	if _, err := ParseHours(o.BusinessHours); err != nil {
		return o, fmt.Errorf("business_hours: %w", err)
	}
	if strings.EqualFold(o.BusinessHours, Always) {
		o.BusinessHours = Always
	}
	switch o.Digest {
	case "":
		o.Digest = DigestOff
	case DigestOff, DigestDaily:
	default:
		return o, fmt.Errorf("digest: %q must be off or daily", s.Digest)
	}
	if o.DigestTime == "" {
		o.DigestTime = DefaultDigestTime
	}
	if _, err := ParseDigestTime(o.DigestTime); err != nil {
		return o, fmt.Errorf("digest_time: %w", err)
	}
	primary := 0
	seen := map[string]bool{}
	for i, c := range s.Contacts {
		addr, err := mail.ParseAddress(strings.TrimSpace(c.Email))
		if err != nil || addr.Name != "" || !strings.Contains(addr.Address, "@") {
			return o, fmt.Errorf("contacts[%d].email: %q is not an email address", i, c.Email)
		}
		email := strings.ToLower(addr.Address)
		if seen[email] {
			return o, fmt.Errorf("contacts[%d].email: %s is listed twice", i, email)
		}
		seen[email] = true
		role := strings.TrimSpace(c.Role)
		switch role {
		case "", "primary":
			role = "primary"
			primary++
		case "escalation":
		default:
			return o, fmt.Errorf("contacts[%d].role: %q must be primary or escalation", i, c.Role)
		}
		name := strings.TrimSpace(c.Name)
		if strings.ContainsAny(name, "\r\n") || len(name) > 200 {
			return o, fmt.Errorf("contacts[%d].name: at most 200 characters on one line", i)
		}
		o.Contacts = append(o.Contacts, store.Contact{Email: email, Name: name, Role: role})
	}
	if primary == 0 {
		return o, errors.New("contacts: at least one primary contact is required")
	}
	return o, nil
}
