package notifier

import (
	"maps"
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
)

// corpusProduct is one affected product of a corpus advisory that is named
// (vendor and product, no purl or CPE), with one version it covers.
type corpusProduct struct {
	file     string
	affected []advisory.Affected // every entry of its advisory
	vendor   string
	product  string
	version  string
}

// corpusProducts reads the named affected products of the shared corpus,
// one per (advisory, vendor, product), each with the first version an entry
// lists as affected (an exact version, else a range's inclusive end).
func corpusProducts(t *testing.T) []corpusProduct {
	t.Helper()
	root := corpus.Dir(t)
	var out []corpusProduct
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
			return nil
		}
		seen := map[string]bool{}
		for _, a := range adv.Affected {
			if a.Status != advisory.StatusAffected || a.Vendor == "" || a.Product == "" || a.PURL != "" || a.CPE != "" {
				continue
			}
			v := coveredVersion(a)
			if v == "" || listedUnaffected(adv.Affected, a, v) || seen[fold(a.Vendor)+"/"+fold(a.Product)] {
				continue
			}
			seen[fold(a.Vendor)+"/"+fold(a.Product)] = true
			out = append(out, corpusProduct{file: filepath.Base(path), affected: adv.Affected,
				vendor: a.Vendor, product: a.Product, version: v})
		}
		return nil
	})
	return out
}

func coveredVersion(a advisory.Affected) string {
	if len(a.Versions) > 0 {
		return a.Versions[0]
	}
	for _, r := range a.Ranges {
		if r.LastAffected != "" {
			return r.LastAffected
		}
		if r.Introduced != "" && r.Introduced != "0" && !r.IntroducedExclusive {
			return r.Introduced
		}
	}
	return ""
}

// writtenAs are the ways an inventory writes a vendor and a product that the
// advisory names (vendor, product): company forms, case, punctuation and
// spacing, the vendor repeated in the product, full-width letters.
var writtenAs = []struct {
	how string
	fn  func(v, p string) (string, string)
}{
	{"Inc.", func(v, p string) (string, string) { return v + " Inc.", p }},
	{", Inc.", func(v, p string) (string, string) { return v + ", Inc.", p }},
	{"Corporation", func(v, p string) (string, string) { return v + " Corporation", p }},
	{"Corp.", func(v, p string) (string, string) { return v + " Corp.", p }},
	{"AG", func(v, p string) (string, string) { return v + " AG", p }},
	{"GmbH", func(v, p string) (string, string) { return v + " GmbH", p }},
	{"GmbH & Co. KG", func(v, p string) (string, string) { return v + " GmbH & Co. KG", p }},
	{"Co., Ltd.", func(v, p string) (string, string) { return v + " Co., Ltd.", p }},
	{"Co.,Ltd.", func(v, p string) (string, string) { return v + " Co.,Ltd.", p }},
	{"S.A.", func(v, p string) (string, string) { return v + " S.A.", p }},
	{"S.p.A.", func(v, p string) (string, string) { return v + " S.p.A.", p }},
	{"Ltd", func(v, p string) (string, string) { return v + " Ltd", p }},
	{"LLC", func(v, p string) (string, string) { return v + " LLC", p }},
	{"K.K.", func(v, p string) (string, string) { return v + " K.K.", p }},
	{"株式会社 after", func(v, p string) (string, string) { return v + "株式会社", p }},
	{"株式会社 before", func(v, p string) (string, string) { return "株式会社 " + v, p }},
	{"(株)", func(v, p string) (string, string) { return "(株)" + v, p }},
	{"A/S", func(v, p string) (string, string) { return v + " A/S", p }},
	{"B.V.", func(v, p string) (string, string) { return v + " B.V.", p }},
	{"SE", func(v, p string) (string, string) { return v + " SE", p }},
	{"upper case", func(v, p string) (string, string) { return strings.ToUpper(v), strings.ToUpper(p) }},
	{"lower case", func(v, p string) (string, string) { return strings.ToLower(v), strings.ToLower(p) }},
	{"spacing", func(v, p string) (string, string) {
		return "  " + v + " ", strings.ReplaceAll(p, " ", "  ") + " "
	}},
	{"hyphens as spaces", func(v, p string) (string, string) { return v, strings.ReplaceAll(p, "-", " ") }},
	{"vendor added to or dropped from product", func(v, p string) (string, string) { return v, vendorInProduct(v, p) }},
	{"the same, vendor with a form", func(v, p string) (string, string) { return v + " AG", vendorInProduct(v, p) }},
	{"vendor only in product", func(v, p string) (string, string) {
		if strings.HasPrefix(fold(p), fold(v)) {
			return "", p
		}
		return "", v + " " + p
	}},
	{"full-width", func(v, p string) (string, string) { return fullWidth(v), fullWidth(p) }},
}

// vendorInProduct drops the vendor's name from the front of a product that
// starts with it ("Advantech WebAccess" → "WebAccess"), else adds it there.
func vendorInProduct(v, p string) string {
	if !strings.HasPrefix(fold(p), fold(v)) {
		return v + " " + p
	}
	for i := range p {
		if fold(p[:i]) == fold(v) {
			return strings.TrimLeftFunc(p[i:], func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		}
	}
	return p
}

// fullWidth writes ASCII letters, digits and punctuation in their
// full-width forms, as Japanese inventories sometimes do.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ':
			return '\u3000'
		case r > ' ' && r < 0x7f:
			return r + 0xfee0
		}
		return r
	}, s)
}

// matchedWithKeys reports whether it is hit, through the lookup keys as the
// store would find it and the matcher.
func matchedWithKeys(m *subscribers.Matcher, prepared *subscribers.Prepared, it store.Item) bool {
	keys, scanAll := prepared.Keys()
	if _, ok := prepared.Match(it); !ok {
		return false
	}
	return scanAll || slices.ContainsFunc(m.ItemKeys(it), func(k string) bool { return slices.Contains(keys, k) })
}

// TestCorpusNamesAsWritten measures name normalization on the corpus: each
// named affected product, written as inventories write it (writtenAs), must
// be found at a version the advisory covers; and no item naming a different
// product of the same vendor, or the same product of another vendor, may be
// hit. docs/MATCHING.md gives the figures:
//
//	go test -run TestCorpusNamesAsWritten -v ./notifier
func TestCorpusNamesAsWritten(t *testing.T) {
	t.Parallel()
	products := corpusProducts(t)
	m := subscribers.NewMatcher(subscribers.DefaultAliases())
	byVendor := map[string][]string{} // folded vendor → its product names in the corpus
	var vendors []string
	for _, p := range products {
		fv := fold(p.vendor)
		if len(byVendor[fv]) == 0 {
			vendors = append(vendors, p.vendor)
		}
		if !slices.Contains(byVendor[fv], p.product) {
			byVendor[fv] = append(byVendor[fv], p.product)
		}
	}
	slices.Sort(vendors)
	tried, found := map[string]int{}, map[string]int{}
	var pairs, falseHits int
	for i, p := range products {
		prepared := m.Prepare(p.affected)
		for _, w := range writtenAs {
			v, pr := w.fn(p.vendor, p.product)
			tried[w.how]++
			if matchedWithKeys(m, prepared, store.Item{Vendor: v, Product: pr, Version: p.version}) {
				found[w.how]++
			} else if tried[w.how]-found[w.how] <= 8 {
				t.Logf("not found (%s): %q %q %s in %s", w.how, v, pr, p.version, p.file)
			}
		}
		// Items that must not match: up to three other products of the
		// vendor that no entry of this advisory names, and this product
		// under another vendor of the corpus.
		var others []store.Item
		for _, o := range byVendor[fold(p.vendor)] {
			if len(others) == 6 {
				break
			}
			if !namedBy(p.affected, p.vendor, o) {
				others = append(others, store.Item{Vendor: p.vendor + " AG", Product: strings.ToUpper(o), Version: p.version},
					store.Item{Vendor: p.vendor, Product: p.vendor + " " + o, Version: p.version})
			}
		}
		if w := vendors[(i*7+1)%len(vendors)]; fold(w) != fold(p.vendor) && !namedBy(p.affected, w, p.product) {
			others = append(others, store.Item{Vendor: w, Product: p.product, Version: p.version},
				store.Item{Vendor: w + " Inc.", Product: w + " " + p.product, Version: p.version})
		}
		// A company whose name starts with the vendor's, and the first word
		// of a product named in several (the family, not the product).
		others = append(others, store.Item{Vendor: p.vendor + " Energy", Product: p.product, Version: p.version})
		if first, _, ok := strings.Cut(strings.TrimSpace(p.product), " "); ok && !namedBy(p.affected, p.vendor, first) {
			others = append(others, store.Item{Vendor: p.vendor, Product: first, Version: p.version})
		}
		for _, it := range others {
			pairs++
			if matchedWithKeys(m, prepared, it) {
				falseHits++
				if falseHits <= 10 {
					t.Errorf("false match: %q %q %s against %s (%s %s)", it.Vendor, it.Product, it.Version, p.file, p.vendor, p.product)
				}
			}
		}
	}
	var all, allFound int
	for _, w := range writtenAs {
		all, allFound = all+tried[w.how], allFound+found[w.how]
		t.Logf("%-30s %5d of %5d found", w.how, found[w.how], tried[w.how])
	}
	t.Logf("%d named products of %d vendors; written as inventories write them: %d of %d found; %d pairs that must not match, %d matched",
		len(products), len(vendors), allFound, all, pairs, falseHits)
	if len(products) == 0 {
		t.Fatal("the corpus gave no named product")
	}
	if allFound != all {
		t.Errorf("%d of %d written forms not found", all-allFound, all)
	}
}

// namedBy reports whether some entry of an advisory names the product of
// that vendor, letters and digits compared without case: such an item is
// not a different product.
func namedBy(affected []advisory.Affected, vendor, product string) bool {
	return slices.ContainsFunc(affected, func(a advisory.Affected) bool {
		return fold(a.Product) == fold(product) || fold(a.Product) == fold(vendor+product) || fold(vendor+a.Product) == fold(product)
	})
}

// TestCorpusNearMisses measures how many near misses an advisory brings:
// the inventory is every named product of the corpus at the version its
// own advisory covers (one item per advisory, vendor and product as the
// corpus writes them); each advisory is matched against all of it, and the
// items it does not match but finds close are counted. docs/MATCHING.md
// gives the figures:
//
//	go test -run TestCorpusNearMisses -v ./notifier
func TestCorpusNearMisses(t *testing.T) {
	t.Parallel()
	products := corpusProducts(t)
	m := subscribers.NewMatcher(subscribers.DefaultAliases())
	var inventory []store.Item
	seen := map[string]bool{}
	for _, p := range products {
		k := fold(p.vendor) + "/" + p.product + "/" + p.version
		if !seen[k] {
			seen[k] = true
			inventory = append(inventory, store.Item{Vendor: p.vendor, Product: p.product, Version: p.version})
		}
	}
	advisories := map[string][]advisory.Affected{}
	for _, p := range products {
		advisories[p.file] = p.affected
	}
	var total, with, most int
	var mostFile string
	shown := 0
	for _, file := range slices.Sorted(maps.Keys(advisories)) {
		prepared := m.Prepare(advisories[file])
		n := 0
		for _, it := range inventory {
			if !prepared.CloseName(it.Vendor, it.Product) { // as Heed itself asks first
				continue
			}
			nm, ok := prepared.NearMiss(it)
			if !ok {
				continue
			}
			n++
			if shown < 25 {
				shown++
				t.Logf("%s: %q %q %s ~ %q (%s %q)", file, it.Vendor, it.Product, it.Version, nm.Product, nm.Why, nm.Words)
			}
		}
		total += n
		if n > 0 {
			with++
		}
		if n > most {
			most, mostFile = n, file
		}
	}
	t.Logf("%d advisories against an inventory of %d items (%d named products): %d near misses, %.2f an advisory; %d advisories bring at least one; at most %d (%s)",
		len(advisories), len(inventory), len(products), total, float64(total)/float64(len(advisories)), with, most, mostFile)
	if total == 0 {
		t.Error("no near miss in the whole corpus: the measure measures nothing")
	}
}
