package notifier

import (
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// TestReasonsReadInJapanese keeps the matcher's reasons and the Japanese
// templates in step: every kind of reason the matcher gives is rewritten in
// a Japanese mail, not left in English.
func TestReasonsReadInJapanese(t *testing.T) {
	m := subscribers.NewMatcher(subscribers.DefaultAliases())
	affected := []advisory.Affected{
		{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Scheme: "generic", Versions: []string{"9.0R1"},
			Ranges: []advisory.Range{{Introduced: "9.0R2", Fixed: "9.0R3.4"}}, Status: advisory.StatusAffected},
		{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core", Product: "log4j-core", Scheme: "maven", Status: advisory.StatusAffected},
		{CPE: "cpe:2.3:a:fortinet:fortios:6.4.2:*:*:*:*:*:*:*", Status: advisory.StatusAffected},
	}
	items := []store.Item{
		{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"},
		{Vendor: "Ivanti", Product: "Connect Secure", Version: "9.0R1"},
		{Vendor: "Pulse Secure", Product: "Pulse Connect Secure"},
		{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Version: "2.14.1"},
		{CPE: "cpe:2.3:a:fortinet:fortios:6.4.2:*:*:*:*:*:*:*", Version: "6.4.2"},
	}
	for _, it := range items {
		h, ok := m.Prepare(affected).Match(it)
		if !ok {
			t.Fatalf("%+v not matched", it)
		}
		mail, err := templates.RenderMail(templates.MailData{Kind: templates.KindNotice, Lang: "ja",
			Advisory: templates.AdvisoryView{ID: "A", Title: "t", Severity: "high"},
			Items:    []templates.ItemView{{Product: it.Product, Version: it.Version, Certainty: string(h.Certainty), Reason: h.Reason}},
			AckURL:   "https://heed.example/ack/x"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(mail.Text, h.Reason) {
			t.Errorf("reason %q stays English in a Japanese mail", h.Reason)
		}
	}
}
