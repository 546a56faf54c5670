package formats

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// cveRecord is the part of a CVE JSON 5.x record Heed reads.
type cveRecord struct {
	DataVersion flexString `json:"dataVersion"`
	Metadata    struct {
		CVEID         string `json:"cveId"`
		State         string `json:"state"`
		DatePublished string `json:"datePublished"`
		DateUpdated   string `json:"dateUpdated"`
		Assigner      string `json:"assignerShortName"`
	} `json:"cveMetadata"`
	Containers struct {
		CNA cveContainer   `json:"cna"`
		ADP []cveContainer `json:"adp"`
	} `json:"containers"`
}

type cveContainer struct {
	Provider struct {
		ShortName string `json:"shortName"`
	} `json:"providerMetadata"`
	Title           string       `json:"title"`
	Descriptions    []cveText    `json:"descriptions"`
	RejectedReasons []cveText    `json:"rejectedReasons"`
	Affected        []cveProduct `json:"affected"`
	Metrics         []cveMetric  `json:"metrics"`
	Solutions       []cveText    `json:"solutions"`
	Workarounds     []cveText    `json:"workarounds"`
	References      []struct {
		URL  string   `json:"url"`
		Tags []string `json:"tags"`
	} `json:"references"`
}

type cveText struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type cveMetric struct {
	CVSSv40 *cveCVSS `json:"cvssV4_0"`
	CVSSv31 *cveCVSS `json:"cvssV3_1"`
	CVSSv30 *cveCVSS `json:"cvssV3_0"`
	CVSSv20 *cveCVSS `json:"cvssV2_0"`
	Other   *struct {
		Type    string          `json:"type"`
		Content json.RawMessage `json:"content"`
	} `json:"other"`
}

type cveCVSS struct {
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

// noProductData is the note for records whose affected data says nothing
// (vendor, product and version all "n/a"), as many records converted from
// the old CVE list do.
const noProductData = "no structured product data"

// parseCVE5 reads a CVE JSON 5.x record: the CNA container and every ADP
// container (CISA's Vulnrichment adds CPEs, CVSS and KEV data there).
func parseCVE5(data []byte) (*advisory.Advisory, error) {
	var r cveRecord
	if err := decodeLenient(FormatCVE5, data, &r); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(string(r.DataVersion), "5.") {
		return nil, refuse(FormatCVE5, "dataVersion %q is not supported; only 5.x", r.DataVersion)
	}
	m := r.Metadata
	a := &advisory.Advisory{
		ID:        m.CVEID,
		Revision:  firstNonEmpty(m.DateUpdated, m.DatePublished),
		Format:    FormatCVE5,
		Publisher: firstNonEmpty(r.Containers.CNA.Provider.ShortName, m.Assigner),
		CVEs:      []string{m.CVEID},
	}
	if a.Revision == "" {
		return nil, refuse(FormatCVE5, "cveMetadata has neither dateUpdated nor datePublished, so revisions cannot be ordered")
	}
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(m.DatePublished)); err == nil {
		a.Published = t
	}
	cna := r.Containers.CNA
	switch m.State {
	case "PUBLISHED":
	case "REJECTED":
		a.Withdrawn = true
		a.Title = m.CVEID + " (rejected)"
		reason := englishText(cna.RejectedReasons)
		a.Summary = reason
		a.Notes = append(a.Notes, "cve5: the record was rejected: "+templates.OneLine(reason))
		return a, nil
	default:
		return nil, refuse(FormatCVE5, "cveMetadata.state %q is not supported; only PUBLISHED and REJECTED", m.State)
	}
	a.Title = cna.Title
	a.Summary = englishText(cna.Descriptions)
	containers := append([]cveContainer{cna}, r.Containers.ADP...)

	for _, c := range containers {
		for _, ref := range c.References {
			a.References = append(a.References, ref.URL)
			for _, tag := range ref.Tags {
				if tag == "vendor-advisory" && a.URL == "" {
					a.URL = ref.URL
				}
			}
		}
		for _, s := range c.Solutions {
			a.Remediations = append(a.Remediations, advisory.Remediation{Category: "vendor_fix", Details: s.Value})
		}
		for _, w := range c.Workarounds {
			a.Remediations = append(a.Remediations, advisory.Remediation{Category: "workaround", Details: w.Value})
		}
		if a.Severity == "" {
			a.Severity = cveSeverity(c.Metrics)
		}
		if cveExploited(c.Metrics) {
			a.KnownExploited = true
		}
	}
	if a.URL == "" && len(a.References) > 0 {
		a.URL = a.References[0]
	}

	identified := false
	for ci, c := range containers {
		for pi, p := range c.Affected {
			where := fmt.Sprintf("containers.cna.affected[%d]", pi)
			if ci > 0 {
				where = fmt.Sprintf("containers.adp[%d].affected[%d]", ci-1, pi)
			}
			entries, notes, ok := p.entries(where)
			identified = identified || ok
			a.Affected = append(a.Affected, entries...)
			a.Notes = append(a.Notes, notes...)
		}
	}
	if !identified {
		a.Notes = append(a.Notes, noProductData)
	}
	return a, nil
}

// cveSeverity returns the severity of the highest-scoring CVSS metric of one
// container, preferring the newest CVSS version present (v4.0, v3.1, v3.0,
// v2.0), or "" when the container has none.
func cveSeverity(metrics []cveMetric) string {
	pick := []func(cveMetric) *cveCVSS{
		func(m cveMetric) *cveCVSS { return m.CVSSv40 },
		func(m cveMetric) *cveCVSS { return m.CVSSv31 },
		func(m cveMetric) *cveCVSS { return m.CVSSv30 },
		func(m cveMetric) *cveCVSS { return m.CVSSv20 },
	}
	for _, get := range pick {
		sev := ""
		for _, m := range metrics {
			c := get(m)
			if c == nil {
				continue
			}
			s := severityFromText(c.BaseSeverity)
			if c.BaseScore > 0 {
				s = severityFromScore(c.BaseScore)
			}
			sev = higherSeverity(sev, s)
		}
		if sev != "" {
			return sev
		}
	}
	return ""
}

// cveExploited reports a known-exploitation signal: a "kev" metric (CISA's
// Known Exploited Vulnerabilities catalog) or an SSVC decision with
// Exploitation "active".
func cveExploited(metrics []cveMetric) bool {
	for _, m := range metrics {
		if m.Other == nil {
			continue
		}
		switch strings.ToLower(m.Other.Type) {
		case "kev":
			return true
		case "ssvc":
			var content struct {
				Options []map[string]string `json:"options"`
			}
			if json.Unmarshal(m.Other.Content, &content) != nil {
				continue
			}
			for _, o := range content.Options {
				if strings.EqualFold(o["Exploitation"], "active") {
					return true
				}
			}
		}
	}
	return false
}

// englishText returns the first English text, else the first text.
func englishText(texts []cveText) string {
	for _, t := range texts {
		if strings.HasPrefix(strings.ToLower(t.Lang), "en") && strings.TrimSpace(t.Value) != "" {
			return t.Value
		}
	}
	for _, t := range texts {
		if strings.TrimSpace(t.Value) != "" {
			return t.Value
		}
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
