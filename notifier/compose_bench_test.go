package notifier

import (
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/templates"
)

// benchMail is a mail as heed-load's fan-out sends it: a critical advisory
// with a summary and a remedy, relayed for the agency, one item.
func benchMail(tb testing.TB, lang string) (envelope, templates.Mail) {
	tb.Helper()
	loc := time.UTC
	if lang == "ja" {
		loc = location("Asia/Tokyo")
	}
	published := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	m, err := templates.RenderMail(templates.MailData{Kind: templates.KindNotice, Lang: lang, Location: loc,
		OrgName: "Load organization 005338", Advisory: templates.AdvisoryView{ID: "HEED-LOAD-FANOUT", Revision: "1",
			Publisher: "default", Title: "Pulse Connect Secure: file read before authentication (load run)",
			Severity: "critical", CVEs: []string{"CVE-2019-11510"}, Published: published,
			URL:          "https://load.test/advisories/HEED-LOAD-FANOUT",
			Summary:      "A remote attacker without credentials can read files from the appliance, cached credentials included. Upgrade to a fixed release and reset every credential the appliance held.",
			Remediations: []templates.RemediationView{{Category: "vendor_fix", Details: "Upgrade to 9.0R3.4 or later.", URL: "https://load.test/fix"}},
			Relayed:      &templates.RelayedView{Publisher: "default", Role: "agency"}},
		Items: []templates.ItemView{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3",
			Asset: "vpn-005338", Certainty: "affected", Reason: templates.Reason{Code: "in_range", Args: []string{"9.0R3.3", "[9.0R1, 9.0R3.4)"}}}},
		DueAt:  published.Add(14 * 24 * time.Hour),
		AckURL: "http://127.0.0.1:8080/ack/" + strings.Repeat("Y2FzZV8zZWVzNXF2NGsycn", 4)})
	if err != nil {
		tb.Fatal(err)
	}
	from, _ := mail.ParseAddress("Heed <heed@heed.load.test>")
	to, _ := mail.ParseAddress("sec-005338@org005338.load.test")
	return envelope{From: from, To: to, Date: published, MessageID: "<case_x.1@heed.load.test>", CaseID: "case_x",
		ListID: "Heed advisories from default <default.advisories.heed.load.test>"}, m
}

// BenchmarkCompose composes one rendered mail (headers, MIME parts,
// quoted-printable) in English and in Japanese: alone, and as a fan-out's
// batch does after its first mail (its lines taken from the batch's
// shared body, the subject encoded once).
func BenchmarkCompose(b *testing.B) {
	for _, lang := range []string{"en", "ja"} {
		for _, batch := range []bool{false, true} {
			name := lang
			if batch {
				name += "/batch"
			}
			b.Run(name, func(b *testing.B) {
				env, m := benchMail(b, lang)
				var w *sharedWire
				if batch {
					w = &sharedWire{}
					composeShared(env, m.Subject, bodiesOf(m), w) // the batch's first mail
				}
				var c composed
				bodies := bodiesOf(m)
				cpu := proctime.CPU()
				for b.Loop() {
					c = composeShared(env, m.Subject, bodies, w)
				}
				b.ReportMetric(float64(len(c.msg)), "bytes/mail")
				own := len(c.msg)
				for _, sp := range c.splices {
					own -= sp.Len
				}
				b.ReportMetric(float64(own), "stored-bytes/mail")
				b.ReportMetric(float64((proctime.CPU()-cpu).Nanoseconds())/float64(b.N)/1e3, "cpu-µs/mail")
			})
		}
	}
}
