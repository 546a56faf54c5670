package formats

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
