package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/eventually"
)

// siemensHeedJSON is a Heed JSON advisory of one Siemens product, affected
// below 5.2.1 (written for this test).
func siemensHeedJSON(id, product string) []byte {
	return []byte(fmt.Sprintf(`{"heed_advisory": 1, "id": %q, "revision": 1, "title": "%s: denial of service",
  "severity": "high", "affected": [{"vendor": "Siemens", "product": %q, "scheme": "generic",
  "ranges": [{"introduced": "0", "fixed": "5.2.1"}]}]}`, id, product, product))
}

// TestNearMissReviewEndToEnd: heed serve with NATS and a relay. An
// advisory naming "SCALANCE X-200 switch family" arrives on NATS; the
// inventory says "SIEMENS AG" "SCALANCE X-200" 5.1: nobody is mailed, and
// GET /api/v1/review lists the near miss; confirming it opens the case and
// its notice reaches the relay; the next advisory naming the family opens
// its case at once, learnt.
func TestNearMissReviewEndToEnd(t *testing.T) {
	ns := startNATS(t)
	mails := startSink(t)
	h := startHeed(t, testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr), clock.NewFake(testStart))
	org := h.addOrg("Plant", "sec@plant.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nSIEMENS AG,SCALANCE X-200,5.1,,,line-3 switch\n")
	publish(t, ns.ClientURL(), "advisories.siemens", siemensHeedJSON("SSA-100", "SCALANCE X-200 switch family"))

	type near struct {
		ID         string `json:"id"`
		AdvProduct string `json:"advisory_product"`
		Close      string `json:"close"`
		Item       struct{ Product, Version string }
	}
	var list struct{ Review []near }
	eventually.True(t, 20*time.Second, "the near miss listed for review", func() bool {
		h.api("GET", "/api/v1/review", "", nil, &list)
		return len(list.Review) == 1
	})
	n := list.Review[0]
	if n.Item.Product != "SCALANCE X-200" || n.AdvProduct != "SCALANCE X-200 switch family" || !strings.Contains(n.Close, "switch family") {
		t.Errorf("listed: %+v", n)
	}
	if c := h.cases(""); len(c) != 0 || mails.count() != 0 {
		t.Fatalf("before review: %d cases, %d mails; want none", len(c), mails.count())
	}

	var confirmed struct {
		Case   string
		Opened bool
	}
	if code := h.api("POST", "/api/v1/review/"+n.ID+"/confirm", "", nil, &confirmed); code != 200 || !confirmed.Opened {
		t.Fatalf("confirm: %d %+v", code, confirmed)
	}
	m := mails.next(t)
	if m.To != "sec@plant.test" || !strings.Contains(m.Text, "SCALANCE X-200") {
		t.Errorf("the notice after confirming went to %s:\n%s", m.To, m.Text)
	}

	publish(t, ns.ClientURL(), "advisories.siemens", siemensHeedJSON("SSA-101", "SCALANCE X-200 switch family"))
	m = mails.next(t)
	if m.To != "sec@plant.test" || !strings.Contains(m.Subject+m.Text, "SSA-101") {
		t.Errorf("the next advisory's notice: to %s, %q", m.To, m.Subject)
	}
	h.api("GET", "/api/v1/review", "", nil, &list)
	if len(list.Review) != 0 {
		t.Errorf("still pending after the alias was learnt: %+v", list.Review)
	}
}
