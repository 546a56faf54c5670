package subscribers

import (
	"strings"
	"testing"
	"unicode"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ kind, in, want string }{
		{AliasVendor, "Siemens AG", "siemens"},
		{AliasVendor, "SIEMENS", "siemens"},
		{AliasVendor, "Fortinet, Inc.", "fortinet"},
		{AliasVendor, "Hangzhou Hikvision Digital Technology Co.,Ltd.", "hangzhou hikvision digital technology"},
		{AliasVendor, "Schneider Electric S.A.", "schneider electric"},
		{AliasVendor, "Phoenix Contact GmbH & Co. KG", "phoenix contact"},
		{AliasVendor, "Yokogawa Electric Corporation", "yokogawa electric"},
		{AliasVendor, "Mitsubishi Electric K.K.", "mitsubishi electric"},
		{AliasVendor, "三菱電機株式会社", "三菱電機"},
		{AliasVendor, "株式会社 日立製作所", "日立製作所"},
		{AliasVendor, "（株）東芝", "東芝"},
		{AliasVendor, "ＳＩＥＭＥＮＳ　ＡＧ", "siemens"},
		{AliasVendor, "Axis AB (publ)", "axis"},
		{AliasVendor, "AG", "ag"}, // nothing but a form: kept
		{AliasVendor, "Siemens Energy", "siemens energy"},
		{AliasProduct, "SCALANCE X-200", "scalance x200"},
		{AliasProduct, "  scalance   x-200 ", "scalance x200"},
		{AliasProduct, "PLC Editor", "plc editor"}, // forms are a vendor's, not a product's
		{AliasProduct, "ＳＣＡＬＡＮＣＥ　Ｘ－２００", "scalance x200"},
	} {
		if got := NormalizeName(tt.kind, tt.in); got != tt.want {
			t.Errorf("NormalizeName(%s, %q) = %q, want %q", tt.kind, tt.in, got, tt.want)
		}
	}
}

func TestWithoutVendor(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ vendor, product, want string }{
		{"Siemens", "Siemens SCALANCE X-200", "scalancex200"},
		{"Siemens AG", "SIEMENS SCALANCE X-200", "scalancex200"},
		{"OSIsoft LLC", "OSIsoft LLC PI Web API", "piwebapi"},
		{"Schneider Electric", "Schneider-Electric Modicon M340", "modiconm340"},
		{"WECON", "WECON PLC Editor", "plceditor"}, // PLC is not WECON's form
		{"Siemens", "SIMATIC S7-1200", ""},         // not the vendor's name in front
		{"Siemens", "Siemens", ""},                 // nothing else
		{"Cisco", "CiscoWorks LMS", ""},            // only at a word's end
		{"Delta Electronics", "Delta Industrial Automation DOPSoft", ""},
	} {
		if got := withoutVendor(tt.vendor, tt.product); got != tt.want {
			t.Errorf("withoutVendor(%q, %q) = %q, want %q", tt.vendor, tt.product, got, tt.want)
		}
	}
}

// TestNamesAsInventoriesWrite: the spellings of the vendor and of the
// product that an inventory uses find the advisory's product, and a
// different product of the same vendor is not found.
func TestNamesAsInventoriesWrite(t *testing.T) {
	t.Parallel()
	m := NewMatcher(DefaultAliases())
	affected := []advisory.Affected{{Vendor: "Siemens", Product: "SCALANCE X-200", Status: advisory.StatusAffected,
		Ranges: []advisory.Range{{Introduced: "0", Fixed: "5.2.1"}}}}
	p := m.Prepare(affected)
	keys, _ := p.Keys()
	for _, it := range []store.Item{
		{Vendor: "Siemens AG", Product: "SCALANCE X-200", Version: "5.1"},
		{Vendor: "SIEMENS", Product: "scalance x200", Version: "5.1"},
		{Vendor: "SIEMENS AG", Product: "Siemens SCALANCE X-200", Version: "5.1"},
		{Product: "Siemens SCALANCE X-200", Version: "5.1"},
		{Vendor: "ＳＩＥＭＥＮＳ", Product: "ＳＣＡＬＡＮＣＥ　Ｘ－２００", Version: "5.1"},
	} {
		if _, ok := p.Match(it); !ok || !shareKey(keys, m.ItemKeys(it)) {
			t.Errorf("%+v not found", it)
		}
	}
	for _, it := range []store.Item{
		{Vendor: "Siemens AG", Product: "SCALANCE X-300", Version: "5.1"},
		{Vendor: "SIEMENS", Product: "SIMATIC S7-1200", Version: "5.1"},
		{Vendor: "Siemens", Product: "SCALANCE", Version: "5.1"},
		{Vendor: "Siemens Energy", Product: "SCALANCE X-200", Version: "5.1"},
		{Product: "Siemens SCALANCE X-300", Version: "5.1"},
	} {
		if _, ok := p.Match(it); ok {
			t.Errorf("%+v found: a different product", it)
		}
	}
}

// FuzzNormalizeName: any text normalizes without panicking, to words of
// lowercase letters and digits, and normalizing again changes nothing.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Siemens AG", "株式会社 日立製作所", "（株）東芝", "Co.,Ltd.", "ＳＩＥＭＥＮＳ　ＡＧ", "a inc inc", "株式会社株式会社", "İnc"} {
		f.Add(s, "SCALANCE X-200")
	}
	f.Fuzz(func(t *testing.T, vendor, product string) {
		for _, kind := range []string{AliasVendor, AliasProduct} {
			n := NormalizeName(kind, vendor)
			if again := NormalizeName(kind, n); again != n {
				t.Fatalf("%s %q: %q, then %q", kind, vendor, n, again)
			}
			for _, r := range n {
				if r != ' ' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Fatalf("%s %q: %q keeps %q", kind, vendor, n, r)
				}
			}
			if foldName(kind, vendor) != strings.ReplaceAll(n, " ", "") {
				t.Fatalf("%s %q: fold and words disagree", kind, vendor)
			}
		}
		_ = withoutVendor(vendor, product)
		p := NewMatcher(DefaultAliases()).Prepare([]advisory.Affected{{Vendor: vendor, Product: product + " family"}})
		if _, ok := p.NearMiss(store.Item{Vendor: vendor, Product: product, Version: "1"}); ok && !p.CloseName(vendor, product) {
			t.Fatalf("%q %q: a near miss whose name is not close", vendor, product)
		}
		if p.NameFilter()(vendor, product) != p.CloseName(vendor, product) {
			t.Fatalf("%q %q: NameFilter and CloseName disagree", vendor, product)
		}
		_ = NewMatcher(DefaultAliases()).ItemKeys(store.Item{Vendor: vendor, Product: product})
	})
}

// TestNameFilter: the filter a near-miss scan uses over many names answers
// as CloseName for each, one filter used for all (its vendors folded once):
// words added or dropped, the vendor spelled with its company form or
// inside the product, another vendor, a product of the vendor not close.
func TestNameFilter(t *testing.T) {
	p := NewMatcher(DefaultAliases()).Prepare([]advisory.Affected{
		{Vendor: "Siemens", Product: "SCALANCE X-200"},
		{Vendor: "Siemens", Product: "SIMATIC S7-1500", Status: advisory.StatusFixed},
		{Vendor: "株式会社 日立製作所", Product: "JP1/Base"},
	})
	names := []struct {
		vendor, product string
		close           bool
	}{
		{"Siemens", "SCALANCE X-200 switch family", true},
		{"Siemens AG", "SCALANCE X-200 switch", true},
		{"Siemens AG", "Siemens SCALANCE X-200 switch", true},
		{"SIEMENS", "SCALANCE", true},                              // x and 200 dropped
		{"Siemens", "SCALANCE X-200 managed switch family", false}, // three words added: a family
		{"Siemens", "SCALANCE X-200", false},                       // the product itself: matched, not near
		{"Siemens", "SIMATIC S7-1500 CPU", false},                  // close only to an entry not affected
		{"Siemens", "SINEC NMS", false},
		{"Hitachi", "SCALANCE X-200 switch", false},
		{"日立製作所", "JP1/Base Manager", true},
		{"", "SCALANCE X-200 switch", false},
	}
	filter := p.NameFilter()
	for _, n := range names {
		got, want := filter(n.vendor, n.product), p.CloseName(n.vendor, n.product)
		if got != want || got != n.close {
			t.Errorf("%q %q: NameFilter %v, CloseName %v, want %v", n.vendor, n.product, got, want, n.close)
		}
	}
}
