package notifier

import (
	"strings"
	"testing"
	"time"
)

// TestIDsOfOneSecondSitTogether: ids made in the same second share their
// first characters (the rows of one apply batch go to the same pages of an
// index), ids of another second do not, and ids stay distinct and as long
// as before (reply addresses carry a case id within SMTP's 64-character
// local part).
func TestIDsOfOneSecondSitTogether(t *testing.T) {
	at := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	first := newIDAt("case_", at)
	for i := range 10000 {
		id := newIDAt("case_", at.Add(time.Duration(i)*time.Microsecond))
		if len(id) != len("case_")+16 {
			t.Fatalf("id %q is %d characters; want case_ and 16", id, len(id))
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
		if id[:len("case_")+4] != first[:len("case_")+4] {
			t.Fatalf("ids of one second %q and %q do not share their start", first, id)
		}
	}
	if next := newIDAt("case_", at.Add(time.Second)); strings.HasPrefix(next, first[:len("case_")+5]) {
		t.Errorf("ids of the next second %q start as %q", next, first)
	}
}
