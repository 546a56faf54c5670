package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/heed-dev/heed/internal/proctime"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/store/storetest"
)

// BenchmarkBoardFilters reads one board page of 1,000 of 100,000 cases for
// each filter of the board, as the board does: the page (CasePage) and the
// counts by state beside it (CaseTotals, without the state filter). The
// filters keep many cases or very few (the rare advisory and publisher: one
// case in a thousand; one organization's name): few kept means looking past
// the rest; the big advisory keeps half of them. cpu-ms/op is the process's
// CPU time per page, which the machine's other work disturbs less than the
// wall clock. "last" reads the last page, reached by its cursor.
func BenchmarkBoardFilters(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b)
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	storetest.FillBoard(b, db, 100000, now)
	for _, tc := range []struct {
		name string
		f    store.CaseFilter
		last bool
	}{
		{"none", store.CaseFilter{}, false},
		{"none/last", store.CaseFilter{}, true},
		{"state=answered", store.CaseFilter{State: store.CaseAnswered}, false},
		{"state=watching/last", store.CaseFilter{State: store.CaseWatching}, true},
		{"advisory=big", store.CaseFilter{AdvisoryID: storetest.BigAdvisory}, false},
		{"advisory=big/last", store.CaseFilter{AdvisoryID: storetest.BigAdvisory}, true},
		{"advisory=SA3", store.CaseFilter{AdvisoryID: "SA3"}, false},
		{"advisory=rare", store.CaseFilter{AdvisoryID: storetest.RareAdvisory}, false},
		{"publisher=default", store.CaseFilter{Publisher: "default"}, false},
		{"publisher=ivanti", store.CaseFilter{Publisher: "ivanti"}, false},
		{"publisher=rare", store.CaseFilter{Publisher: storetest.RarePublisher}, false},
		{"scope=rare", store.CaseFilter{Scope: storetest.RarePublisher}, false},
		{"silent", store.CaseFilter{Silent: true}, false},
		{"overdue", store.CaseFilter{OverdueAt: now}, false},
		{"overdue/last", store.CaseFilter{OverdueAt: now}, true},
		{"org_name=kyoto", store.CaseFilter{OrgName: "kyoto"}, false},
		{"org_name=one", store.CaseFilter{OrgName: "012345"}, false},
		{"org_name=none", store.CaseFilter{OrgName: "nowhere"}, false},
		{"combined", store.CaseFilter{Publisher: "default", OverdueAt: now, OrgName: "water"}, false},
	} {
		q := store.CaseQuery{CaseFilter: tc.f, Limit: 1000}
		pages := 1
		for tc.last {
			p, err := db.CasePage(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			if p.Next == "" {
				break
			}
			q.Cursor, pages = p.Next, pages+1
		}
		totalsOf := tc.f
		totalsOf.State = ""
		b.Run(tc.name, func(b *testing.B) {
			var rows int
			cpu := proctime.CPU()
			for b.Loop() {
				if _, err := db.CaseTotals(ctx, totalsOf); err != nil {
					b.Fatal(err)
				}
				p, err := db.CasePage(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				rows = len(p.Cases)
			}
			reportCPU(b, cpu)
			b.ReportMetric(float64(rows), "rows")
			b.ReportMetric(float64(pages), "page")
		})
		b.Run(tc.name+"/page-only", func(b *testing.B) {
			cpu := proctime.CPU()
			for b.Loop() {
				if _, err := db.CasePage(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64((proctime.CPU()-since).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
