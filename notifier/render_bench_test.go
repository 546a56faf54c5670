package notifier

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// fanout is one batch of a heed-load fan-out's notices: its advisory, and
// n organizations with one primary contact and one item each, one in five
// reading Japanese in Tokyo as heed-load's do.
type fanout struct {
	adv *advisory.Advisory
	now time.Time
	rs  []fanoutRecipient
}

type fanoutRecipient struct {
	c       store.Case
	org     store.Org
	items   []store.CaseItem
	contact store.Contact
}

func newFanout(n int) fanout {
	published := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	f := fanout{now: published.Add(time.Hour), rs: make([]fanoutRecipient, n),
		adv: &advisory.Advisory{ID: "HEED-LOAD-FANOUT", Revision: "1", Format: "heed", Publisher: "Heed load run",
			Title: "Pulse Connect Secure: file read before authentication (load run)", Severity: "critical",
			CVEs:      []string{"CVE-2019-11510"},
			Summary:   "A remote attacker without credentials can read files from the appliance, cached credentials included. Upgrade to a fixed release and reset every credential the appliance held.",
			URL:       "https://load.test/advisories/HEED-LOAD-FANOUT",
			Published: published,
			Remediations: []advisory.Remediation{{Category: "vendor_fix", Details: "Upgrade to 9.0R3.4 or later.",
				URL: "https://load.test/fix"}},
			Relayed: &advisory.Relayed{Publisher: "default", Role: "agency"}}}
	for i := range f.rs {
		lang, tz := "en", "UTC"
		if i%5 == 4 {
			lang, tz = "ja", "Asia/Tokyo"
		}
		org := store.Org{ID: fmt.Sprintf("org_%06d", i), Name: fmt.Sprintf("Load organization %06d", i),
			Language: lang, Timezone: tz, BusinessHours: "always"}
		contact := store.Contact{ID: int64(2*i + 1), OrgID: org.ID, Email: fmt.Sprintf("sec-%06d@org%06d.load.test", i, i),
			Role: "primary"}
		org.Contacts = []store.Contact{contact}
		f.rs[i] = fanoutRecipient{org: org, contact: contact,
			c: store.Case{ID: newID("case_"), AdvisoryID: f.adv.ID, OrgID: org.ID, State: store.CaseWatching,
				OpenedAt: f.now, UpdatedAt: f.now, DueAt: f.now.Add(14 * 24 * time.Hour)},
			items: []store.CaseItem{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3",
				Asset: fmt.Sprintf("vpn-%06d", i), Certainty: "affected",
				Reason: store.Reason{Code: "in_range", Args: []string{"9.0R3.3", "[9.0R1, 9.0R3.4)"}}}}}
	}
	return f
}

// jobs are the batch's notices as the apply prepares them, not rendered.
func (f fanout) jobs(ob *Outbox) []mailJob {
	jobs := make([]mailJob, 0, len(f.rs))
	for i := range f.rs {
		r := &f.rs[i]
		jobs = append(jobs, ob.mailJob(f.adv, &r.c, r.org, r.items, r.contact, templates.KindNotice, 0, false, nil, f.now))
	}
	return jobs
}

// TestRenderAllAsEachAlone: the mails of a batch rendered together (on
// every core, each over the last one's buffers, their lines taken from the
// batch's shared body) are, byte for byte, each mail rendered and composed
// alone (but for the batch's multipart boundary), and most of their bytes
// are runs of the batch's shared body.
func TestRenderAllAsEachAlone(t *testing.T) {
	t.Parallel()
	e, _ := newTestEngine(t)
	ob := e.Outbox
	f := newFanout(60)
	f.rs[7].org.Name = "Org with = and a space at the end "
	f.rs[9].items[0].Asset = "資産 " + f.rs[9].items[0].Asset
	jobs := f.jobs(ob)
	for i, err := range ob.renderAll(jobs) {
		if err != nil {
			t.Fatalf("mail %d: %v", i, err)
		}
	}
	shared, total := 0, 0
	for i, j := range jobs {
		m, err := templates.RenderMail(j.data)
		if err != nil {
			t.Fatal(err)
		}
		alone := compose(j.env, m)
		got := bytes.ReplaceAll(j.rec.Message, []byte(boundaryOf(t, j.rec.Message)), []byte(boundaryOf(t, alone)))
		if !bytes.Equal(got, alone) || j.rec.Subject != m.Subject {
			t.Fatalf("mail %d of the batch:\n%s\nalone:\n%s", i, got, alone)
		}
		total += len(alone)
		if len(j.rec.Splices) > 0 && j.rec.Shared == nil {
			t.Fatalf("mail %d takes runs of no shared body", i)
		}
		for _, sp := range j.rec.Splices {
			shared += sp.Len
		}
	}
	if shared < total/2 {
		t.Errorf("%d of the batch's %d bytes taken from its shared body", shared, total)
	}
}

// BenchmarkRenderBatch is what the outbox spends on one batch of a
// fan-out's notices besides the SQL: 500 organizations (an apply's batch),
// each notice built (mailJob), rendered, composed with the batch's shared
// body (renderAll). cpu-µs/mail is the process's CPU a mail, garbage
// collection included; B/op and allocs/op are a batch's.
//
//	go test -run '^$' -bench BenchmarkRenderBatch -benchmem ./notifier
func BenchmarkRenderBatch(b *testing.B) {
	e, _ := newTestEngine(b)
	ob := e.Outbox
	const batch = 500
	f := newFanout(batch)
	b.ReportAllocs()
	cpu := proctime.CPU()
	for b.Loop() {
		for _, err := range ob.renderAll(f.jobs(ob)) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((proctime.CPU()-cpu).Nanoseconds())/1000/float64(b.N*batch), "cpu-µs/mail")
}
