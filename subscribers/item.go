package subscribers

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
