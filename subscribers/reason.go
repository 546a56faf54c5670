package subscribers

import "github.com/heed-dev/heed/store"

// The codes of a match reason (store.Reason) and their arguments, in order.
// Package templates has a sentence for each in every language; the
// "…_investigating" codes are the same facts about an entry that is only
// under investigation.
const (
	ReasonListed                   = "listed"                     // version: the entry lists it
	ReasonListedInvestigating      = "listed_investigating"       // version
	ReasonInRange                  = "in_range"                   // version, range in interval notation
	ReasonCPEVersion               = "cpe_version"                // version, the entry's CPE version
	ReasonCPEPattern               = "cpe_pattern"                // version, the entry's CPE version pattern
	ReasonAllVersions              = "all_versions"               // product: the entry limits no version
	ReasonAllVersionsInvestigating = "all_versions_investigating" // product
	ReasonNoVersion                = "no_version"                 // product: the item has no version
	ReasonNoVersionInvestigating   = "no_version_investigating"   // product
)

// How a product was recognized (store.Reason.Via); by name when empty.
const (
	ViaPURL = "purl"
	ViaCPE  = "cpe"
)

func reason(code string, args ...string) store.Reason {
	return store.Reason{Code: code, Args: args}
}
