package advisory

import (
	"testing"

	"github.com/heed-dev/heed/subscribers/version"
)

func TestRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    Range
		v    string
		in   bool
		text string
	}{
		{Range{Introduced: "9.0R1", Fixed: "9.0R3.4"}, "9.0R3.3", true, "[9.0R1, 9.0R3.4)"},
		{Range{Introduced: "9.0R1", Fixed: "9.0R3.4"}, "9.0R3.4", false, "[9.0R1, 9.0R3.4)"},
		{Range{Introduced: "9.0R1", Fixed: "9.0R3.4"}, "9.0R1", true, "[9.0R1, 9.0R3.4)"},
		{Range{Introduced: "9.0R1", Fixed: "9.0R3.4"}, "9.0", false, "[9.0R1, 9.0R3.4)"},
		{Range{Introduced: "8.2R1", LastAffected: "8.2R12"}, "8.2R12", true, "[8.2R1, 8.2R12]"},
		{Range{Introduced: "1.0", IntroducedExclusive: true}, "1.0", false, "(1.0, *)"},
		{Range{Introduced: "1.0", IntroducedExclusive: true}, "1.0.1", true, "(1.0, *)"},
		{Range{Fixed: "2.0"}, "0.1", true, "[0, 2.0)"},
		{Range{Introduced: "0", Limit: "3.0"}, "3.1", false, "[0, *) below 3.0"},
	}
	for _, tt := range tests {
		if got := tt.r.Contains(version.Generic, tt.v); got != tt.in {
			t.Errorf("%v.Contains(%q) = %v", tt.r, tt.v, got)
		}
		if got := tt.r.String(); got != tt.text {
			t.Errorf("String() = %q, want %q", got, tt.text)
		}
	}
}
