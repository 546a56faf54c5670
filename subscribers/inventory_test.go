package subscribers

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
)

func TestParseInventoryCSV(t *testing.T) {
	t.Parallel()
	in := "\ufeffVendor, PRODUCT ,version,cpe,purl,asset\n" +
		"Ivanti,Connect Secure,9.0R3.3,,,vpn-1.example.jp\n" +
		"\n" +
		",,,cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*,,fw\n" +
		",,,,pkg:npm/lodash@4.17.20,\"web, app\"\n"
	got, err := ParseInventoryCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Item{
		{Vendor: "Ivanti", Product: "Connect Secure", Version: "9.0R3.3", Asset: "vpn-1.example.jp"},
		{CPE: "cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*", Asset: "fw"},
		{PURL: "pkg:npm/lodash@4.17.20", Asset: "web, app"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}

	got, err = ParseInventoryCSV(strings.NewReader("purl,product\npkg:pypi/django,Django\n"))
	if err != nil || len(got) != 1 || got[0].Product != "Django" {
		t.Errorf("subset of columns in another order: %+v, %v", got, err)
	}
}

func TestParseInventoryCSVErrors(t *testing.T) {
	t.Parallel()
	const header = "vendor,product,version,cpe,purl,asset\n"
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"empty", "", 1, "empty file"},
		{"unknown column", "vendor,product,serial\n", 1, `unknown column "serial"`},
		{"repeated column", "product,Product\n", 1, `column "product" appears twice`},
		{"no identity column", "vendor,version\n", 1, "none of the columns product, cpe and purl"},
		{"nothing identifies", header + "Ivanti,Connect Secure,1,,,\n,,,,,\n", 3, "nothing identifies the item"},
		{"vendor only", header + "Ivanti,,9.0,,,\n", 2, `vendor "Ivanti" without a product`},
		{"bad cpe", header + "a,b,c,d,e,f\n", 2, `cpe "d"`},
		{"bad purl", header + ",x,,,npm/lodash,\n", 2, `purl "npm/lodash"`},
		{"field count", header + "a,b\n", 2, "has 2 fields, the header has 6"},
		{"quote", header + "a,\"b,c,d,e,f\n", 2, "quote"},
		{"blank lines count", header + "a,b,,,,\n\nIvanti,,,,,\n", 4, "without a product"},
		{"newline inside a field", header + "a,\"b\nc\",,,,\n", 2, "control character"},
		{"control char", header + "a,b\x01,,,,\n", 2, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := ParseInventoryCSV(strings.NewReader(tt.in))
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, %v; want an *ImportError", items, err)
			}
			if items != nil {
				t.Errorf("partial result %v", items)
			}
			if ie.Line != tt.line || !strings.Contains(ie.Msg, tt.msg) || !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("got %q (line %d), want line %d and %q", err, ie.Line, tt.line, tt.msg)
			}
		})
	}
}

func TestParseInventoryJSON(t *testing.T) {
	t.Parallel()
	in := `{"items": [
  {"vendor": "Ivanti", "product": "Connect Secure", "version": "9.0R3.3", "asset": "vpn-1"},
  {"purl": "pkg:npm/lodash@4.17.20"}
]}`
	got, err := ParseInventoryJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Item{{Vendor: "Ivanti", Product: "Connect Secure", Version: "9.0R3.3", Asset: "vpn-1"}, {PURL: "pkg:npm/lodash@4.17.20"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got, err := ParseInventoryJSON(strings.NewReader(`{"items":[]}`)); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty inventory: %v, %v", got, err)
	}
}

func TestParseInventoryJSONErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in   string
		line, item int
		msg        string
	}{
		{"not an object", `[]`, 1, 0, "want an object"},
		{"unknown top field", `{"items":[], "org":"x"}`, 1, 0, `unknown field "org"`},
		{"unknown item field", "{\"items\":[\n{\"product\":\"a\"},\n{\"product\":\"b\",\"serial\":1}]}", 3, 2, `unknown field "serial"`},
		{"ID is not settable", `{"items":[{"product":"a","ID":5}]}`, 1, 1, `unknown field "ID"`},
		{"invalid item", "{\"items\":[\n  {\"product\":\"a\"},\n  {\"vendor\":\"Ivanti\"}\n]}", 3, 2, "without a product"},
		{"bad cpe", `{"items":[{"cpe":"cpe:2.3:a"}]}`, 1, 1, "cpe"},
		{"wrong type", `{"items":[{"product":5}]}`, 1, 1, "cannot unmarshal"},
		{"no items", `{}`, 1, 0, `no "items"`},
		{"items twice", `{"items":[],"items":[]}`, 1, 0, "twice"},
		{"trailing", `{"items":[]} {}`, 1, 0, "after the object"},
		{"truncated", `{"items":[{"product":"a"}`, 1, 0, "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := ParseInventoryJSON(strings.NewReader(tt.in))
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, %v; want an *ImportError", items, err)
			}
			if items != nil {
				t.Errorf("partial result %v", items)
			}
			if ie.Line != tt.line || ie.Item != tt.item || !strings.Contains(ie.Msg, tt.msg) {
				t.Errorf("got %q (line %d, item %d), want line %d, item %d and %q", err, ie.Line, ie.Item, tt.line, tt.item, tt.msg)
			}
		})
	}
}

// FuzzParseInventoryCSV checks that the CSV import never panics, fails
// with a located *ImportError, and returns only valid items.
func FuzzParseInventoryCSV(f *testing.F) {
	f.Add("vendor,product,version,cpe,purl,asset\nIvanti,Connect Secure,9.0R3.3,,,vpn\n")
	f.Add("\ufeffpurl\npkg:npm/lodash@1\n")
	f.Add("cpe,asset\ncpe:/a:pulsesecure:pulse_connect_secure:9.0,\"a\nb\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		checkImport(t, ParseInventoryCSV, s)
	})
}

// checkImport fails unless parse either returns only valid items, or fails
// with a located *ImportError and no items at all.
func checkImport(t *testing.T, parse func(io.Reader) ([]store.Item, error), s string) {
	items, err := parse(strings.NewReader(s))
	if err != nil {
		var ie *ImportError
		if !errors.As(err, &ie) || items != nil {
			t.Fatalf("error %v (%T) with %d items", err, err, len(items))
		}
		return
	}
	for i, it := range items {
		if err := validateItem(it); err != nil {
			t.Fatalf("item %d is invalid: %v", i, err)
		}
	}
}

// FuzzParseInventoryJSON is FuzzParseInventoryCSV for the JSON import.
func FuzzParseInventoryJSON(f *testing.F) {
	f.Add(`{"items":[{"vendor":"Ivanti","product":"Connect Secure","version":"9.0R3.3","asset":"vpn"}]}`)
	f.Add(`{"items":[{"purl":"pkg:npm/lodash@4.17.20"},{"cpe":"cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*"}]}`)
	f.Add(`{"items":[{"vendor":"x","colour":"red"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		checkImport(t, ParseInventoryJSON, s)
	})
}
