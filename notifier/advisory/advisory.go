// Package advisory turns security advisory documents (Heed's own JSON, CSAF
// 2.0, CVE JSON 5.x and OSV) into the one normalized Advisory the rest of Heed
// uses. The format is detected from the content.
package advisory

import (
	"time"

	"github.com/heed-dev/heed/subscribers"
)

// Severities, highest first. An advisory without a severity is treated as High.
const (
	Critical = "critical"
	High     = "high"
	Medium   = "medium"
	Low      = "low"
)

// Remediation is a fix, workaround or mitigation the publisher recommends.
type Remediation struct {
	Category string `json:"category"` // vendor_fix, workaround, mitigation, none_available, no_fix_planned
	Details  string `json:"details,omitempty"`
	URL      string `json:"url,omitempty"`
}

// Advisory is a normalized advisory.
type Advisory struct {
	ID             string                 `json:"id"`
	Revision       string                 `json:"revision"` // compare with CompareRevision
	Format         string                 `json:"format"`   // heed, csaf, cve5, osv
	Publisher      string                 `json:"publisher,omitempty"`
	Title          string                 `json:"title"`
	Severity       string                 `json:"severity"` // critical, high, medium, low
	CVEs           []string               `json:"cves,omitempty"`
	Aliases        []string               `json:"aliases,omitempty"`
	Summary        string                 `json:"summary,omitempty"`
	URL            string                 `json:"url,omitempty"`
	References     []string               `json:"references,omitempty"`
	Published      time.Time              `json:"published,omitzero"`
	Due            time.Time              `json:"due,omitzero"` // zero: the severity policy decides
	KnownExploited bool                   `json:"known_exploited,omitempty"`
	Withdrawn      bool                   `json:"withdrawn,omitempty"`
	Remediations   []Remediation          `json:"remediations,omitempty"`
	Notes          []string               `json:"notes,omitempty"` // e.g. "no structured product data"
	Affected       []subscribers.Affected `json:"affected"`
}
