package notifier

import (
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// TestEveryReasonHasSentences keeps the matcher's reason codes and the
// templates' sentences in step: every code the matcher gives, with every way
// of recognizing a product, reads as a sentence of its own in English and in
// Japanese, never as the bare code a template shows for one it does not know.
func TestEveryReasonHasSentences(t *testing.T) {
	t.Parallel()
	m := subscribers.NewMatcher(subscribers.DefaultAliases())
	affected := []advisory.Affected{
		{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Scheme: "generic", Versions: []string{"9.0R1"},
			Ranges: []advisory.Range{{Introduced: "9.0R2", Fixed: "9.0R3.4"}}, Status: advisory.StatusAffected},
		{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core", Product: "log4j-core", Scheme: "maven", Status: advisory.StatusAffected},
		{CPE: "cpe:2.3:a:fortinet:fortios:6.4.2:*:*:*:*:*:*:*", Status: advisory.StatusAffected},
		{CPE: "cpe:2.3:a:citrix:netscaler_adc:13.1*:*:*:*:*:*:*:*", Status: advisory.StatusAffected},
		{Vendor: "Acme", Product: "Widget", Versions: []string{"2.0"}, Status: advisory.StatusUnderInvestigation},
		{Vendor: "Acme", Product: "Gadget", Status: advisory.StatusUnderInvestigation},
	}
	items := []store.Item{
		{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"},
		{Vendor: "Ivanti", Product: "Connect Secure", Version: "9.0R1"},
		{Vendor: "Pulse Secure", Product: "Pulse Connect Secure"},
		{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Version: "2.14.1"},
		{CPE: "cpe:2.3:a:fortinet:fortios:6.4.2:*:*:*:*:*:*:*", Version: "6.4.2"},
		{CPE: "cpe:2.3:a:citrix:netscaler_adc:*:*:*:*:*:*:*:*", Version: "13.1-49.13"},
		{Vendor: "Acme", Product: "Widget", Version: "2.0"},
		{Vendor: "Acme", Product: "Gadget", Version: "1.0"},
		{Vendor: "Acme", Product: "Widget"},
	}
	codes := map[string]bool{}
	vias := map[string]bool{}
	prepared := m.Prepare(affected)
	for _, it := range items {
		h, ok := prepared.Match(it)
		if !ok {
			t.Fatalf("%+v not matched", it)
		}
		codes[h.Reason.Code], vias[h.Reason.Via] = true, true
		r := templates.Reason(h.Reason)
		en, ja := templates.ReasonText("en", r), templates.ReasonText("ja", r)
		if en == "" || strings.HasPrefix(en, r.Code+"(") || strings.HasPrefix(ja, r.Code+"(") {
			t.Errorf("reason %+v has no sentence: en %q, ja %q", r, en, ja)
		}
		if en == ja {
			t.Errorf("reason %+v reads the same in Japanese: %q", r, ja)
		}
		if r.Via != "" && (!strings.Contains(en, r.Key) || !strings.Contains(ja, r.Key)) {
			t.Errorf("reason %+v does not say which %s matched: en %q, ja %q", r, r.Via, en, ja)
		}
	}
	for _, c := range []string{subscribers.ReasonListed, subscribers.ReasonListedInvestigating, subscribers.ReasonInRange,
		subscribers.ReasonCPEVersion, subscribers.ReasonCPEPattern, subscribers.ReasonAllVersions,
		subscribers.ReasonAllVersionsInvestigating, subscribers.ReasonNoVersion, subscribers.ReasonNoVersionInvestigating} {
		if !codes[c] {
			t.Errorf("no item here gave reason %q: add one", c)
		}
	}
	for _, v := range []string{"", subscribers.ViaPURL, subscribers.ViaCPE} {
		if !vias[v] {
			t.Errorf("no item here was recognized via %q: add one", v)
		}
	}
}
