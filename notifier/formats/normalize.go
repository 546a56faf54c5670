package formats

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/version"
	"github.com/heed-dev/heed/templates"
)

// maxIDLen bounds advisory IDs: they are database keys and appear in mail
// subjects.
const maxIDLen = 128

// maxTitleLen bounds a title derived from a description, so a mail subject
// stays readable.
const maxTitleLen = 120

var cvePattern = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// finish applies the rules every format shares, so the rest of Heed can rely
// on them: ID and Revision present, a Title, one of the four severities,
// trimmed strings, no duplicate CVEs, aliases, references or affected
// entries. Order is kept everywhere: it carries the publisher's meaning.
func finish(a *advisory.Advisory) error {
	a.ID = strings.TrimSpace(a.ID)
	if err := checkID(a.Format, a.ID); err != nil {
		return err
	}
	a.Revision = strings.TrimSpace(a.Revision)
	if a.Revision == "" {
		return refuse(a.Format, "advisory %s has no revision", a.ID)
	}
	a.Publisher = strings.TrimSpace(a.Publisher)
	a.Summary = strings.TrimSpace(a.Summary)
	a.URL = strings.TrimSpace(a.URL)
	a.Title = templates.OneLine(a.Title)
	if a.Title == "" {
		a.Title = titleFrom(a.Summary)
	}
	if a.Title == "" {
		a.Title = a.ID
	}
	a.Severity = strings.ToLower(strings.TrimSpace(a.Severity))
	if !validSeverity(a.Severity) {
		a.Severity = advisory.High
	}

	var cves []string
	for _, c := range a.CVEs {
		c = strings.ToUpper(strings.TrimSpace(c))
		if cvePattern.MatchString(c) {
			cves = append(cves, c)
		}
	}
	a.CVEs = dedupe(cves)
	a.Aliases = slices.DeleteFunc(dedupe(trimAll(a.Aliases)), func(s string) bool { return s == a.ID })
	a.References = dedupe(trimAll(a.References))
	a.Notes = dedupe(trimAll(a.Notes))

	rems := a.Remediations[:0:0]
	seenRem := map[advisory.Remediation]bool{}
	for _, r := range a.Remediations {
		r = advisory.Remediation{Category: strings.TrimSpace(r.Category), Details: strings.TrimSpace(r.Details), URL: strings.TrimSpace(r.URL)}
		if r.Category == "" && r.Details == "" && r.URL == "" || seenRem[r] {
			continue
		}
		seenRem[r] = true
		rems = append(rems, r)
	}
	a.Remediations = nilIfEmpty(rems)
	a.Affected = normalizeAffected(a.Affected)
	return nil
}

// checkID refuses IDs that cannot serve as a key or a subject line.
func checkID(format, id string) error {
	switch {
	case id == "":
		return refuse(format, "the advisory has no id")
	case len(id) > maxIDLen:
		return refuse(format, "id is %d bytes long; at most %d are allowed", len(id), maxIDLen)
	case !utf8.ValidString(id):
		return refuse(format, "id is not valid UTF-8")
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return refuse(format, "id %q contains a control character", id)
	}
	return nil
}

func validSeverity(s string) bool {
	return s == advisory.Critical || s == advisory.High || s == advisory.Medium || s == advisory.Low
}

// normalizeAffected trims every field, drops empty versions and ranges,
// defaults the status to affected and removes exact duplicates, keeping the
// first occurrence. The result is never nil so the JSON output shows
// "affected": [].
func normalizeAffected(in []advisory.Affected) []advisory.Affected {
	out := make([]advisory.Affected, 0, len(in))
	seen := map[string]bool{}
	for _, e := range in {
		e.Vendor = templates.OneLine(e.Vendor)
		e.Product = templates.OneLine(e.Product)
		e.CPE = strings.TrimSpace(e.CPE)
		e.PURL = strings.TrimSpace(e.PURL)
		e.Scheme = strings.TrimSpace(e.Scheme)
		if e.Scheme == "" && e.PURL != "" {
			// No scheme declared: the package's own ecosystem orders it.
			e.Scheme = advisory.PurlScheme(e.PURL)
		}
		if e.Scheme == "" {
			e.Scheme = version.Generic
		}
		if e.Status == "" {
			e.Status = advisory.StatusAffected
		}
		e.Versions = nilIfEmpty(dedupe(trimAll(e.Versions)))
		var ranges []advisory.Range
		for _, orig := range e.Ranges {
			r := advisory.Range{
				Introduced:   strings.TrimSpace(orig.Introduced),
				Fixed:        strings.TrimSpace(orig.Fixed),
				LastAffected: strings.TrimSpace(orig.LastAffected),
				Limit:        strings.TrimSpace(orig.Limit),
			}
			r.IntroducedExclusive = orig.IntroducedExclusive && r.Introduced != ""
			if r != (advisory.Range{}) && !slices.Contains(ranges, r) {
				ranges = append(ranges, r)
			}
		}
		e.Ranges = ranges
		if e.Vendor == "" && e.Product == "" && e.CPE == "" && e.PURL == "" {
			continue
		}
		key := affectedKey(e)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, e)
	}
	return out
}

// affectedKey identifies an entry by everything it says.
func affectedKey(e advisory.Affected) string {
	var b strings.Builder
	for _, s := range []string{e.Vendor, e.Product, e.CPE, e.PURL, e.Scheme, string(e.Status)} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	for _, v := range e.Versions {
		b.WriteString(v)
		b.WriteByte(1)
	}
	for _, r := range e.Ranges {
		fmt.Fprintf(&b, "%q%t%q%q%q\x03", r.Introduced, r.IntroducedExclusive, r.Fixed, r.LastAffected, r.Limit)
	}
	return b.String()
}

// titleFrom makes a title out of a description: its first line, cut at a
// word boundary when it is too long.
func titleFrom(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	s = templates.OneLine(s)
	if utf8.RuneCountInString(s) <= maxTitleLen {
		return s
	}
	r := []rune(s)[:maxTitleLen]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > maxTitleLen/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

func trimAll(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// dedupe removes repeated strings, keeping the first of each.
func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return nilIfEmpty(out)
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
