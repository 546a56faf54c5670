package formats

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/version"
)

type cveProduct struct {
	Vendor        string       `json:"vendor"`
	Product       string       `json:"product"`
	CollectionURL string       `json:"collectionURL"`
	PackageName   string       `json:"packageName"`
	CPEs          []string     `json:"cpes"`
	DefaultStatus string       `json:"defaultStatus"`
	Versions      []cveVersion `json:"versions"`
}

type cveVersion struct {
	Version         string `json:"version"`
	Status          string `json:"status"`
	VersionType     string `json:"versionType"`
	LessThan        string `json:"lessThan"`
	LessThanOrEqual string `json:"lessThanOrEqual"`
	Changes         []struct {
		At     string `json:"at"`
		Status string `json:"status"`
	} `json:"changes"`
}

// cveVersionSet collects, for one version scheme, what a product's version
// objects say, by status.
type cveVersionSet struct {
	scheme                 string
	affected, unaffected   []string
	affectedR, unaffectedR []advisory.Range
	everyAffected          bool
}

// entries converts one product object following the CVE 5 schema's status
// algorithm: each version object gives a status to the versions it matches
// (changes[] switching the status from their "at" version on, inside the
// range), and versions no object matches take defaultStatus.
//
// Heed's model lists what is affected, plus explicit not_affected listings
// that beat a range. So: affected versions and range segments become an
// affected entry; unaffected ones a not_affected entry; defaultStatus
// "affected" adds an entry covering every version (narrowed by the
// not_affected listings); "unaffected" and "unknown" add nothing, because
// versions nobody listed are not reported as affected. Status "unknown" is
// dropped for the same reason. git ranges name commits, not releases, and
// are left out with a note.
//
// A product object with several CPEs yields one entry per CPE, each with the
// same versions: the CPEs are alternative names of the product (editions,
// renames), and the matcher must find any of them.
//
// It reports false when the object identifies no product at all (vendor and
// product "n/a", no package, no CPE).
func (p cveProduct) entries(where string) ([]advisory.Affected, []string, bool) {
	vendor, product := naToEmpty(p.Vendor), naToEmpty(p.Product)
	purl := purlForCollection(p.CollectionURL, p.PackageName)
	if product == "" {
		product = strings.TrimSpace(p.PackageName)
	}
	var cpes []string
	for _, c := range p.CPEs {
		if c = strings.TrimSpace(c); c != "" {
			cpes = append(cpes, c)
		}
	}
	if vendor == "" && product == "" && purl == "" && len(cpes) == 0 {
		return nil, nil, false
	}
	label := strings.TrimSpace(vendor + " " + product)
	if label == "" {
		label = firstNonEmpty(purl, strings.Join(cpes, " "))
	}
	var notes []string
	var sets []*cveVersionSet
	set := func(scheme string) *cveVersionSet {
		for _, s := range sets {
			if s.scheme == scheme {
				return s
			}
		}
		s := &cveVersionSet{scheme: scheme}
		sets = append(sets, s)
		return s
	}
	for i, v := range p.Versions {
		at := fmt.Sprintf("%s.versions[%d]", where, i)
		if strings.EqualFold(v.VersionType, "git") {
			notes = append(notes, fmt.Sprintf("cve5: %s (%s): git commit ranges are not used for matching", at, label))
			continue
		}
		s := set(cveScheme(v.VersionType, purl))
		notes = append(notes, s.add(v, at, label)...)
	}
	if p.DefaultStatus == "affected" {
		set(version.Generic).everyAffected = true
	}

	var out []advisory.Affected
	for _, s := range sets {
		base := advisory.Affected{Vendor: vendor, Product: product, PURL: purl, Scheme: s.scheme}
		if s.everyAffected {
			e := base
			e.Status = advisory.StatusAffected
			out = append(out, e)
		} else if len(s.affected)+len(s.affectedR) > 0 {
			e := base
			e.Status, e.Versions, e.Ranges = advisory.StatusAffected, s.affected, s.affectedR
			out = append(out, e)
		}
		if len(s.unaffected)+len(s.unaffectedR) > 0 {
			e := base
			e.Status, e.Versions, e.Ranges = advisory.StatusNotAffected, s.unaffected, s.unaffectedR
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		notes = append(notes, fmt.Sprintf("cve5: %s (%s): no version is stated to be affected", where, label))
	}
	if len(cpes) == 0 {
		return out, notes, true
	}
	var perCPE []advisory.Affected
	for _, cpe := range cpes {
		for _, e := range out {
			e.CPE = cpe
			perCPE = append(perCPE, e)
		}
	}
	return perCPE, notes, true
}

// add records one version object.
func (s *cveVersionSet) add(v cveVersion, at, label string) []string {
	version := strings.TrimSpace(v.Version)
	if version == "" || strings.EqualFold(version, "n/a") || strings.EqualFold(version, "unspecified") {
		if v.LessThan == "" && v.LessThanOrEqual == "" {
			if v.Status == "affected" {
				s.everyAffected = true
			}
			return nil
		}
		version = ""
	}
	if v.LessThan == "" && v.LessThanOrEqual == "" {
		return s.addSingle(version, v.Status, at, label)
	}
	if version == "0" {
		version = ""
	}
	var notes []string
	upper := advisory.Range{}
	switch {
	case v.LessThan != "":
		bound, note := cveUpperBound(version, strings.TrimSpace(v.LessThan), v.VersionType)
		upper.Fixed = bound
		notes = appendNote(notes, note, at, label)
	default:
		bound, note := cveUpperBound(version, strings.TrimSpace(v.LessThanOrEqual), v.VersionType)
		upper.LastAffected = bound
		notes = appendNote(notes, note, at, label)
	}
	// Walk the segments the changes cut the range into, in the order given
	// (the schema asks for increasing order; Heed cannot sort versions of
	// every scheme here, so it trusts the producer).
	status, start := v.Status, version
	for _, c := range v.Changes {
		cut := strings.TrimSpace(c.At)
		if cut == "" {
			continue
		}
		s.segment(status, advisory.Range{Introduced: start, Fixed: cut})
		status, start = c.Status, cut
	}
	last := upper
	last.Introduced = start
	s.segment(status, last)
	return notes
}

func (s *cveVersionSet) addSingle(version, status, at, label string) []string {
	versions := []string{version}
	if !advisory.LooksLikeVersion(version) {
		spec, ok := advisory.ReadVersions(version)
		switch {
		case ok && spec.Every:
			if status == "affected" {
				s.everyAffected = true
			}
			return nil
		case ok:
			versions = spec.Exact
			for _, r := range spec.Ranges {
				s.segment(status, r)
			}
		case status == "affected":
			s.everyAffected = true
			return []string{fmt.Sprintf("cve5: %s (%s): version text %q not understood; kept as every version", at, label, version)}
		default:
			return nil
		}
	}
	switch status {
	case "affected":
		s.affected = append(s.affected, versions...)
	case "unaffected":
		s.unaffected = append(s.unaffected, versions...)
	}
	return nil
}

func (s *cveVersionSet) segment(status string, r advisory.Range) {
	switch status {
	case "affected":
		s.affectedR = append(s.affectedR, r)
	case "unaffected":
		s.unaffectedR = append(s.unaffectedR, r)
	}
}

var seriesBound = regexp.MustCompile(`^(\d+(?:\.\d+)*)\.\*$`)

// cveUpperBound interprets lessThan/lessThanOrEqual. "*" means no upper
// bound; "2.*" means the whole 2.x series, read as below "3". Anything else
// ending in "*" ("log4j-core*") cannot be a version and is read as no upper
// bound, with a note. With versionType "patch" (Citrix: "version": "13.1",
// "lessThan": "49.15") the bound is a build of the starting release and is
// read as "13.1-49.15", with a note.
func cveUpperBound(start, bound, versionType string) (string, string) {
	if bound == "*" {
		return "", ""
	}
	if m := seriesBound.FindStringSubmatch(bound); m != nil {
		parts := strings.Split(m[1], ".")
		n, err := strconv.Atoi(parts[len(parts)-1])
		if err == nil {
			parts[len(parts)-1] = strconv.Itoa(n + 1)
			return strings.Join(parts, "."), ""
		}
	}
	if strings.HasSuffix(bound, "*") {
		return "", fmt.Sprintf("upper bound %q is not a version; read as no upper bound", bound)
	}
	if strings.EqualFold(versionType, "patch") && start != "" && !strings.HasPrefix(bound, start) {
		return start + "-" + bound, fmt.Sprintf("patch bound %q of release %q read as %s-%s", bound, start, start, bound)
	}
	return bound, ""
}

func appendNote(notes []string, note, at, label string) []string {
	if note == "" {
		return notes
	}
	return append(notes, fmt.Sprintf("cve5: %s (%s): %s", at, label, note))
}

// cveScheme maps a CVE versionType to Heed's version scheme: a purl type
// or an ecosystem name ("rubygems") names its own; otherwise ("custom",
// none, a type Heed has no ordering for) the ordering of the package's
// registry (purl, from collectionURL) decides, else generic.
func cveScheme(versionType, purl string) string {
	switch strings.ToLower(strings.TrimSpace(versionType)) {
	case "python":
		return version.PyPI
	case "go":
		return version.Go
	}
	if s := version.ForType(versionType); s != version.Generic {
		return s
	}
	if s := version.ForEcosystem(versionType); s != version.Generic {
		return s
	}
	if s := advisory.PurlScheme(purl); s != "" {
		return s
	}
	return version.Generic
}

func naToEmpty(s string) string {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "n/a") {
		return ""
	}
	return s
}
