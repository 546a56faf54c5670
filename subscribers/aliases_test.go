package subscribers

import (
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
)

func TestAliases(t *testing.T) {
	t.Parallel()
	a := DefaultAliases()
	same := []struct{ kind, x, y string }{
		{AliasVendor, "Pulse Secure", "Ivanti"},
		{AliasVendor, "pulsesecure", "IVANTI, Inc."},
		{AliasVendor, "Apache Software Foundation", "apache"},
		{AliasVendor, "Siemens AG", "siemens"},
		{AliasVendor, "Fortinet, Inc.", "Fortinet"},
		{AliasProduct, "Pulse Connect Secure", "connect_secure"},
		{AliasProduct, "Ivanti Connect Secure", "Connect-Secure"},
		{AliasProduct, "Citrix ADC", "NetScaler ADC"},
	}
	for _, s := range same {
		fx, fy := a.vendor(s.x), a.vendor(s.y)
		if s.kind == AliasProduct {
			fx, fy = a.product("", s.x), a.product("", s.y)
		}
		if fx != fy {
			t.Errorf("%s %q (%s) and %q (%s) should be one", s.kind, s.x, fx, s.y, fy)
		}
	}
	if a.product("", "Pulse Policy Secure") == a.product("", "Pulse Connect Secure") {
		t.Error("Policy Secure is not Connect Secure")
	}
	if a.vendor("AG") != "ag" {
		t.Error("a vendor made only of a company-form word keeps it")
	}
	if got := a.product("Fortinet", "Fortinet FortiOS"); got != "fortios" {
		t.Errorf("vendor prefix not dropped: %q", got)
	}
}

func TestAliasesAdd(t *testing.T) {
	t.Parallel()
	a := NewAliases()
	if err := a.Add(AliasProduct, "A", "B"); err != nil {
		t.Fatal(err)
	}
	if err := a.Add(AliasProduct, "C", "D"); err != nil {
		t.Fatal(err)
	}
	// Joining the two groups through one shared name merges them.
	if err := a.Add(AliasProduct, "D", "b"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"A", "B", "C", "D"} {
		if a.product("", n) != a.product("", "A") {
			t.Errorf("%s not merged", n)
		}
	}
	for _, tt := range []struct {
		kind  string
		names []string
		want  string
	}{
		{"model", []string{"a", "b"}, `alias kind "model"`},
		{AliasVendor, []string{"a"}, "at least two names"},
		{AliasVendor, []string{"a", "--"}, "name 2 has no letters or digits"},
	} {
		if err := a.Add(tt.kind, tt.names...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Add(%s, %q) = %v, want %q", tt.kind, tt.names, err, tt.want)
		}
	}
	// NewMatcher copies: later additions do not change a running matcher.
	m := NewMatcher(a)
	_ = a.Add(AliasProduct, "A", "Z")
	if _, ok := m.Prepare([]advisory.Affected{{Product: "A"}}).Match(store.Item{Product: "Z"}); ok {
		t.Error("the matcher saw an alias added after it was built")
	}
}
