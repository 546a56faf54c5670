package notifier

import (
	"fmt"
	"testing"
	"time"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// BenchmarkRenderBatch is what the outbox spends on one batch of a
// fan-out's notices besides the SQL: 500 organizations (an apply's batch),
// one in five reading Japanese in Tokyo as heed-load's do, each notice
// built (mailJob), rendered, composed with the batch's shared body
// (renderAll). cpu-µs/mail is the process's CPU a mail, garbage
// collection included; B/op and allocs/op are a batch's.
//
//	go test -run '^$' -bench BenchmarkRenderBatch -benchmem ./notifier
func BenchmarkRenderBatch(b *testing.B) {
	e, _ := newTestEngine(b)
	ob := e.Outbox
	published := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	adv := &advisory.Advisory{ID: "HEED-LOAD-FANOUT", Revision: "1", Format: "heed", Publisher: "Heed load run",
		Title: "Pulse Connect Secure: file read before authentication (load run)", Severity: "critical",
		CVEs:      []string{"CVE-2019-11510"},
		Summary:   "A remote attacker without credentials can read files from the appliance, cached credentials included. Upgrade to a fixed release and reset every credential the appliance held.",
		URL:       "https://load.test/advisories/HEED-LOAD-FANOUT",
		Published: published,
		Remediations: []advisory.Remediation{{Category: "vendor_fix", Details: "Upgrade to 9.0R3.4 or later.",
			URL: "https://load.test/fix"}},
		Relayed: &advisory.Relayed{Publisher: "default", Role: "agency"}}
	now := published.Add(time.Hour)
	const batch = 500
	type recipient struct {
		c       store.Case
		org     store.Org
		items   []store.CaseItem
		contact store.Contact
	}
	rs := make([]recipient, batch)
	for i := range rs {
		lang, tz := "en", "UTC"
		if i%5 == 4 {
			lang, tz = "ja", "Asia/Tokyo"
		}
		org := store.Org{ID: fmt.Sprintf("org_%06d", i), Name: fmt.Sprintf("Load organization %06d", i),
			Language: lang, Timezone: tz, BusinessHours: "always"}
		contact := store.Contact{ID: int64(2*i + 1), OrgID: org.ID, Email: fmt.Sprintf("sec-%06d@org%06d.load.test", i, i),
			Role: "primary"}
		org.Contacts = []store.Contact{contact}
		rs[i] = recipient{org: org, contact: contact,
			c: store.Case{ID: newID("case_"), AdvisoryID: adv.ID, OrgID: org.ID, State: store.CaseWatching,
				OpenedAt: now, UpdatedAt: now, DueAt: now.Add(14 * 24 * time.Hour)},
			items: []store.CaseItem{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3",
				Asset: fmt.Sprintf("vpn-%06d", i), Certainty: "affected",
				Reason: store.Reason{Code: "in_range", Args: []string{"9.0R3.3", "[9.0R1, 9.0R3.4)"}}}}}
	}
	b.ReportAllocs()
	cpu := proctime.CPU()
	for b.Loop() {
		jobs := make([]mailJob, 0, batch)
		for i := range rs {
			r := &rs[i]
			jobs = append(jobs, ob.mailJob(adv, &r.c, r.org, r.items, r.contact, templates.KindNotice, 0, false, nil, now))
		}
		for _, err := range ob.renderAll(jobs) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((proctime.CPU()-cpu).Nanoseconds())/1000/float64(b.N*batch), "cpu-µs/mail")
}
