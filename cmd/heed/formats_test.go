package main

import (
	"sort"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier/clock"
)

// TestSameVulnerabilityInThreeFormats publishes Log4Shell as CSAF 2.0, as a
// CVE JSON 5 record and as OSV: each must notify exactly the organizations
// running an affected log4j-core, and say "possibly" to the one whose
// inventory has no version.
func TestSameVulnerabilityInThreeFormats(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr), clock.NewFake(testStart))
	const header = "vendor,product,version,cpe,purl,asset\n"
	orgs := map[string]string{
		"vulnerable": "Apache,log4j-core,2.14.1,,pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1,billing\n",
		"patched":    "Apache,log4j-core,2.15.0,,pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0,billing\n",
		"unknown":    ",,,,pkg:maven/org.apache.logging.log4j/log4j-core,legacy-app\n",
		"api-only":   "Apache,log4j-api,2.14.1,,pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1,web\n",
		"old":        "Apache,log4j-core,1.2.17,,pkg:maven/org.apache.logging.log4j/log4j-core@1.2.17,batch\n",
	}
	ids := map[string]string{}
	for name, row := range orgs {
		ids[name] = h.addOrg(name, "sec@"+name+".test")
		h.putCSV(ids[name], header+row)
	}
	for _, f := range []struct{ file, id string }{
		{"log4shell.csaf.json", "HEED-2021-0001"},
		{"log4shell.cve5.json", "CVE-2021-44228"},
		{"log4shell.osv.json", "GHSA-jfh8-c2jp-5v3q"},
	} {
		t.Run(f.file, func(t *testing.T) {
			publish(t, ns.ClientURL(), "advisories.test", readFile(t, "../../testdata/advisories/"+f.file))
			got := mails.nextN(t, 2)
			if got[0].To != "sec@unknown.test" || got[1].To != "sec@vulnerable.test" {
				t.Fatalf("%s notified %s and %s; want unknown and vulnerable", f.id, got[0].To, got[1].To)
			}
			if !strings.Contains(strings.ToLower(got[0].Text), "possibly") {
				t.Errorf("the mail to the org without a version does not say possibly affected:\n%s", got[0].Text)
			}
			var hit []string
			for _, c := range h.cases("advisory=" + f.id) {
				for name, id := range ids {
					if id == c.Org {
						hit = append(hit, name)
					}
				}
			}
			sort.Strings(hit)
			if strings.Join(hit, ",") != "unknown,vulnerable" {
				t.Errorf("cases of %s are at %v; want unknown and vulnerable", f.id, hit)
			}
		})
	}
}
