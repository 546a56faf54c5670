package advisory

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes, seeded with the fixtures, to Parse. It
// must never panic, every refusal must be an *Error with a reason, and every
// advisory must keep the guarantees finish gives and survive JSON encoding.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse(data)
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) || strings.TrimSpace(perr.Reason) == "" {
				t.Fatalf("refusal without a reason: %#v", err)
			}
			return
		}
		if a.ID == "" || a.Revision == "" || a.Title == "" || a.Format == "" || a.Affected == nil || !validSeverity(a.Severity) {
			t.Fatalf("advisory lacks a guarantee: %+v", a)
		}
		for _, e := range a.Affected {
			if e.Status == "" || e.Scheme == "" {
				t.Fatalf("entry without status or scheme: %+v", e)
			}
		}
		if _, err := json.Marshal(a); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}

// FuzzReadVersionText checks the phrase reader on arbitrary text: no panic,
// and an understood text always says something.
func FuzzReadVersionText(f *testing.F) {
	for _, s := range []string{
		"<= 2.24", "All versions < V8.2 SP1", ">= 2.0 | <= 3.0", "v2.1 and prior",
		"Versions 3.0 through 3.5", "All versions between V2.5 (including) and V2.7 (excluding)",
		"vers:all/<V2.8", "vers:generic/>=2.9|<=4.1", "1.0 | 1.1, and 1.2", "*",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, ok := readVersionText(s)
		if ok && !spec.every && len(spec.versions)+len(spec.ranges) == 0 {
			t.Fatalf("readVersionText(%q) understood nothing", s)
		}
		readVers(s)
	})
}
