package formats

import (
	"fmt"
	"strings"
	"time"

	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/version"
)

// osvRecord is the part of an OSV record Heed reads.
type osvRecord struct {
	ID        string   `json:"id"`
	Modified  string   `json:"modified"`
	Published string   `json:"published"`
	Withdrawn string   `json:"withdrawn"`
	Aliases   []string `json:"aliases"`
	Summary   string   `json:"summary"`
	Details   string   `json:"details"`
	Severity  []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			PURL      string `json:"purl"`
		} `json:"package"`
		Versions []string   `json:"versions"`
		Ranges   []osvRange `json:"ranges"`
	} `json:"affected"`
	References []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"references"`
	DatabaseSpecific struct {
		Severity string `json:"severity"`
	} `json:"database_specific"`
}

type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced   string `json:"introduced"`
		Fixed        string `json:"fixed"`
		LastAffected string `json:"last_affected"`
		Limit        string `json:"limit"`
	} `json:"events"`
}

// parseOSV reads an OSV record (GitHub, PyPI, Go and distribution databases
// all publish them).
func parseOSV(data []byte) (*advisory.Advisory, error) {
	var r osvRecord
	if err := decodeLenient(FormatOSV, data, &r); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.Modified) == "" {
		return nil, refuse(FormatOSV, "modified is empty, so revisions cannot be ordered")
	}
	a := &advisory.Advisory{
		ID:        r.ID,
		Revision:  r.Modified,
		Format:    FormatOSV,
		Title:     r.Summary,
		Summary:   firstNonEmpty(r.Details, r.Summary),
		Aliases:   r.Aliases,
		Withdrawn: strings.TrimSpace(r.Withdrawn) != "",
		Severity:  osvSeverity(r),
	}
	if i := strings.IndexByte(r.ID, '-'); i > 0 {
		a.Publisher = osvPublishers[r.ID[:i]]
	}
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(r.Published)); err == nil {
		a.Published = t
	}
	for _, id := range append([]string{r.ID}, r.Aliases...) {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(id)), "CVE-") {
			a.CVEs = append(a.CVEs, id)
		}
	}
	for _, ref := range r.References {
		a.References = append(a.References, ref.URL)
		if a.URL == "" && ref.Type == "ADVISORY" {
			a.URL = ref.URL
		}
	}
	for i, af := range r.Affected {
		pkg := af.Package
		base := advisory.Affected{
			Product: strings.TrimSpace(pkg.Name),
			PURL:    strings.TrimSpace(pkg.PURL),
			Status:  advisory.StatusAffected,
		}
		if base.PURL == "" {
			base.PURL = purlFor(osvEcosystemName(pkg.Ecosystem), pkg.Name)
		}
		ecoScheme := version.ForEcosystem(pkg.Ecosystem)
		if len(af.Versions) > 0 {
			e := base
			e.Scheme, e.Versions = ecoScheme, af.Versions
			a.Affected = append(a.Affected, e)
		}
		for j, rg := range af.Ranges {
			scheme := ecoScheme
			switch rg.Type {
			case "SEMVER":
				scheme = version.Semver
			case "ECOSYSTEM":
			default:
				a.Notes = append(a.Notes, fmt.Sprintf("osv: affected[%d].ranges[%d]: %s ranges are not used for matching", i, j, rg.Type))
				continue
			}
			e := base
			e.Scheme, e.Ranges = scheme, osvRanges(rg)
			if len(e.Ranges) > 0 {
				a.Affected = append(a.Affected, e)
			}
		}
	}
	return a, nil
}

// osvRanges turns an ordered event list into ranges. Each "introduced"
// opens a range that the next "fixed" or "last_affected" closes; an
// introduced with nothing after it is open-ended ("and later"); introduced
// "0" is kept as is, meaning the first version. "limit"
// bounds every range of the list. A "fixed" with no introduced before it
// counts from the first version, as the OSV specification's evaluation does
// with introduced "0".
func osvRanges(rg osvRange) []advisory.Range {
	var out []advisory.Range
	var open *advisory.Range
	limit := ""
	for _, ev := range rg.Events {
		switch {
		case ev.Introduced != "":
			if open != nil {
				out = append(out, *open)
			}
			open = &advisory.Range{Introduced: ev.Introduced}
		case ev.Fixed != "" || ev.LastAffected != "":
			r := advisory.Range{}
			if open != nil {
				r = *open
				open = nil
			}
			r.Fixed, r.LastAffected = ev.Fixed, ev.LastAffected
			if r.Fixed != "" {
				r.LastAffected = ""
			}
			out = append(out, r)
		case ev.Limit != "":
			limit = ev.Limit
		}
	}
	if open != nil {
		out = append(out, *open)
	}
	for i := range out {
		out[i].Limit = limit
	}
	return out
}

// osvSeverity prefers the database's own rating (GitHub's
// database_specific.severity), else computes the base score of a CVSS v3
// vector.
func osvSeverity(r osvRecord) string {
	if s := severityFromText(r.DatabaseSpecific.Severity); s != "" {
		return s
	}
	sev := ""
	for _, s := range r.Severity {
		if score, ok := cvss3BaseScore(s.Score); ok {
			sev = higherSeverity(sev, severityFromScore(score))
		}
	}
	return sev
}

// osvPublishers names the database behind an OSV ID prefix.
var osvPublishers = map[string]string{
	"GHSA":    "GitHub Advisory Database",
	"GO":      "Go Vulnerability Database",
	"PYSEC":   "PyPI Advisory Database",
	"RUSTSEC": "RustSec",
	"OSV":     "OSV",
}

// osvEcosystemName strips an ecosystem's release suffix ("Debian:11",
// "Alpine:v3.16") so it can be looked up.
func osvEcosystemName(ecosystem string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(ecosystem), ":")
	return name
}
