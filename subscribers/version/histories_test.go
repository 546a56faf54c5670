package version

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRealOrderings checks every scheme against real version histories,
// each ordered by the ecosystem's own tool or, where none installs, by hand
// from its documented rules (each file's header says which; see
// testdata/histories/README.md):
// each file is a list of packages, each a "#" line and then its versions,
// lowest first, one line per version, versions the tool holds equal on one
// line separated by tabs. Every adjacent pair must compare "<" one way and
// ">" the other, and every pair on one line "=". The figures, with the
// generic ordering's for comparison, are logged: go test -run
// TestRealOrderings -v ./subscribers/version
func TestRealOrderings(t *testing.T) {
	files, err := filepath.Glob("testdata/histories/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no version histories: %v", err)
	}
	for _, file := range files {
		scheme := strings.TrimSuffix(filepath.Base(file), ".txt")
		if !slices.Contains(Schemes, scheme) {
			t.Fatalf("%s: %q is not a scheme", file, scheme)
		}
		t.Run(scheme, func(t *testing.T) {
			pairs, wrong, genericWrong := checkOrderingFile(t, scheme, file)
			t.Logf("%-8s %6d pairs, %d wrong: %.3f%% right (generic ordering: %.3f%%)", scheme, pairs, wrong,
				100*float64(pairs-wrong)/float64(pairs), 100*float64(pairs-genericWrong)/float64(pairs))
		})
	}
}

func checkOrderingFile(t *testing.T, scheme, file string) (pairs, wrong, genericWrong int) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pkg string
	var prev []string
	check := func(a, b string, want int) {
		pairs++
		ab, _ := Compare(scheme, a, b)
		ba, _ := Compare(scheme, b, a)
		if ab != want || ba != -want {
			wrong++
			t.Errorf("%s: Compare(%q, %q) = %d and reversed %d, want %d and %d", pkg, a, b, ab, ba, want, -want)
		}
		if CompareGeneric(a, b) != want {
			genericWrong++
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			pkg, prev = line, nil
			continue
		}
		same := strings.Split(line, "\t")
		for _, v := range same[1:] {
			check(same[0], v, 0)
		}
		if prev != nil {
			check(prev[len(prev)-1], same[0], -1)
		}
		prev = same
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pairs, wrong, genericWrong
}
