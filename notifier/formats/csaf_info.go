package formats

import (
	"fmt"
	"strings"

	"github.com/heed-dev/heed/subscribers/advisory"
)

// csafInformation completes a, the common part of a CSAF document whose
// category is not one Heed acts on, as information: its notes are its
// content, its references and CVEs are kept, and it names no affected
// product, so it can never open a case. Products its vulnerabilities list
// (a csaf_base document may have them) are said in a note, not matched:
// the publisher did not make the statement the two acting profiles make.
func csafInformation(a *advisory.Advisory, d csafDoc, category string) *advisory.Advisory {
	a.Informational = true
	a.Category = category
	if a.Severity == "" {
		a.Severity = advisory.Low
	}
	for _, n := range d.Document.Notes {
		if strings.TrimSpace(n.Text) == "" {
			continue
		}
		a.Texts = append(a.Texts, advisory.Text{Category: strings.TrimSpace(n.Category), Title: strings.TrimSpace(n.Title), Text: strings.TrimSpace(n.Text)})
	}
	listed := 0
	for _, v := range d.Vulnerabilities {
		a.CVEs = append(a.CVEs, v.CVE)
		_, refs := csafURLs(v.References)
		a.References = append(a.References, refs...)
		for _, ids := range v.ProductStatus {
			listed += len(ids)
		}
	}
	a.Notes = append(a.Notes, fmt.Sprintf("csaf: document.category %q is information: recorded and shown, no cases opened", category))
	if listed > 0 {
		a.Notes = append(a.Notes, "csaf: the product statuses of this information document are not matched against inventories")
	}
	return a
}
