package advisory

import (
	"reflect"
	"testing"
)

func TestReadVersionText(t *testing.T) {
	tests := []struct {
		text string
		want versionSpec
	}{
		{"<= 2.24", versionSpec{ranges: []rg{{LastAffected: "2.24"}}}},
		{"< V8.2 SP1", versionSpec{ranges: []rg{{Fixed: "V8.2 SP1"}}}},
		{"All versions < V8.2 SP1 with WinCC V7.4 SP1 Upd11", versionSpec{ranges: []rg{{Fixed: "V8.2 SP1"}}}},
		{"All versions prior to 4.2", versionSpec{ranges: []rg{{Fixed: "4.2"}}}},
		{"v2.1 and prior", versionSpec{ranges: []rg{{LastAffected: "v2.1"}}}},
		{"2.3.6 and  below", versionSpec{ranges: []rg{{LastAffected: "2.3.6"}}}},
		{"4.2 and later", versionSpec{ranges: []rg{{Introduced: "4.2"}}}},
		{"Versions 3.0 through 3.5", versionSpec{ranges: []rg{{Introduced: "3.0", LastAffected: "3.5"}}}},
		{"V1.81.01 - V1.81.03", versionSpec{ranges: []rg{{Introduced: "V1.81.01", LastAffected: "V1.81.03"}}}},
		{"All versions between V2.5 (including) and V2.7 (excluding)", versionSpec{ranges: []rg{{Introduced: "V2.5", Fixed: "V2.7"}}}},
		{">= 2.0 | <= 3.0", versionSpec{ranges: []rg{{Introduced: "2.0", LastAffected: "3.0"}}}},
		{"All Versions >= V2.0 and < V2.2", versionSpec{ranges: []rg{{Introduced: "V2.0", Fixed: "V2.2"}}}},
		{"> 1.5", versionSpec{ranges: []rg{{Introduced: "1.5", IntroducedExclusive: true}}}},
		{"BIOS < R1.21.0", versionSpec{ranges: []rg{{Fixed: "R1.21.0"}}}},
		{"<=(R4.10)", versionSpec{ranges: []rg{{LastAffected: "R4.10"}}}},
		{"<= 1.54 (integrated into GE MobileLink)", versionSpec{ranges: []rg{{LastAffected: "1.54"}}}},
		{"1.0 | 1.1 | 2.0", versionSpec{versions: []string{"1.0", "1.1", "2.0"}}},
		{"V1.1, V1.2, and V1.3", versionSpec{versions: []string{"V1.1", "V1.2", "V1.3"}}},
		{"2.96 | >= 3.08 | <= 3.10 | >= 4.72", versionSpec{versions: []string{"2.96"}, ranges: []rg{{Introduced: "3.08", LastAffected: "3.10"}, {Introduced: "4.72"}}}},
		{"2017 R2 | 2017 R2 SP1", versionSpec{versions: []string{"2017 R2", "2017 R2 SP1"}}},
		{"4.5 | SP6 (including) and V4.5 SP6 Hotfix 8 (excluding)", versionSpec{ranges: []rg{{Introduced: "4.5 SP6", Fixed: "V4.5 SP6 Hotfix 8"}}}},
		{"4.7 | SP2  Hotfix 1 (including) and V4.7 SP4 (excluding)", versionSpec{ranges: []rg{{Introduced: "4.7 SP2 Hotfix 1", Fixed: "V4.7 SP4"}}}},
		{"All versions", versionSpec{every: true}},
		{"*", versionSpec{every: true}},
		{"* (only affected by CVE-2019-10943)", versionSpec{every: true}},
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

func TestReadVers(t *testing.T) {
	tests := []struct {
		text string
		want versionSpec
	}{
		{"vers:generic/>=2.9|<=4.1", versionSpec{scheme: "generic", ranges: []rg{{Introduced: "2.9", LastAffected: "4.1"}}}},
		{"vers:npm/1.2.3", versionSpec{scheme: "npm", versions: []string{"1.2.3"}}},
		// ParseVers refuses the spaces; the phrase reader takes over.
		{"vers:all/< V4.7 SP6 HF1", versionSpec{scheme: "generic", ranges: []rg{{Fixed: "V4.7 SP6 HF1"}}}},
	}
	for _, tt := range tests {
		got, ok := readVers(tt.text)
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("readVers(%q) = %+v, %v; want %+v", tt.text, got, ok, tt.want)
		}
	}
}

func TestJoinVersion(t *testing.T) {
	for _, tt := range [][3]string{
		{"12.2SE", "12.2(55)SE", "12.2(55)SE"},
		{"2.0", "SP1", "2.0 SP1"},
		{"", "SP2", "SP2"},
	} {
		if got := joinVersion(tt[0], tt[1]); got != tt[2] {
			t.Errorf("joinVersion(%q, %q) = %q, want %q", tt[0], tt[1], got, tt[2])
		}
	}
}
