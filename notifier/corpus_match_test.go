package notifier

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/heed-dev/heed/notifier/corpus"
	"github.com/heed-dev/heed/notifier/formats"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/subscribers/version"
)

// TestCorpusMatchesItsOwnProducts runs the matcher over the real advisories
// of the shared corpus: an inventory item that runs exactly a
// product and version an advisory lists as affected (an exact version, the
// first version of a range or its last affected one) must be found, through
// the lookup keys and the matcher, unless the advisory also lists that
// version as fixed or not affected.
func TestCorpusMatchesItsOwnProducts(t *testing.T) {
	t.Parallel()
	root := corpus.Dir(t)
	m := subscribers.NewMatcher(subscribers.DefaultAliases())
	var files, checked, missed, fixedChecked, falseAlarms int
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		adv, err := formats.Parse(data)
		if err != nil {
			return nil // refusals are the parser's tests' business
		}
		files++
		prepared := m.Prepare(adv.Affected)
		keys, scanAll := prepared.Keys()
		keySet := map[string]bool{}
		for _, k := range keys {
			keySet[k] = true
		}
		for _, a := range adv.Affected {
			if a.Status != advisory.StatusAffected {
				continue
			}
			// Exact versions, and the inclusive ends of the ranges.
			versions := append([]string(nil), a.Versions...)
			for _, r := range a.Ranges {
				if r.Introduced != "" && r.Introduced != "0" && !r.IntroducedExclusive {
					versions = append(versions, r.Introduced)
				}
				if r.LastAffected != "" {
					versions = append(versions, r.LastAffected)
				}
			}
			for _, v := range versions {
				if listedUnaffected(adv.Affected, a, v) {
					continue
				}
				it := store.Item{Vendor: a.Vendor, Product: a.Product, CPE: a.CPE, PURL: a.PURL, Version: v}
				checked++
				shares := scanAll
				for _, k := range m.ItemKeys(it) {
					shares = shares || keySet[k]
				}
				h, ok := prepared.Match(it)
				if !ok || !shares || h.Certainty != subscribers.CertainAffected {
					missed++
					if missed <= 10 {
						t.Errorf("%s: %s %s %s (cpe %q purl %q) listed as affected but matched=%v certainty=%s keys shared=%v",
							filepath.Base(path), a.Vendor, a.Product, v, a.CPE, a.PURL, ok, h.Certainty, shares)
					}
				}
			}
		}
		// The fixed version of a range is not affected, unless something else
		// in the advisory says it is: checked where the product has one entry.
		for _, a := range adv.Affected {
			if a.Status != advisory.StatusAffected || entriesFor(adv.Affected, a) != 1 || a.CPE != "" {
				continue
			}
			for _, r := range a.Ranges {
				if r.Fixed == "" {
					continue
				}
				it := store.Item{Vendor: a.Vendor, Product: a.Product, PURL: a.PURL, Version: r.Fixed}
				want := slices.ContainsFunc(a.Versions, func(v string) bool {
					c, _ := version.Compare(a.Scheme, v, r.Fixed)
					return c == 0
				})
				for _, other := range a.Ranges {
					want = want || other.Contains(a.Scheme, r.Fixed)
				}
				fixedChecked++
				if _, got := prepared.Match(it); got != want {
					falseAlarms++
					if falseAlarms <= 10 {
						t.Errorf("%s: %s %s at the fixed version %s: matched=%v, want %v", filepath.Base(path), a.Vendor, a.Product, r.Fixed, got, want)
					}
				}
			}
		}
		return nil
	})
	t.Logf("%d advisories, %d affected product versions checked, %d not found", files, checked, missed)
	t.Logf("%d fixed versions checked, %d matched wrongly", fixedChecked, falseAlarms)
	if checked == 0 {
		t.Error("the corpus gave no affected version to check")
	}
}

// listedUnaffected reports whether another entry of the same product lists v
// as fixed or not affected, which rightly beats the affected listing.
func listedUnaffected(all []advisory.Affected, a advisory.Affected, v string) bool {
	for _, o := range all {
		if o.Status != advisory.StatusFixed && o.Status != advisory.StatusNotAffected {
			continue
		}
		if o.Vendor != a.Vendor || o.Product != a.Product {
			continue
		}
		for _, ov := range o.Versions {
			if ov == v {
				return true
			}
		}
	}
	return false
}

// entriesFor counts the entries whose vendor and product fold to a's: names
// that differ only in case or punctuation ("family V4.x" and "family < V4.x")
// are one product to the matcher.
func entriesFor(all []advisory.Affected, a advisory.Affected) int {
	n := 0
	for _, o := range all {
		if fold(o.Vendor) == fold(a.Vendor) && fold(o.Product) == fold(a.Product) && o.PURL == a.PURL {
			n++
		}
	}
	return n
}

func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}
