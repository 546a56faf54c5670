package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompareCommand(t *testing.T) {
	tests := []struct {
		args []string
		out  string
	}{
		{[]string{"compare", "-scheme", "gem", "3.0.0.rc2", "3.0.0"}, "< gem\n"},
		{[]string{"compare", "3.0.0.rc2", "3.0.0"}, "> generic\n"},
		{[]string{"compare", "-scheme", "nuget", "1.0.0", "1.0.0+beta"}, "= nuget\n"},
		{[]string{"compare", "-scheme", "apk", "1.0.0a-r0", "1.0.0-r0"}, "> apk\n"},
		{[]string{"compare", "-scheme", "pub", "1.0", "1.0.0"}, "= generic (\"1.0\" is not a valid pub version: compared generically)\n"},
	}
	for _, tt := range tests {
		code, out, errOut := heedCLI(t, tt.args...)
		if code != 0 || out != tt.out {
			t.Errorf("heed %s: exit %d, %q %q; want %q", strings.Join(tt.args, " "), code, out, errOut, tt.out)
		}
	}
	code, _, errOut := heedCLI(t, "compare", "-scheme", "conan", "1", "2")
	if code != 2 || !strings.Contains(errOut, `scheme "conan" is not one of generic, semver`) {
		t.Errorf("unknown scheme: exit %d, %q; want usage error listing the schemes", code, errOut)
	}
	if code, _, errOut := heedCLI(t, "compare", "1.0"); code != 2 || !strings.Contains(errOut, "give two versions") {
		t.Errorf("one version: exit %d, %q", code, errOut)
	}
}

// TestComparePairs: "-" answers each line of standard input on a line of
// its own, so a list can be checked at once and lined up with its answers.
func TestComparePairs(t *testing.T) {
	in := "1.0-foo 0.1\n2.0rc1\t2.0\n\n2.1 build 5\t2.1 build 10\n"
	var out, errOut bytes.Buffer
	err := cmdCompare([]string{"-scheme", "pypi", "-"}, strings.NewReader(in), &out, &errOut)
	want := "< pypi (\"1.0-foo\" is not a valid pypi version: ordered as legacy, below every valid version)\n" +
		"< pypi\n" +
		"? line 3: want two versions separated by a tab or spaces\n" +
		"< pypi (\"2.1 build 5\" and \"2.1 build 10\" are not valid pypi versions: ordered as legacy, below every valid version)\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if err == nil || !strings.Contains(err.Error(), "1 line of 4 not a pair") {
		t.Errorf("err = %v; want one naming the bad line count", err)
	}
}

// TestInspectShowsScheme: the scheme an OSV ecosystem chose is printed with
// every affected entry and its ranges.
func TestInspectShowsScheme(t *testing.T) {
	doc := `{"id": "GHSA-test-gem", "modified": "2024-01-01T00:00:00Z", "affected": [
		{"package": {"ecosystem": "RubyGems", "name": "rails"},
		 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.0"}]}]},
		{"package": {"ecosystem": "Alpine:v3.18", "name": "openssl"},
		 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.1.4-r1"}]}]}]}`
	path := filepath.Join(t.TempDir(), "gem.osv.json")
	must(t, os.WriteFile(path, []byte(doc), 0o600))
	code, out, errOut := heedCLI(t, "advisory", "inspect", path)
	if code != 0 {
		t.Fatalf("inspect: %d %s", code, errOut)
	}
	var adv struct {
		Affected []struct {
			PURL, Scheme string
			Ranges       []struct{ Fixed string }
		}
	}
	must(t, json.Unmarshal([]byte(out), &adv))
	if len(adv.Affected) != 2 || adv.Affected[0].Scheme != "gem" || adv.Affected[0].Ranges[0].Fixed != "3.0.0" ||
		adv.Affected[1].Scheme != "apk" || adv.Affected[1].PURL != "pkg:apk/alpine/openssl" {
		t.Errorf("inspect printed %s", out)
	}
}
