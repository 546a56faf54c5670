package advisory

import "testing"

func TestCompareRevision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1},
		{"10", "9", 1},
		{"1.0.2", "1.0.10", -1},
		{"2", "2.0.0", 0},
		{"1.10", "1.9", 1},
		{"2024-02-01T08:30:00.000Z", "2024-02-01T09:00:00+01:00", 1},
		{"2023-09-20T19:19:30Z", "2023-09-20T19:19:30.000Z", 0},
		{"2023-01-01T00:00:00Z", "2022-12-31T23:59:59Z", 1},
		{"b", "a", 1},
		{"1", "2023-01-01T00:00:00Z", -1},
		{"99999999999999999999999", "99999999999999999999998", 1},
	}
	for _, tt := range tests {
		if got := CompareRevision(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareRevision(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareRevision(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareRevision(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}
