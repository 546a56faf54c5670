package formats

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/heed-dev/heed/subscribers/advisory"
)

// mustParse parses a fixture from testdata.
func mustParse(t *testing.T, name string) *advisory.Advisory {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return a
}

// wantAffected compares affected entries and prints both sides as JSON,
// which is how intake stores and the inspect command shows them.
func wantAffected(t *testing.T, got, want []advisory.Affected) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("affected:\ngot  %s\nwant %s", g, w)
	}
}

func wantNote(t *testing.T, a *advisory.Advisory, fragment string) {
	t.Helper()
	for _, n := range a.Notes {
		if strings.Contains(n, fragment) {
			return
		}
	}
	t.Errorf("no note containing %q in %q", fragment, a.Notes)
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, format, reason string
	}{
		{"empty", ``, "", "not a JSON object"},
		{"array", `[1,2]`, "", "not a JSON object"},
		{"broken", `{"id": `, "", "not a JSON object"},
		{"trailing data", `{"heed_advisory": 1, "id": "SA1", "revision": 1} {}`, "", "not a JSON object: invalid JSON at byte 50"},
		{"unknown", `{"hello": "world"}`, "", "unknown format: none of heed_advisory, document.csaf_version, dataType CVE_RECORD, OSV schema fields"},
		{"csaf wrong type", `{"document": {"csaf_version": "2.0", "category": "csaf_vex", "title": 5}}`, "csaf", "document.title: expected string, got JSON number"},
		{"csaf no id", `{"document": {"csaf_version": "2.0", "category": "csaf_vex", "tracking": {"version": "1"}}}`, "csaf", "document.tracking.id is missing"},
		{"csaf 1.2", `{"document": {"csaf_version": "1.2", "category": "csaf_vex"}}`, "csaf", `document.csaf_version "1.2" is not supported; only 2.x`},
		{"cve reserved", `{"dataType": "CVE_RECORD", "dataVersion": "5.1", "cveMetadata": {"cveId": "CVE-2024-1", "state": "RESERVED", "dateUpdated": "2024-01-01T00:00:00Z"}}`, "cve5", `cveMetadata.state "RESERVED" is not supported`},
		{"cve no dates", `{"dataType": "CVE_RECORD", "dataVersion": "5.0", "cveMetadata": {"cveId": "CVE-2024-1", "state": "PUBLISHED"}}`, "cve5", "neither dateUpdated nor datePublished"},
		{"cve 4", `{"dataType": "CVE_RECORD", "dataVersion": "4.0"}`, "cve5", `dataVersion "4.0" is not supported`},
		{"osv no id", `{"id": "", "modified": "2023-01-01T00:00:00Z", "affected": []}`, "osv", "the advisory has no id"},
		{"osv control char", `{"id": "GHSA-\u0007", "modified": "2023-01-01T00:00:00Z", "affected": []}`, "osv", "contains a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse([]byte(tt.doc))
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse = %+v, %v; want *Error", a, err)
			}
			if perr.Format != tt.format || !strings.Contains(perr.Reason, tt.reason) {
				t.Errorf("got format %q reason %q; want format %q reason containing %q", perr.Format, perr.Reason, tt.format, tt.reason)
			}
		})
	}
}

// TestParseCommon checks what every format guarantees: an ID, a revision, a
// title, one of the four severities, the format, and a non-nil Affected.
func TestParseCommon(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			a := mustParse(t, name)
			if a.ID == "" || a.Revision == "" || a.Title == "" || a.Format == "" || a.Affected == nil {
				t.Errorf("missing basics: %+v", a)
			}
			if !validSeverity(a.Severity) {
				t.Errorf("severity %q", a.Severity)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	doc := `{"heed_advisory": 1, "id": "X-1", "revision": 2, "title": "  two\n lines ",
		"cves": ["cve-2020-0001", " CVE-2020-0001", "not a cve"], "aliases": ["X-1", "Y-1", "Y-1"],
		"affected": [{"vendor": " Acme ", "product": "Widget", "versions": [" 1.0", "1.0"]},
		             {"vendor": "Acme", "product": "Widget", "versions": ["1.0"]}]}`
	a, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "two lines" || a.Severity != advisory.High || a.Revision != "2" {
		t.Errorf("title %q severity %q revision %q", a.Title, a.Severity, a.Revision)
	}
	if !slices.Equal(a.CVEs, []string{"CVE-2020-0001"}) || !slices.Equal(a.Aliases, []string{"Y-1"}) {
		t.Errorf("cves %q aliases %q", a.CVEs, a.Aliases)
	}
	wantAffected(t, a.Affected, []advisory.Affected{
		{Vendor: "Acme", Product: "Widget", Scheme: "generic", Versions: []string{"1.0"}, Status: advisory.StatusAffected},
	})
}

func TestTitleFromLongDescription(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 60)
	got := titleFrom(long)
	if len([]rune(got)) > maxTitleLen+1 || !strings.HasSuffix(got, "…") || strings.Contains(got, "  ") {
		t.Errorf("titleFrom = %q", got)
	}
}

func TestSeverity(t *testing.T) {
	t.Parallel()
	score, ok := cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	if !ok || score != 9.8 {
		t.Errorf("score %v %v, want 9.8", score, ok)
	}
	for vector, want := range map[string]float64{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H": 10,
		"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N": 6.1,
		"CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:L": 6.1,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N": 0,
	} {
		if got, ok := cvss3BaseScore(vector); !ok || got != want {
			t.Errorf("cvss3BaseScore(%s) = %v, %v; want %v", vector, got, ok, want)
		}
	}
	for _, bad := range []string{"", "CVSS:4.0/AV:N", "CVSS:3.1/AV:N", "AV:N/AC:L/Au:N/C:P/I:N/A:N"} {
		if _, ok := cvss3BaseScore(bad); ok {
			t.Errorf("cvss3BaseScore(%q) accepted", bad)
		}
	}
	if severityFromText("Important") != advisory.High || severityFromText("MODERATE") != advisory.Medium || severityFromText("weird") != "" {
		t.Error("severityFromText")
	}
	if severityFromScore(9.0) != advisory.Critical || severityFromScore(6.9) != advisory.Medium || severityFromScore(0) != advisory.Low {
		t.Error("severityFromScore")
	}
}
