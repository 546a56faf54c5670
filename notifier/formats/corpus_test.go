package formats

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier/corpus"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// corpusRefusals are the corpus documents Parse is expected to refuse, with
// the start of the reason. Anything else must parse.
// None today: the two documents refused before, Cisco's csaf_base example
// ("Cisco Security Advisory") and Red Hat's csaf_informational_advisory,
// are read as information (corpusInformation).
var corpusRefusals = map[string]string{}

// corpusInformation are the corpus documents read as information: recorded
// and shown, opening no case.
var corpusInformation = map[string]string{
	"cisco-sa-20180328-smi2.json": "Cisco Security Advisory",
	"rhsa-2019_1862.json":         "csaf_informational_advisory",
}

// TestCorpus parses every real document of the shared corpus. Each must
// either parse with at least one affected entry (or, for CVE records whose
// product data is all "n/a", the "no structured product data" note), or be
// one of the expected refusals. Counts per folder and outcome are logged;
// run with -v to see them.
func TestCorpus(t *testing.T) {
	t.Parallel()
	corpusDir := corpus.Dir(t)
	for _, folder := range []string{"csaf/oasis-examples", "csaf/cisa-ics-2017-2020", "cve5", "osv"} {
		t.Run(folder, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(corpusDir, folder, "*.json"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no documents in %s: %v", folder, err)
			}
			counts := map[string]int{}
			for _, f := range files {
				name := filepath.Base(f)
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				a, err := parseRecovering(data)
				if want, refused := corpusRefusals[name]; refused || err != nil {
					var perr *Error
					switch {
					case err == nil:
						t.Errorf("%s: parsed; want refusal %q", name, want)
					case !errors.As(err, &perr) || strings.TrimSpace(perr.Reason) == "":
						t.Errorf("%s: refusal without a reason: %v", name, err)
					case !strings.Contains(err.Error(), want) || want == "":
						t.Errorf("%s: unexpected refusal: %v", name, err)
					}
					counts["refused"]++
					t.Logf("%s refused: %v", name, err)
					continue
				}
				if want, info := corpusInformation[name]; info || a.Informational {
					if a.Category != want || !a.Informational || len(a.Affected) > 0 || len(a.Texts) == 0 || len(a.References) == 0 {
						t.Errorf("%s: informational %v, category %q (want %q), %d affected, %d texts, %d references",
							name, a.Informational, a.Category, want, len(a.Affected), len(a.Texts), len(a.References))
					}
					counts["information (recorded, no cases)"]++
					continue
				}
				unread := 0
				for _, n := range a.Notes {
					if strings.Contains(n, "not understood") {
						unread++
					}
				}
				counts["version texts not understood (kept, see notes)"] += unread
				entries := 0
				for _, e := range a.Affected {
					entries++
					if len(e.Versions) == 0 && len(e.Ranges) == 0 {
						counts["entries covering every version"]++
					}
					if len(e.Ranges) > 0 {
						counts["entries with ranges"]++
					}
					if len(e.Versions) > 0 {
						counts["entries with exact versions"]++
					}
				}
				counts["affected entries"] += entries
				switch {
				case entries > 0:
					counts["parsed with products"]++
				case slices.Contains(a.Notes, noProductData):
					counts["parsed, no structured product data"]++
				default:
					t.Errorf("%s: parsed without affected entries and without the %q note; notes: %q", name, noProductData, a.Notes)
				}
			}
			keys := make([]string, 0, len(counts))
			for k := range counts {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			var b strings.Builder
			fmt.Fprintf(&b, "%s: %d documents", folder, len(files))
			for _, k := range keys {
				fmt.Fprintf(&b, "\n  %-50s %6d", k, counts[k])
			}
			t.Log(b.String())
		})
	}
}

// parseRecovering turns a panic into an error so one bad document fails the
// test with its name instead of stopping the run.
func parseRecovering(data []byte) (a *advisory.Advisory, err error) {
	defer func() {
		if r := recover(); r != nil {
			a, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return Parse(data)
}
