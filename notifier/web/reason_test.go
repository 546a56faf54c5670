package web

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestAPICaseItemReason: the API gives why an item matched both as an
// English sentence and as the matcher's code and arguments.
func TestAPICaseItemReason(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.notifiedCase("flaw")
	resp, body := v.do("GET", "/api/v1/cases", token, "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("list cases: %d %s", resp.StatusCode, body)
	}
	var page struct {
		Cases []struct{ Items []caseItemJSON }
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Cases) != 1 || len(page.Cases[0].Items) != 1 {
		t.Fatalf("cases = %s (%v)", body, err)
	}
	got := page.Cases[0].Items[0]
	want := caseItemJSON{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3", Certainty: "affected",
		Reason: "all versions of Pulse Connect Secure are affected", ReasonCode: "all_versions", ReasonArgs: []string{"Pulse Connect Secure"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("item = %+v\nwant %+v", got, want)
	}
}
