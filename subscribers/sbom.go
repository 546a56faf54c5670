package subscribers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// SBOMs as inventories: a software bill of materials lists the components
// an organization runs, each with what identifies it (purl, CPE, supplier,
// name, version), so it is an inventory. Each component becomes one item;
// nested components too. The subject of the SBOM (CycloneDX
// metadata.component, the SPDX document's name) becomes each item's asset,
// so a case says where the component was found. A component Heed cannot
// use (a purl or CPE that does not parse, a field too long) refuses the
// whole SBOM, naming the component, so nothing already imported is lost.

// The media types of the SBOM formats Heed reads.
const (
	MediaCycloneDXJSON = "application/vnd.cyclonedx+json"
	MediaCycloneDXXML  = "application/vnd.cyclonedx+xml"
	MediaSPDXJSON      = "application/spdx+json"
)

// maxSBOMDepth bounds how deep components may nest: a real SBOM nests a
// few levels; a hostile one could nest until the walk exhausts the stack.
const maxSBOMDepth = 64

// noAssertion is SPDX's word for "the author does not say".
const noAssertion = "NOASSERTION"

// ParseCycloneDXJSON reads a CycloneDX BOM in JSON (any spec version).
func ParseCycloneDXJSON(r io.Reader) ([]store.Item, error) {
	return parseCycloneDX(r, cdx.BOMFileFormatJSON)
}

// ParseCycloneDXXML reads a CycloneDX BOM in XML (any spec version).
func ParseCycloneDXXML(r io.Reader) ([]store.Item, error) {
	return parseCycloneDX(r, cdx.BOMFileFormatXML)
}

func parseCycloneDX(r io.Reader, format cdx.BOMFileFormat) ([]store.Item, error) {
	name := "CycloneDX JSON"
	if format == cdx.BOMFileFormatXML {
		name = "CycloneDX XML"
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(r, format).Decode(&bom); err != nil {
		return nil, &ImportError{Msg: fmt.Sprintf("not a %s BOM: %s", name, decodeReason(err))}
	}
	switch {
	case format == cdx.BOMFileFormatJSON && bom.BOMFormat != "CycloneDX":
		return nil, &ImportError{Msg: fmt.Sprintf("not a CycloneDX JSON BOM: bomFormat is %q, want \"CycloneDX\"", bom.BOMFormat)}
	case format == cdx.BOMFileFormatXML && bom.SpecVersion == 0:
		return nil, &ImportError{Msg: fmt.Sprintf("not a CycloneDX XML BOM: the bom element's namespace %q is none of CycloneDX's (http://cyclonedx.org/schema/bom/1.x)", bom.XMLNS)}
	}
	subject := ""
	items := []store.Item{}
	var walk func(path string, cs *[]cdx.Component) error
	walk = func(path string, cs *[]cdx.Component) error {
		if cs == nil {
			return nil
		}
		if strings.Count(path, ".components") > maxSBOMDepth {
			return &ImportError{Msg: fmt.Sprintf("%s: components nest deeper than %d levels", path, maxSBOMDepth)}
		}
		for i, c := range *cs {
			at := fmt.Sprintf("%s[%d]", path, i)
			it := cdxItem(c, subject)
			if err := validateItem(it); err != nil {
				return &ImportError{Msg: fmt.Sprintf("%s%s: %v", at, componentName(c.Name, c.BOMRef), err)}
			}
			items = append(items, it)
			if err := walk(at+".components", c.Components); err != nil {
				return err
			}
		}
		return nil
	}
	if m := bom.Metadata; m != nil && m.Component != nil {
		subject = strings.TrimSpace(strings.TrimSpace(m.Component.Name) + " " + strings.TrimSpace(m.Component.Version))
		if err := walk("metadata.component", &[]cdx.Component{*m.Component}); err != nil {
			return nil, err
		}
	}
	if err := walk("components", bom.Components); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, &ImportError{Msg: "the BOM lists no component"}
	}
	return items, nil
}

// cdxItem is a CycloneDX component as an inventory item: its supplier is
// the vendor (else its manufacturer, else its publisher); a component
// without a version takes its purl's.
func cdxItem(c cdx.Component, asset string) store.Item {
	vendor := ""
	for _, e := range []*cdx.OrganizationalEntity{c.Supplier, c.Manufacturer} {
		if e != nil && vendor == "" {
			vendor = e.Name
		}
	}
	if vendor == "" {
		vendor = c.Publisher
	}
	return sbomItem(vendor, c.Name, c.Version, c.CPE, c.PackageURL, asset)
}

func sbomItem(vendor, product, version, cpeName, purl, asset string) store.Item {
	it := store.Item{Vendor: strings.TrimSpace(vendor), Product: strings.TrimSpace(product), Version: strings.TrimSpace(version),
		CPE: strings.TrimSpace(cpeName), PURL: strings.TrimSpace(purl), Asset: strings.TrimSpace(asset)}
	if it.Version == "" && it.PURL != "" {
		it.Version = advisory.PurlVersion(it.PURL)
	}
	return it
}

func componentName(name, ref string) string {
	switch {
	case name != "":
		return fmt.Sprintf(" (%q)", name)
	case ref != "":
		return fmt.Sprintf(" (bom-ref %q)", ref)
	}
	return ""
}

// ParseSPDXJSON reads an SPDX 2.x document in JSON (2.3, and 2.1 and 2.2,
// which the reader converts): each package becomes an item, its supplier
// the vendor, its purl and CPE taken from its external references
// (purl; cpe23Type, else cpe22Type). NOASSERTION is no value.
func ParseSPDXJSON(r io.Reader) ([]store.Item, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ImportError{Msg: "read: " + err.Error()}
	}
	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		return nil, &ImportError{Msg: "not an SPDX JSON document: " + decodeReason(err)}
	}
	asset := assertion(doc.DocumentName)
	items := []store.Item{}
	for i, p := range doc.Packages {
		if p == nil {
			continue
		}
		var purl, cpe23, cpe22 string
		for _, ref := range p.PackageExternalReferences {
			if ref == nil {
				continue
			}
			switch strings.ToLower(ref.RefType) {
			case "purl":
				purl = first(purl, ref.Locator)
			case "cpe23type":
				cpe23 = first(cpe23, ref.Locator)
			case "cpe22type":
				cpe22 = first(cpe22, ref.Locator)
			}
		}
		vendor := ""
		if p.PackageSupplier != nil {
			vendor = assertion(p.PackageSupplier.Supplier)
		}
		it := sbomItem(vendor, p.PackageName, assertion(p.PackageVersion), first(cpe23, cpe22), purl, asset)
		if err := validateItem(it); err != nil {
			return nil, &ImportError{Msg: fmt.Sprintf("packages[%d]%s: %v", i, componentName(p.PackageName, string(p.PackageSPDXIdentifier)), err)}
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, &ImportError{Msg: "the SPDX document lists no package"}
	}
	return items, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return strings.TrimSpace(b)
}

// assertion is an SPDX value, "" for NOASSERTION (and NONE).
func assertion(v string) string {
	v = strings.TrimSpace(v)
	if v == noAssertion || v == "NONE" {
		return ""
	}
	return v
}

// decodeReason words a decoder's error for the person who sent the file.
func decodeReason(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("%s: expected %s, got JSON %s", typ.Field, typ.Type, typ.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// InventoryMediaType tells the media type of an inventory file from its
// first bytes and, when they do not say, its name: a CycloneDX BOM in
// JSON ("bomFormat") or XML (a bom element), an SPDX document
// ("spdxVersion"), Heed's own JSON, or CSV. "" when neither says.
func InventoryMediaType(name string, head []byte) string {
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	lower := strings.ToLower(name)
	switch {
	case bytes.HasPrefix(head, []byte("{")) && bytes.Contains(head, []byte(`"bomFormat"`)):
		return MediaCycloneDXJSON
	case bytes.HasPrefix(head, []byte("{")) && bytes.Contains(head, []byte(`"spdxVersion"`)):
		return MediaSPDXJSON
	case bytes.HasPrefix(head, []byte("<")) && bytes.Contains(head, []byte("cyclonedx.org/schema/bom")):
		return MediaCycloneDXXML
	case strings.HasSuffix(lower, ".cdx.json") || strings.HasSuffix(lower, ".bom.json"):
		return MediaCycloneDXJSON
	case strings.HasSuffix(lower, ".spdx.json"):
		return MediaSPDXJSON
	case strings.HasSuffix(lower, ".xml"):
		return MediaCycloneDXXML
	case strings.HasSuffix(lower, ".json") || bytes.HasPrefix(head, []byte("{")):
		return "application/json"
	case strings.HasSuffix(lower, ".csv"):
		return "text/csv"
	}
	return ""
}

// sbomHint is what to say when Heed's own JSON inventory starts with a
// field that names an SBOM format: the file is an SBOM sent as the wrong
// type.
func sbomHint(field any) string {
	switch field {
	case "bomFormat":
		return "; this is a CycloneDX SBOM: send it as " + MediaCycloneDXJSON
	case "spdxVersion":
		return "; this is an SPDX document: send it as " + MediaSPDXJSON
	}
	return ""
}
