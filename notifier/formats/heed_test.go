package formats

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/subscribers/advisory"
)

func TestHeedFixture(t *testing.T) {
	t.Parallel()
	a := mustParse(t, "sa44101.heed.json")
	if a.ID != "SA44101" || a.Revision != "1" || a.Format != FormatHeed || a.Severity != advisory.Critical || !a.KnownExploited {
		t.Errorf("header: %+v", a)
	}
	if !a.Published.Equal(time.Date(2019, 4, 24, 0, 0, 0, 0, time.UTC)) || !a.Due.Equal(time.Date(2019, 5, 8, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("dates %v %v", a.Published, a.Due)
	}
	wantAffected(t, a.Affected, []advisory.Affected{{
		Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Scheme: "generic", Status: advisory.StatusAffected,
		Ranges: []advisory.Range{
			{Introduced: "9.0R1", Fixed: "9.0R3.4"},
			{Introduced: "8.3R1", Fixed: "8.3R7.1"},
			{Introduced: "8.2R1", Fixed: "8.2R12.1"},
		},
	}})
}

func TestHeedStrict(t *testing.T) {
	t.Parallel()
	base := func(affected string) string {
		return `{"heed_advisory": 1, "id": "SA1", "revision": 1, "affected": [` + affected + `]}`
	}
	tests := []struct{ name, doc, reason string }{
		{"unknown field", `{"heed_advisory": 1, "id": "SA1", "revision": 1, "sevrity": "high"}`, `unknown field "sevrity"`},
		{"version 2", `{"heed_advisory": 2, "id": "SA1", "revision": 1}`, "heed_advisory must be 1"},
		{"no id", `{"heed_advisory": 1, "revision": 1}`, "id is required"},
		{"space in id", `{"heed_advisory": 1, "id": "SA 1", "revision": 1}`, `id "SA 1" contains white space`},
		{"long id", `{"heed_advisory": 1, "id": "` + strings.Repeat("x", 129) + `", "revision": 1}`, "at most 128"},
		{"no revision", `{"heed_advisory": 1, "id": "SA1"}`, "revision is required"},
		{"revision zero", `{"heed_advisory": 1, "id": "SA1", "revision": 0}`, "revision 0 is not a positive integer"},
		{"revision fraction", `{"heed_advisory": 1, "id": "SA1", "revision": 1.5}`, "revision 1.5 is not a positive integer"},
		{"revision string", `{"heed_advisory": 1, "id": "SA1", "revision": "1"}`, `revision "1" is not a positive integer`},
		{"format string", `{"heed_advisory": "1", "id": "SA1", "revision": 1}`, "heed_advisory must be 1"},
		{"severity", `{"heed_advisory": 1, "id": "SA1", "revision": 1, "severity": "urgent"}`, `severity "urgent" is not one of`},
		{"published", `{"heed_advisory": 1, "id": "SA1", "revision": 1, "published": "24 April 2019"}`, "published \"24 April 2019\" is not an RFC 3339 time"},
		{"remediation", `{"heed_advisory": 1, "id": "SA1", "revision": 1, "remediations": [{"details": "x"}]}`, "remediations[0]: category is empty"},
		{"identity", base(`{"vendor": "Acme"}`), "affected[0]: needs vendor and product, or cpe, or purl"},
		{"scheme", base(`{"purl": "pkg:npm/x", "scheme": "conan"}`), `affected[0]: scheme "conan" is not one of`},
		{"status", base(`{"purl": "pkg:npm/x", "status": "vulnerable"}`), `affected[0]: status "vulnerable"`},
		{"empty range", base(`{"purl": "pkg:npm/x"}, {"purl": "pkg:npm/y"}, {"cpe": "cpe:2.3:a:x:y", "ranges": [{"limit": "2"}]}`), "affected[2].ranges[0]: introduced is empty"},
		{"fixed and last", base(`{"purl": "pkg:npm/x", "ranges": [{"introduced": "1", "fixed": "2", "last_affected": "3"}]}`), "give fixed or last_affected, not both"},
		{"unknown nested", base(`{"purl": "pkg:npm/x", "ranges": [{"introduce": "1"}]}`), `unknown field "introduce"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			var perr *Error
			if !errors.As(err, &perr) || perr.Format != FormatHeed || !strings.Contains(perr.Reason, tt.reason) {
				t.Errorf("Parse: %v; want heed refusal containing %q", err, tt.reason)
			}
		})
	}
}

func TestHeedDefaults(t *testing.T) {
	t.Parallel()
	a, err := Parse([]byte(`{"heed_advisory": 1, "id": "SA2", "revision": 7,
		"affected": [{"purl": "pkg:npm/left-pad", "ranges": [{"fixed": "1.3.0"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "SA2" || a.Severity != advisory.High || a.Revision != "7" {
		t.Errorf("defaults: title %q severity %q revision %q", a.Title, a.Severity, a.Revision)
	}
	// No scheme given: the purl type orders the versions.
	wantAffected(t, a.Affected, []advisory.Affected{{
		PURL: "pkg:npm/left-pad", Scheme: "npm", Status: advisory.StatusAffected,
		Ranges: []advisory.Range{{Fixed: "1.3.0"}},
	}})
}
