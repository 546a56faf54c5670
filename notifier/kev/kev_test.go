package kev

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	got, err := Parse([]byte(`{"title":"written for this test","count":3,"vulnerabilities":[
		{"cveID":"CVE-2019-11510","vendorProject":"Pulse Secure","dateAdded":"2021-11-03","dueDate":"2022-05-03"},
		{"cveID":"cve-2021-44228","dateAdded":"2021-12-10","dueDate":""},
		{"cveID":"CVE-2019-11510","dateAdded":"2021-11-03","dueDate":"2022-04-15"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{CVE: "CVE-2019-11510", DateAdded: time.Date(2021, 11, 3, 0, 0, 0, 0, time.UTC), Due: time.Date(2022, 4, 15, 0, 0, 0, 0, time.UTC)},
		{CVE: "CVE-2021-44228", DateAdded: time.Date(2021, 12, 10, 0, 0, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].CVE != want[i].CVE || !got[i].DateAdded.Equal(want[i].DateAdded) || !got[i].Due.Equal(want[i].Due) {
			t.Errorf("entry %d: %+v, want %+v (upper case; a CVE listed twice keeps its earliest due date)", i, got[i], want[i])
		}
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ doc, want string }{
		{``, "not a KEV catalog"},
		{`[]`, "not a KEV catalog"},
		{`{"vulnerabilities":{}}`, "not a KEV catalog"},
		{`{"vulnerabilities":[]} {}`, "more after the JSON object"},
		{`{"catalogVersion":"1"}`, `no "vulnerabilities" list`},
		{`{"vulnerabilities":[{"dateAdded":"2021-11-03"}]}`, "vulnerabilities[0].cveID: missing"},
		{`{"vulnerabilities":[{"cveID":"CVE-21-1","dateAdded":"2021-11-03"}]}`, `vulnerabilities[0].cveID: "CVE-21-1"`},
		{`{"vulnerabilities":[{"cveID":"CVE-2021-44228"}]}`, "(CVE-2021-44228).dateAdded: missing"},
		{`{"vulnerabilities":[{"cveID":"CVE-2021-44228","dateAdded":"2021-11-03","dueDate":"soon"}]}`, `(CVE-2021-44228).dueDate: "soon" is not a date`},
		{"{\"vulnerabilities\":[\n{\"cveID\":12}]}", "line 2, column"},
	} {
		if _, err := Parse([]byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v; want an error saying %q", tt.doc, err, tt.want)
		}
	}
}
