package subscribers

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

// Version schemes an affected entry can declare. Each has its own ordering;
// SchemeGeneric is the documented fallback for vendor version strings.
const (
	SchemeGeneric = "generic"
	SchemeSemver  = "semver"
	SchemeNPM     = "npm"
	SchemeGo      = "golang"
	SchemePyPI    = "pypi"
	SchemeMaven   = "maven"
	SchemeDebian  = "deb"
	SchemeRPM     = "rpm"
)

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

// Affected is one product entry of a normalized advisory: how to recognize
// the product (purl, else CPE, else vendor and product names) and which of its
// versions the entry speaks of. An entry with neither Versions nor Ranges
// covers every version.
type Affected struct {
	Vendor   string   `json:"vendor,omitempty"`
	Product  string   `json:"product,omitempty"`
	CPE      string   `json:"cpe,omitempty"`    // CPE 2.3 formatted string or 2.2 URI
	PURL     string   `json:"purl,omitempty"`   // package URL, version part ignored for identity
	Scheme   string   `json:"scheme,omitempty"` // version scheme: see version.Schemes
	Versions []string `json:"versions,omitempty"`
	Ranges   []Range  `json:"ranges,omitempty"`
	Status   Status   `json:"status"`
}

// Item is one entry of an organization's inventory.
type Item struct {
	ID      int64  `json:"-"`
	OrgID   string `json:"-"`
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
	Version string `json:"version"`
	CPE     string `json:"cpe"`
	PURL    string `json:"purl"`
	Asset   string `json:"asset"`
}

// Certainty says how sure a match is.
type Certainty string

const (
	// CertainAffected: the item's version is covered by the advisory.
	CertainAffected Certainty = "affected"
	// PossiblyAffected: the product matches but the item has no version to compare.
	PossiblyAffected Certainty = "possible"
	// UnderInvestigation: the product is only under investigation; recorded, not mailed.
	UnderInvestigation Certainty = "under_investigation"
)
