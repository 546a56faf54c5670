package subscribers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
)

func TestSBOMs(t *testing.T) {
	t.Parallel()
	log4jCore := "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
	tests := []struct {
		file  string
		parse func(io.Reader) ([]store.Item, error)
		want  []store.Item
	}{
		{"webshop.cdx.json", ParseCycloneDXJSON, []store.Item{
			{Vendor: "Example Retail KK", Product: "webshop", Version: "3.1.0", Asset: "webshop 3.1.0"},
			{Vendor: "The Apache Software Foundation", Product: "log4j-api", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1", Asset: "webshop 3.1.0"},
			{Vendor: "Example Reports Inc.", Product: "report-engine", Version: "7.2", Asset: "webshop 3.1.0"},
			{Product: "log4j-core", Version: "2.14.1", PURL: log4jCore, Asset: "webshop 3.1.0"},
			{Vendor: "Canonical", Product: "ubuntu", Version: "22.04", CPE: "cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*", Asset: "webshop 3.1.0"},
		}},
		{"billing.cdx.xml", ParseCycloneDXXML, []store.Item{
			{Product: "billing", Version: "2.0", Asset: "billing 2.0"},
			{Vendor: "Example PDF Ltd.", Product: "pdfkit", Version: "1.9", Asset: "billing 2.0"},
			{Product: "log4j-core", Version: "2.14.1", PURL: log4jCore, Asset: "billing 2.0"},
		}},
		{"portal.spdx.json", ParseSPDXJSON, []store.Item{
			{Vendor: "The Apache Software Foundation", Product: "log4j-core", Version: "2.14.1", PURL: log4jCore,
				CPE: "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", Asset: "intranet-portal-5.0"},
			{Product: "portal", Asset: "intranet-portal-5.0"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("..", "testdata", "sbom", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := tt.parse(f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("items:\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// TestBadSBOMs: each is refused whole, with a message that names what is
// wrong and where.
func TestBadSBOMs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		parse func(io.Reader) ([]store.Item, error)
		doc   string
		want  string
	}{
		{"not JSON", ParseCycloneDXJSON, `{"bomFormat": "CycloneDX",`, "not a CycloneDX JSON BOM: invalid JSON"},
		{"another format", ParseCycloneDXJSON, `{"items": []}`, `bomFormat is "", want "CycloneDX"`},
		{"bad purl in a nested component", ParseCycloneDXJSON, `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
			{"type": "library", "name": "ok", "version": "1"},
			{"type": "library", "name": "outer", "components": [{"type": "library", "name": "inner", "purl": "maven/no-scheme@1"}]}]}`,
			`components[1].components[0] ("inner"): purl "maven/no-scheme@1"`},
		{"bad cpe", ParseCycloneDXJSON, `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": "x", "cpe": "cpe:9:nonsense"}]}`,
			`components[0] ("x"): `},
		{"wrong type", ParseCycloneDXJSON, `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": {"name": "x"}}`, "components: expected"},
		{"no components", ParseCycloneDXJSON, `{"bomFormat": "CycloneDX", "specVersion": "1.5"}`, "the BOM lists no component"},
		{"XML of another kind", ParseCycloneDXXML, `<bom xmlns="urn:other"><components/></bom>`, `namespace "urn:other" is none of CycloneDX's`},
		{"XML broken", ParseCycloneDXXML, `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>`, "not a CycloneDX XML BOM: XML syntax error on line 1"},
		{"XML control character", ParseCycloneDXXML, `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component type="library"><name>a&#x1b;b</name></component></components></bom>`,
			"illegal character code U+001B"},
		{"control character", ParseCycloneDXJSON, `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": "a\u001bb"}]}`,
			`components[0] ("a\x1bb"): product "a\x1bb" contains a control character`},
		{"SPDX without version", ParseSPDXJSON, `{"packages": []}`, "not an SPDX JSON document: JSON document does not contain spdxVersion"},
		{"SPDX 3", ParseSPDXJSON, `{"spdxVersion": "SPDX-3.0"}`, "unsupported SDPX version: SPDX-3.0"},
		{"SPDX bad purl", ParseSPDXJSON, `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "d", "packages": [{"SPDXID": "SPDXRef-p", "name": "p",
			"externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:"}]}]}`, `packages[0] ("p"): purl "pkg:"`},
		{"SPDX no packages", ParseSPDXJSON, `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "d"}`, "lists no package"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := tt.parse(strings.NewReader(tt.doc))
			var ie *ImportError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) || items != nil {
				t.Errorf("got %v, %v; want an ImportError containing %q", items, err, tt.want)
			}
		})
	}
}

// TestSBOMSentAsJSON: an SBOM sent as Heed's JSON inventory is refused
// with the media type it should have been sent as.
func TestSBOMSentAsJSON(t *testing.T) {
	t.Parallel()
	for doc, want := range map[string]string{
		`{"bomFormat": "CycloneDX", "components": []}`: "send it as " + MediaCycloneDXJSON,
		`{"spdxVersion": "SPDX-2.3", "packages": []}`:  "send it as " + MediaSPDXJSON,
	} {
		if _, err := ParseInventoryJSON(strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", doc, err, want)
		}
	}
}

func TestInventoryMediaType(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, head, want string }{
		{"bom.json", `{"bomFormat":"CycloneDX"}`, MediaCycloneDXJSON},
		{"x.json", "\ufeff\n {\"spdxVersion\":\"SPDX-2.3\"}", MediaSPDXJSON},
		{"x.txt", `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5">`, MediaCycloneDXXML},
		{"inv.json", `{"items":[]}`, "application/json"},
		{"app.cdx.json", ``, MediaCycloneDXJSON},
		{"app.spdx.json", ``, MediaSPDXJSON},
		{"inv.CSV", "vendor,product", "text/csv"},
		{"notes.txt", "hello", ""},
	}
	for _, tt := range tests {
		if got := InventoryMediaType(tt.name, []byte(tt.head)); got != tt.want {
			t.Errorf("InventoryMediaType(%q, %q) = %q, want %q", tt.name, tt.head, got, tt.want)
		}
	}
}

// The SBOM readers take files from outside: whatever they are given, they
// return only valid items, or an *ImportError and none (checkImport).

func sbomSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "sbom", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

func FuzzParseCycloneDXJSON(f *testing.F) {
	sbomSeeds(f, "webshop.cdx.json")
	f.Add(`{"bomFormat":"CycloneDX","components":[{"name":"a","components":[{"name":"b","purl":"pkg:npm/b@1"}]}]}`)
	f.Fuzz(func(t *testing.T, s string) { checkImport(t, ParseCycloneDXJSON, s) })
}

func FuzzParseCycloneDXXML(f *testing.F) {
	sbomSeeds(f, "billing.cdx.xml")
	f.Fuzz(func(t *testing.T, s string) { checkImport(t, ParseCycloneDXXML, s) })
}

func FuzzParseSPDXJSON(f *testing.F) {
	sbomSeeds(f, "portal.spdx.json")
	f.Fuzz(func(t *testing.T, s string) { checkImport(t, ParseSPDXJSON, s) })
}

// BenchmarkSBOM10k reads a CycloneDX JSON BOM and an SPDX JSON document of
// 10,000 components each (a large container image's SBOM), written here;
// the BOM's subject is one item more.
func BenchmarkSBOM10k(b *testing.B) {
	var cdxDoc, spdxDoc strings.Builder
	cdxDoc.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"type":"container","name":"image","version":"1"}},"components":[`)
	spdxDoc.WriteString(`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"image-1","packages":[`)
	for i := range 10000 {
		if i > 0 {
			cdxDoc.WriteString(",")
			spdxDoc.WriteString(",")
		}
		fmt.Fprintf(&cdxDoc, `{"type":"library","bom-ref":"c%d","supplier":{"name":"Vendor %d"},"name":"lib%d","version":"1.%d.0","purl":"pkg:npm/lib%d@1.%d.0"}`, i, i%50, i, i%30, i, i%30)
		fmt.Fprintf(&spdxDoc, `{"SPDXID":"SPDXRef-p%d","name":"lib%d","versionInfo":"1.%d.0","supplier":"Organization: Vendor %d","downloadLocation":"NOASSERTION",`+
			`"externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/lib%d@1.%d.0"}]}`, i, i, i%30, i%50, i, i%30)
	}
	cdxDoc.WriteString(`]}`)
	spdxDoc.WriteString(`]}`)
	for _, bm := range []struct {
		name  string
		doc   string
		parse func(io.Reader) ([]store.Item, error)
		items int
	}{{"cyclonedx-json", cdxDoc.String(), ParseCycloneDXJSON, 10001}, {"spdx-json", spdxDoc.String(), ParseSPDXJSON, 10000}} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.doc)))
			for b.Loop() {
				items, err := bm.parse(strings.NewReader(bm.doc))
				if err != nil || len(items) != bm.items {
					b.Fatalf("%d items, %v", len(items), err)
				}
			}
		})
	}
}
