package formats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/version"
)

// heedDoc is Heed's own advisory format. It is the format publishers write by
// hand, so it is read strictly: a misspelt field is an error, not a silently
// missing fact.
type heedDoc struct {
	HeedAdvisory   json.RawMessage        `json:"heed_advisory"`
	ID             string                 `json:"id"`
	Revision       json.RawMessage        `json:"revision"`
	Publisher      string                 `json:"publisher"`
	Title          string                 `json:"title"`
	Severity       string                 `json:"severity"`
	CVEs           []string               `json:"cves"`
	Aliases        []string               `json:"aliases"`
	Summary        string                 `json:"summary"`
	URL            string                 `json:"url"`
	References     []string               `json:"references"`
	Published      string                 `json:"published"`
	Due            string                 `json:"due"`
	KnownExploited bool                   `json:"known_exploited"`
	Withdrawn      bool                   `json:"withdrawn"`
	Remediations   []advisory.Remediation `json:"remediations"`
	Affected       []heedAffected         `json:"affected"`
}

type heedAffected struct {
	Vendor   string      `json:"vendor"`
	Product  string      `json:"product"`
	CPE      string      `json:"cpe"`
	PURL     string      `json:"purl"`
	Scheme   string      `json:"scheme"`
	Versions []string    `json:"versions"`
	Ranges   []heedRange `json:"ranges"`
	Status   string      `json:"status"`
}

type heedRange struct {
	Introduced   string `json:"introduced"`
	Fixed        string `json:"fixed"`
	LastAffected string `json:"last_affected"`
	Limit        string `json:"limit"`
}

var heedStatuses = []advisory.Status{
	advisory.StatusAffected, advisory.StatusFixed,
	advisory.StatusNotAffected, advisory.StatusUnderInvestigation,
}

func parseHeed(data []byte) (*advisory.Advisory, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d heedDoc
	if err := dec.Decode(&d); err != nil {
		return nil, refuse(FormatHeed, "%s", jsonReason(err))
	}
	if string(d.HeedAdvisory) != "1" {
		return nil, refuse(FormatHeed, "heed_advisory must be 1 (the only version of the format)")
	}
	if strings.TrimSpace(d.ID) == "" {
		return nil, refuse(FormatHeed, "id is required")
	}
	if strings.IndexFunc(d.ID, unicode.IsSpace) >= 0 {
		return nil, refuse(FormatHeed, "id %q contains white space", d.ID)
	}
	if d.Revision == nil {
		return nil, refuse(FormatHeed, "revision is required (a positive integer, raised with every update)")
	}
	// The raw JSON must be an integer literal: "1" (a string) or 1.0 is
	// refused rather than guessed at.
	rev, err := strconv.ParseInt(string(d.Revision), 10, 64)
	if err != nil || rev < 1 {
		return nil, refuse(FormatHeed, "revision %s is not a positive integer", d.Revision)
	}
	sev := strings.ToLower(strings.TrimSpace(d.Severity))
	if sev != "" && !validSeverity(sev) {
		return nil, refuse(FormatHeed, "severity %q is not one of critical, high, medium, low", d.Severity)
	}
	published, err := heedTime("published", d.Published)
	if err != nil {
		return nil, err
	}
	due, err := heedTime("due", d.Due)
	if err != nil {
		return nil, err
	}
	for i, r := range d.Remediations {
		if strings.TrimSpace(r.Category) == "" {
			return nil, refuse(FormatHeed, "remediations[%d]: category is empty", i)
		}
	}
	a := &advisory.Advisory{
		ID:             d.ID,
		Revision:       fmt.Sprint(rev),
		Format:         FormatHeed,
		Publisher:      d.Publisher,
		Title:          d.Title,
		Severity:       sev,
		CVEs:           d.CVEs,
		Aliases:        d.Aliases,
		Summary:        d.Summary,
		URL:            d.URL,
		References:     d.References,
		Published:      published,
		Due:            due,
		KnownExploited: d.KnownExploited,
		Withdrawn:      d.Withdrawn,
		Remediations:   d.Remediations,
	}
	for i, h := range d.Affected {
		e, err := h.affected(fmt.Sprintf("affected[%d]", i))
		if err != nil {
			return nil, err
		}
		a.Affected = append(a.Affected, e)
	}
	return a, nil
}

func (h heedAffected) affected(at string) (advisory.Affected, error) {
	e := advisory.Affected{
		Vendor:   h.Vendor,
		Product:  h.Product,
		CPE:      h.CPE,
		PURL:     h.PURL,
		Scheme:   strings.TrimSpace(h.Scheme),
		Versions: h.Versions,
		Status:   advisory.Status(strings.TrimSpace(h.Status)),
	}
	named := strings.TrimSpace(h.Vendor) != "" && strings.TrimSpace(h.Product) != ""
	if !named && strings.TrimSpace(h.CPE) == "" && strings.TrimSpace(h.PURL) == "" {
		return e, refuse(FormatHeed, "%s: needs vendor and product, or cpe, or purl", at)
	}
	if e.Scheme != "" && !version.Known(e.Scheme) {
		return e, refuse(FormatHeed, "%s: scheme %q is not one of %s", at, h.Scheme, strings.Join(version.Schemes, ", "))
	}
	if e.Status != "" && !slices.Contains(heedStatuses, e.Status) {
		return e, refuse(FormatHeed, "%s: status %q is not one of affected, fixed, not_affected, under_investigation", at, h.Status)
	}
	for j, v := range h.Versions {
		if strings.TrimSpace(v) == "" {
			return e, refuse(FormatHeed, "%s.versions[%d] is empty", at, j)
		}
	}
	for j, r := range h.Ranges {
		if strings.TrimSpace(r.Introduced+r.Fixed+r.LastAffected) == "" {
			return e, refuse(FormatHeed, "%s.ranges[%d]: introduced is empty, and so are fixed and last_affected; a range needs at least one", at, j)
		}
		if strings.TrimSpace(r.Fixed) != "" && strings.TrimSpace(r.LastAffected) != "" {
			return e, refuse(FormatHeed, "%s.ranges[%d]: give fixed or last_affected, not both", at, j)
		}
		e.Ranges = append(e.Ranges, advisory.Range{Introduced: r.Introduced, Fixed: r.Fixed, LastAffected: r.LastAffected, Limit: r.Limit})
	}
	return e, nil
}

// heedTime reads an optional RFC 3339 time.
func heedTime(field, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, refuse(FormatHeed, "%s %q is not an RFC 3339 time such as 2019-04-24T00:00:00Z", field, s)
	}
	return t, nil
}
