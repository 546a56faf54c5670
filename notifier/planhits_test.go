package notifier

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/heed-dev/heed/store"
)

// rowHits is n organizations' hits whose fields are substrings of rows.
func rowHits(n int) (rows string, hits []OrgHits) {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "org_%06d|Pulse Secure|Pulse Connect Secure|9.0R3.3|vpn-%06d|9.0R3.4;", i, i)
	}
	rows = b.String()
	for row := range strings.SplitSeq(strings.TrimSuffix(rows, ";"), ";") {
		f := strings.Split(row, "|")
		hits = append(hits, OrgHits{OrgID: f[0], Items: []store.CaseItem{{Vendor: f[1], Product: f[2], Version: f[3], Asset: f[4],
			Certainty: "confirmed", Reason: store.Reason{Code: "range", Args: []string{f[3], f[5]}}}}})
	}
	return rows, hits
}

// BenchmarkCompactHits100k is what compactHits adds to planning a fan-out
// to 100,000 organizations, before its first batch.
func BenchmarkCompactHits100k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		_, hits := rowHits(100_000)
		b.StartTimer()
		compactHits(hits)
	}
}

// TestCompactHitsLetsTheRowsGo: the hits of a plan, matched from rows whose
// fields are substrings of one large value (as the store reads them), are
// the same after compactHits but point into that value no more, and hits
// with the same product, version and reason share those fields.
func TestCompactHitsLetsTheRowsGo(t *testing.T) {
	rows, hits := rowHits(50)
	want := make([]OrgHits, len(hits))
	for i, h := range hits {
		want[i] = OrgHits{OrgID: strings.Clone(h.OrgID), Items: []store.CaseItem{h.Items[0]}}
		want[i].Items[0].Reason.Args = append([]string(nil), h.Items[0].Reason.Args...)
	}

	compactHits(hits)
	if !reflect.DeepEqual(hits, want) {
		t.Fatalf("compactHits changed the hits:\n%+v\nwant\n%+v", hits, want)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(rows)))
	inRows := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return s != "" && p >= start && p < start+uintptr(len(rows))
	}
	for _, h := range hits {
		it := h.Items[0]
		for _, s := range append([]string{h.OrgID, it.Vendor, it.Product, it.Version, it.Asset}, it.Reason.Args...) {
			if inRows(s) {
				t.Fatalf("%s: %q still points into the rows", h.OrgID, s)
			}
		}
		if unsafe.StringData(it.Product) != unsafe.StringData(hits[0].Items[0].Product) ||
			&it.Reason.Args[0] != &hits[0].Items[0].Reason.Args[0] {
			t.Fatalf("%s: product or reason not shared with the first hit's", h.OrgID)
		}
	}
}

// TestCompactHitsLeavesTheMatchersReasons: hits that share the reason
// arguments the matcher keeps for a verdict (one slice, pointing into the
// rows), in no run, get arguments that point into the rows no more, one
// slice for all of them, and the matcher's slice is left as it was.
func TestCompactHitsLeavesTheMatchersReasons(t *testing.T) {
	rows, hits := rowHits(6)
	inRows := func(s string) bool {
		p, start := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(rows)))
		return p >= start && p < start+uintptr(len(rows))
	}
	shared := hits[0].Items[0].Reason.Args
	before := append([]string(nil), shared...)
	for i := range hits {
		if i%2 == 0 {
			hits[i].Items[0].Reason.Args = shared
		} else {
			hits[i].Items[0].Reason.Args = []string{"other", "9.0R3.4"}
		}
	}
	compactHits(hits)
	for i := 0; i < len(hits); i += 2 {
		args := hits[i].Items[0].Reason.Args
		if !slices.Equal(args, before) || &args[0] == &shared[0] || &args[0] != &hits[0].Items[0].Reason.Args[0] {
			t.Errorf("hit %d: arguments %q at %p, want %q in one slice of compactHits' own", i, args, &args[0], before)
		}
		if inRows(args[0]) || inRows(args[1]) {
			t.Errorf("hit %d: %q still points into the rows", i, args)
		}
	}
	if !slices.Equal(shared, before) || !inRows(shared[0]) || !inRows(shared[1]) {
		t.Errorf("the matcher's arguments were changed in place")
	}
}
