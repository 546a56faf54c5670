package advisory

import (
	"reflect"
	"testing"
)

func TestReadVersionText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want Versions
	}{
		{"<= 2.24", Versions{Ranges: []Range{{LastAffected: "2.24"}}}},
		{"< V8.2 SP1", Versions{Ranges: []Range{{Fixed: "V8.2 SP1"}}}},
		{"All versions < V8.2 SP1 with WinCC V7.4 SP1 Upd11", Versions{Ranges: []Range{{Fixed: "V8.2 SP1"}}}},
		{"All versions prior to 4.2", Versions{Ranges: []Range{{Fixed: "4.2"}}}},
		{"v2.1 and prior", Versions{Ranges: []Range{{LastAffected: "v2.1"}}}},
		{"2.3.6 and  below", Versions{Ranges: []Range{{LastAffected: "2.3.6"}}}},
		{"4.2 and later", Versions{Ranges: []Range{{Introduced: "4.2"}}}},
		{"Versions 3.0 through 3.5", Versions{Ranges: []Range{{Introduced: "3.0", LastAffected: "3.5"}}}},
		{"V1.81.01 - V1.81.03", Versions{Ranges: []Range{{Introduced: "V1.81.01", LastAffected: "V1.81.03"}}}},
		{"All versions between V2.5 (including) and V2.7 (excluding)", Versions{Ranges: []Range{{Introduced: "V2.5", Fixed: "V2.7"}}}},
		{">= 2.0 | <= 3.0", Versions{Ranges: []Range{{Introduced: "2.0", LastAffected: "3.0"}}}},
		{"All Versions >= V2.0 and < V2.2", Versions{Ranges: []Range{{Introduced: "V2.0", Fixed: "V2.2"}}}},
		{"> 1.5", Versions{Ranges: []Range{{Introduced: "1.5", IntroducedExclusive: true}}}},
		{"BIOS < R1.21.0", Versions{Ranges: []Range{{Fixed: "R1.21.0"}}}},
		{"<=(R4.10)", Versions{Ranges: []Range{{LastAffected: "R4.10"}}}},
		{"<= 1.54 (integrated into GE MobileLink)", Versions{Ranges: []Range{{LastAffected: "1.54"}}}},
		{"1.0 | 1.1 | 2.0", Versions{Exact: []string{"1.0", "1.1", "2.0"}}},
		{"V1.1, V1.2, and V1.3", Versions{Exact: []string{"V1.1", "V1.2", "V1.3"}}},
		{"2.96 | >= 3.08 | <= 3.10 | >= 4.72", Versions{Exact: []string{"2.96"}, Ranges: []Range{{Introduced: "3.08", LastAffected: "3.10"}, {Introduced: "4.72"}}}},
		{"2017 R2 | 2017 R2 SP1", Versions{Exact: []string{"2017 R2", "2017 R2 SP1"}}},
		{"4.5 | SP6 (including) and V4.5 SP6 Hotfix 8 (excluding)", Versions{Ranges: []Range{{Introduced: "4.5 SP6", Fixed: "V4.5 SP6 Hotfix 8"}}}},
		{"4.7 | SP2  Hotfix 1 (including) and V4.7 SP4 (excluding)", Versions{Ranges: []Range{{Introduced: "4.7 SP2 Hotfix 1", Fixed: "V4.7 SP4"}}}},
		{"All versions", Versions{Every: true}},
		{"*", Versions{Every: true}},
		{"* (only affected by CVE-2019-10943)", Versions{Every: true}},
	}
	for _, tt := range tests {
		got, ok := readVersionText(tt.text)
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("readVersionText(%q) = %+v, %v; want %+v", tt.text, got, ok, tt.want)
		}
	}
	for _, bad := range []string{
		"", "< January 31 2014", "<=the_first_5_digits_of_serial_number_22081", "No version",
		"CODESYS Control for Linux", "< March 13, 2019 | < 4.003", "<=N", ">= <= 2.2",
	} {
		if got, ok := readVersionText(bad); ok {
			t.Errorf("readVersionText(%q) = %+v; want not understood", bad, got)
		}
	}
}

// FuzzReadVersions checks the reader on arbitrary text: no panic, and an
// understood text always says something.
func FuzzReadVersions(f *testing.F) {
	for _, s := range []string{
		"<= 2.24", "All versions < V8.2 SP1", ">= 2.0 | <= 3.0", "v2.1 and prior",
		"Versions 3.0 through 3.5", "All versions between V2.5 (including) and V2.7 (excluding)",
		"vers:all/<V2.8", "vers:generic/>=2.9|<=4.1", "1.0 | 1.1, and 1.2", "*",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ReadVersions(s)
		if ok && !v.Every && len(v.Exact)+len(v.Ranges) == 0 {
			t.Fatalf("ReadVersions(%q) understood nothing", s)
		}
	})
}
