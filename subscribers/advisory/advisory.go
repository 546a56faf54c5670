// Package advisory is Heed's advisory vocabulary: the one normalized
// Advisory that every format is read into, its affected products (Affected),
// their version ranges (Range) and statuses, and the one reader of version
// texts (vers strings and the phrases vendors write). Version schemes are
// the names of package version; this package imports nothing else of Heed,
// so both the format parsers (notifier/formats) and the matcher
// (subscribers) use it.
package advisory

import "time"

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

// Advisory is a normalized advisory. Its JSON form is what Heed stores and
// what `heed advisory inspect` prints.
type Advisory struct {
	ID             string        `json:"id"`
	Revision       string        `json:"revision"` // compare with CompareRevision
	Format         string        `json:"format"`   // heed, csaf, cve5, osv
	Publisher      string        `json:"publisher,omitempty"`
	Title          string        `json:"title"`
	Severity       string        `json:"severity"` // critical, high, medium, low
	CVEs           []string      `json:"cves,omitempty"`
	Aliases        []string      `json:"aliases,omitempty"`
	Summary        string        `json:"summary,omitempty"`
	URL            string        `json:"url,omitempty"`
	References     []string      `json:"references,omitempty"`
	Published      time.Time     `json:"published,omitzero"`
	Due            time.Time     `json:"due,omitzero"` // zero: the severity policy decides
	KnownExploited bool          `json:"known_exploited,omitempty"`
	Withdrawn      bool          `json:"withdrawn,omitempty"`
	Remediations   []Remediation `json:"remediations,omitempty"`
	Notes          []string      `json:"notes,omitempty"` // e.g. "no structured product data"
	// Informational: the document informs and asks nothing of anyone (a
	// CSAF informational advisory, incident response or csaf_base
	// document). Heed records and shows it, with its Texts, and opens no
	// case: it names no affected products (Affected is empty).
	Informational bool `json:"informational,omitempty"`
	// Category is the document's own category when it is informational
	// (CSAF document.category, e.g. "csaf_informational_advisory").
	Category string `json:"category,omitempty"`
	// Texts are the publisher's own notes (CSAF document.notes), kept for
	// informational documents, whose notes are their content.
	Texts    []Text     `json:"texts,omitempty"`
	Affected []Affected `json:"affected"`
	// Relayed is who sent the advisory to Heed, as Heed established it
	// (the NATS subject's publisher, a verified signature). No format sets
	// it: it is never read from a document.
	Relayed *Relayed `json:"relayed,omitempty"`
}

// Text is one of the publisher's notes: its kind (CSAF note category such
// as summary, general, legal_disclaimer), title and text.
type Text struct {
	Category string `json:"category,omitempty"`
	Title    string `json:"title,omitempty"`
	Text     string `json:"text"`
}

// Relayed says who published an advisory through Heed.
type Relayed struct {
	Publisher string `json:"publisher"` // the publisher that first published it: its owner
	Role      string `json:"role"`      // the owner's role: agency or vendor
	// RevisedBy is the agency that published this revision of another
	// publisher's advisory; empty when the owner did.
	RevisedBy string `json:"revised_by,omitempty"`
	// Signer is the OpenPGP key that signed this revision, verified:
	// its fingerprint and identity. Empty: not signed.
	Signer string `json:"signer,omitempty"`
}

// Status says what an advisory states about a product.
type Status string

// The statuses an affected entry can carry. An explicit StatusFixed or
// StatusNotAffected listing of a version beats any range that includes it.
const (
	StatusAffected           Status = "affected"
	StatusFixed              Status = "fixed"
	StatusNotAffected        Status = "not_affected"
	StatusUnderInvestigation Status = "under_investigation"
)

// Affected is one product entry of a normalized advisory: how to recognize
// the product (purl, else CPE, else vendor and product names) and which of its
// versions the entry speaks of. An entry with neither Versions nor Ranges
// covers every version.
type Affected struct {
	Vendor   string   `json:"vendor,omitempty"`
	Product  string   `json:"product,omitempty"`
	CPE      string   `json:"cpe,omitempty"`    // CPE 2.3 formatted string or 2.2 URI
	PURL     string   `json:"purl,omitempty"`   // package URL, version part ignored for identity
	Scheme   string   `json:"scheme,omitempty"` // a scheme of package version; empty means generic
	Versions []string `json:"versions,omitempty"`
	Ranges   []Range  `json:"ranges,omitempty"`
	Status   Status   `json:"status"`
}

// Range is one span of versions. Introduced is inclusive ("0" or empty means
// from the beginning), Fixed is exclusive, LastAffected is inclusive, Limit is
// an exclusive upper bound on where the range applies (OSV).
// IntroducedExclusive makes Introduced exclusive: a vers ">" constraint, and
// the right half of a range split by "!=", need it. A consumer that ignores
// it includes one version too many, never one too few.
type Range struct {
	Introduced          string `json:"introduced,omitempty"`
	Fixed               string `json:"fixed,omitempty"`
	LastAffected        string `json:"last_affected,omitempty"`
	Limit               string `json:"limit,omitempty"`
	IntroducedExclusive bool   `json:"introduced_exclusive,omitempty"`
}
