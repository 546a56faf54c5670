package formats

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/heed-dev/heed/subscribers/advisory"
)

// csafDoc is the part of a CSAF 2.0 document Heed reads. The types are
// lenient: unknown fields are ignored.
type csafDoc struct {
	Document struct {
		Category          string                 `json:"category"`
		CSAFVersion       string                 `json:"csaf_version"`
		Title             string                 `json:"title"`
		Publisher         struct{ Name string }  `json:"publisher"`
		AggregateSeverity *struct{ Text string } `json:"aggregate_severity"`
		Notes             []csafNote             `json:"notes"`
		References        []csafReference        `json:"references"`
		Tracking          struct {
			ID                 flexString `json:"id"`
			Version            flexString `json:"version"`
			Status             string     `json:"status"`
			InitialReleaseDate string     `json:"initial_release_date"`
		} `json:"tracking"`
	} `json:"document"`
	ProductTree     csafProductTree     `json:"product_tree"`
	Vulnerabilities []csafVulnerability `json:"vulnerabilities"`
}

type csafNote struct {
	Category string `json:"category"`
	Title    string `json:"title"`
	Text     string `json:"text"`
}

type csafReference struct {
	Category string `json:"category"`
	URL      string `json:"url"`
}

type csafVulnerability struct {
	CVE           string              `json:"cve"`
	ProductStatus map[string][]string `json:"product_status"`
	Remediations  []struct {
		Category string `json:"category"`
		Details  string `json:"details"`
		URL      string `json:"url"`
	} `json:"remediations"`
	Scores []struct {
		CVSSv3 *csafCVSS `json:"cvss_v3"`
		CVSSv2 *csafCVSS `json:"cvss_v2"`
	} `json:"scores"`
	Threats []struct {
		Category string `json:"category"`
		Details  string `json:"details"`
	} `json:"threats"`
	References []csafReference `json:"references"`
}

type csafCVSS struct {
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

// flexString accepts a JSON string or number: some producers write
// tracking.version as 1 instead of "1".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("expected a string or a number")
	}
	*f = flexString(n.String())
	return nil
}

// csafStatuses lists the product_status categories in the order Heed reads
// them (affected first, so first_fixed can look back at them).
var csafStatuses = []string{
	"known_affected", "first_affected", "last_affected", "under_investigation",
	"fixed", "first_fixed", "known_not_affected",
}

var (
	withdrawnMark   = regexp.MustCompile(`(?i)^\W*withdrawn\b`)
	exploitedWords  = regexp.MustCompile(`(?i)exploit|in the wild|\bactive\b`)
	negatedExploits = regexp.MustCompile(`(?i)\b(?:no|not|none|unproven|unknown|without)\b`)
)

// parseCSAF reads a CSAF 2.0 document. csaf_security_advisory and csaf_vex
// documents state which products are affected and become advisories that
// open cases. Every other category — the other profiles
// (csaf_informational_advisory, csaf_security_incident_response) and
// csaf_base, which any category outside the profiles falls under (Cisco's
// "Cisco Security Advisory") — informs without a statement Heed can act on:
// it is read as information (Informational, with its notes and
// references), recorded and shown, opening no case.
func parseCSAF(data []byte) (*advisory.Advisory, error) {
	var d csafDoc
	if err := decodeLenient(FormatCSAF, data, &d); err != nil {
		return nil, err
	}
	doc := d.Document
	category := strings.TrimSpace(doc.Category)
	if category == "" {
		return nil, refuse(FormatCSAF, "document.category is missing")
	}
	if !strings.HasPrefix(strings.TrimSpace(doc.CSAFVersion), "2.") {
		return nil, refuse(FormatCSAF, "document.csaf_version %q is not supported; only 2.x", doc.CSAFVersion)
	}
	if strings.TrimSpace(string(doc.Tracking.ID)) == "" {
		return nil, refuse(FormatCSAF, "document.tracking.id is missing")
	}
	if strings.TrimSpace(string(doc.Tracking.Version)) == "" {
		return nil, refuse(FormatCSAF, "document.tracking.version is missing")
	}
	a := &advisory.Advisory{
		ID:        string(doc.Tracking.ID),
		Revision:  string(doc.Tracking.Version),
		Format:    FormatCSAF,
		Publisher: doc.Publisher.Name,
		Title:     doc.Title,
		Summary:   csafNoteText(doc.Notes, "summary", "description"),
		Withdrawn: withdrawnMark.MatchString(doc.Title) || csafWithdrawnNote(doc.Notes),
	}
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(doc.Tracking.InitialReleaseDate)); err == nil {
		a.Published = t
	}
	if doc.Tracking.Status == "draft" {
		a.Notes = append(a.Notes, "csaf: document.tracking.status is draft")
	}
	a.URL, a.References = csafURLs(doc.References)
	if doc.AggregateSeverity != nil {
		a.Severity = severityFromText(doc.AggregateSeverity.Text)
	}
	if category != "csaf_security_advisory" && category != "csaf_vex" {
		return csafInformation(a, d, category), nil
	}
	scoreSeverity := ""
	products := csafProducts(d.ProductTree)
	groups := map[string][]string{}
	for _, g := range d.ProductTree.ProductGroups {
		groups[g.GroupID] = g.ProductIDs
	}
	conv := &csafConverter{products: products, groups: groups, status: map[string]string{}}
	for _, v := range d.Vulnerabilities {
		a.CVEs = append(a.CVEs, v.CVE)
		for _, r := range v.Remediations {
			a.Remediations = append(a.Remediations, advisory.Remediation{Category: r.Category, Details: r.Details, URL: r.URL})
		}
		for _, s := range v.Scores {
			for _, c := range []*csafCVSS{s.CVSSv3, s.CVSSv2} {
				if c == nil {
					continue
				}
				sev := severityFromText(c.BaseSeverity)
				if c.BaseScore > 0 {
					sev = severityFromScore(c.BaseScore)
				}
				scoreSeverity = higherSeverity(scoreSeverity, sev)
			}
		}
		for _, t := range v.Threats {
			if t.Category == "exploit_status" && exploitedWords.MatchString(t.Details) && !negatedExploits.MatchString(t.Details) {
				a.KnownExploited = true
			}
		}
		_, refs := csafURLs(v.References)
		a.References = append(a.References, refs...)
		conv.vulnerability(v)
	}
	if a.Severity == "" {
		a.Severity = scoreSeverity
	}
	affected, platforms := conv.entries()
	a.Affected = affected
	a.Notes = append(a.Notes, conv.notes...)
	if len(platforms) > 0 {
		a.Notes = append(a.Notes, fmt.Sprintf("csaf: components are listed per platform (%s); the entries apply to the component wherever it is installed", strings.Join(platforms, "; ")))
	}
	return a, nil
}

// csafNoteText returns the text of the first note of the first category
// that has one.
func csafNoteText(notes []csafNote, categories ...string) string {
	for _, c := range categories {
		for _, n := range notes {
			if n.Category == c && strings.TrimSpace(n.Text) != "" {
				return n.Text
			}
		}
	}
	return ""
}

// csafWithdrawnNote reports a note explicitly titled as a withdrawal. CSAF
// 2.0 has no withdrawn status, so only a clear mark counts.
func csafWithdrawnNote(notes []csafNote) bool {
	for _, n := range notes {
		if withdrawnMark.MatchString(n.Title) {
			return true
		}
	}
	return false
}

// csafURLs picks the advisory's own URL (the first "self" reference whose
// URL is not a machine-readable copy of the document, else the first
// external one) and lists every reference URL.
func csafURLs(refs []csafReference) (self string, all []string) {
	first := ""
	for _, r := range refs {
		u := strings.TrimSpace(r.URL)
		if u == "" {
			continue
		}
		all = append(all, u)
		if r.Category == "self" && self == "" && !strings.HasSuffix(strings.ToLower(u), ".json") {
			self = u
		}
		if first == "" && r.Category != "self" {
			first = u
		}
	}
	if self == "" {
		self = first
	}
	return self, all
}
