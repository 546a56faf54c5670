package publishers

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/subscribers/advisory"
)

func TestSubjects(t *testing.T) {
	for _, tt := range []struct {
		pattern, subject string
		match            bool
	}{
		{"advisories.ivanti.>", "advisories.ivanti.psirt", true},
		{"advisories.ivanti.>", "advisories.ivanti", false},
		{"advisories.ivanti.>", "advisories.ivantiX.psirt", false},
		{"advisories.*.psirt", "advisories.ivanti.psirt", true},
		{"advisories.*", "advisories.ivanti.psirt", false},
		{">", "anything.at.all", true},
		{"advisories.heed", "advisories.heed", true},
	} {
		if got := SubjectMatches(tt.pattern, tt.subject); got != tt.match {
			t.Errorf("SubjectMatches(%q, %q) = %v, want %v", tt.pattern, tt.subject, got, tt.match)
		}
	}
	for _, tt := range []struct {
		a, b    string
		overlap bool
	}{
		{"advisories.agency.>", "advisories.ivanti.>", false},
		{"advisories.>", "advisories.ivanti.>", true},
		{"advisories.*.x", "advisories.ivanti.>", true},
		{"advisories.*", "advisories.ivanti.x", false},
		{"a.b", "a.b", true},
	} {
		if got := SubjectsOverlap(tt.a, tt.b); got != tt.overlap {
			t.Errorf("SubjectsOverlap(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.overlap)
		}
		if got := SubjectsOverlap(tt.b, tt.a); got != tt.overlap {
			t.Errorf("SubjectsOverlap(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.overlap)
		}
	}
	for _, tt := range []struct {
		inner, outer string
		within       bool
	}{
		{"advisories.ivanti.>", "advisories.>", true},
		{"advisories.>", "advisories.>", true},
		{"advisories.*", "advisories.>", true},
		{"other.>", "advisories.>", false},
		{"advisories.>", "advisories.*", false},
		{"advisories.*", "advisories.x", false},
	} {
		if got := SubjectWithin(tt.inner, tt.outer); got != tt.within {
			t.Errorf("SubjectWithin(%q, %q) = %v, want %v", tt.inner, tt.outer, got, tt.within)
		}
	}
}

func TestCheckRevision(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		old, rev string
		refused  string // a part of the error; "" accepted
	}{
		{"", "1", ""},
		{"", "1000", ""},
		{"", "1001", "first revision above 1000"},
		{"3", "4", ""},
		{"3", "13", ""},
		{"3", "14", "jumps more than 10"},
		{"1.0.2", "1.1", ""},
		{"1.9", "12.0", "jumps more than 10"},
		{"3", "99999999999999999999999", "jumps more than 10"},
		{"3", "zzz", "not a number"},
		{"2026-11-01T00:00:00Z", "2026-11-30T10:00:00Z", ""},
		{"2026-11-01T00:00:00Z", "2099-01-01T00:00:00Z", "more than a day ahead"},
		{"3", "2026-11-30T10:00:00Z", "is a date"},
		{"", "2099-01-01T00:00:00Z", "more than a day ahead"},
	} {
		err := CheckRevision(tt.old, tt.rev, now)
		switch {
		case tt.refused == "" && err != nil:
			t.Errorf("CheckRevision(%q, %q) = %v, want accepted", tt.old, tt.rev, err)
		case tt.refused != "" && (err == nil || !strings.Contains(err.Error(), tt.refused)):
			t.Errorf("CheckRevision(%q, %q) = %v, want an error with %q", tt.old, tt.rev, err, tt.refused)
		}
	}
}

func TestLinks(t *testing.T) {
	adv := &advisory.Advisory{URL: "https://kb.ivanti.com/a", References: []string{"https://nvd.nist.gov/x"},
		Summary:      "See www.evil.example/login, or (https://ivanti.com/fix).",
		Remediations: []advisory.Remediation{{URL: "https://ivanti.com/dl", Details: "ftp://files.example/x"}}}
	got := Links(adv)
	want := []string{"https://kb.ivanti.com/a", "https://nvd.nist.gov/x", "https://ivanti.com/dl",
		"www.evil.example/login", "https://ivanti.com/fix", "ftp://files.example/x"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Links = %q\nwant %q", got, want)
	}
	vendor := &Publisher{Name: "ivanti", Role: Vendor, LinkDomains: []string{"ivanti.com"}}
	agency := &Publisher{Name: "agency", Role: Agency}
	for _, tt := range []struct {
		link           string
		vendor, agency bool
	}{
		{"https://ivanti.com/x", true, true},
		{"https://kb.ivanti.com/x", true, true},
		{"https://IVANTI.COM./x", true, true},
		{"https://ivanti.com.evil.example/x", false, true},
		{"https://evilivanti.com/x", false, true},
		{"https://user@ivanti.com/x", false, false},
		{"javascript:alert(1)", false, false},
		{"ftp://ivanti.com/x", false, false},
		{"www.ivanti.com/x", true, true},
	} {
		if got := vendor.linkAllowed(tt.link); got != tt.vendor {
			t.Errorf("vendor, %q: allowed %v, want %v", tt.link, got, tt.vendor)
		}
		if got := agency.linkAllowed(tt.link); got != tt.agency {
			t.Errorf("agency, %q: allowed %v, want %v", tt.link, got, tt.agency)
		}
	}
}
