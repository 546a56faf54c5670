package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestUpgradeReadsOldReasons opens a database of the schema before reasons
// had codes, whose case items carry the matcher's English sentences, and
// checks that the reason_codes migration turns every known shape into its
// code and arguments, the purl or CPE clause into Via and Key, and keeps any
// other sentence whole as code "text".
func TestUpgradeReadsOldReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		old  string
		want Reason
	}{
		{"version 9.0R3.3 is in range [9.0R1, 9.0R3.4)", Reason{Code: "in_range", Args: []string{"9.0R3.3", "[9.0R1, 9.0R3.4)"}}},
		{"version V14 SP1 is in range (1.0, *) below 3.0", Reason{Code: "in_range", Args: []string{"V14 SP1", "(1.0, *) below 3.0"}}},
		{"version 9.0R1 listed as affected", Reason{Code: "listed", Args: []string{"9.0R1"}}},
		{"version 7.1 listed as under_investigation", Reason{Code: "listed_investigating", Args: []string{"7.1"}}},
		{"version 9.0r3.3 is the CPE's version 9.0r3.3; CPE cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:* matches",
			Reason{Code: "cpe_version", Args: []string{"9.0r3.3", "9.0r3.3"}, Via: "cpe", Key: "cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*"}},
		{"version 6.4.2 matches the CPE's version 6.4.*", Reason{Code: "cpe_pattern", Args: []string{"6.4.2", "6.4.*"}}},
		{"all versions of log4j-core are affected; purl pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 matches",
			Reason{Code: "all_versions", Args: []string{"log4j-core"}, Via: "purl", Key: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}},
		{"all versions of FortiProxy are under_investigation", Reason{Code: "all_versions_investigating", Args: []string{"FortiProxy"}}},
		{"no version given; product Pulse Connect Secure is affected", Reason{Code: "no_version", Args: []string{"Pulse Connect Secure"}}},
		{"no version given; product FortiOS is under investigation; purl pkg:generic/fortios matches",
			Reason{Code: "no_version_investigating", Args: []string{"FortiOS"}, Via: "purl", Key: "pkg:generic/fortios"}},
		{"a sentence of a shape not known here", Reason{Code: "text", Args: []string{"a sentence of a shape not known here"}}},
		{"", Reason{Code: "text", Args: []string{""}}},
	}
	ctx := context.Background()
	// The schema just before reasons had codes; items of a case (c1) that
	// is not there: foreign keys were not enforced.
	var rows []string
	for i, tt := range tests {
		rows = append(rows, fmt.Sprintf(`INSERT INTO case_items (case_id, vendor, product, version, cpe, purl, asset, certainty, reason)
			VALUES ('c1', 'V', 'P', '1', '', '', '%d', 'affected', '%s')`, i, strings.ReplaceAll(tt.old, "'", "''")))
	}
	path := oldDB(t, "_reason_codes.sql", rows...)

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var items []CaseItem
	if err := db.View(ctx, func(tx *Tx) (err error) { items, err = tx.CaseItems("c1"); return err }); err != nil {
		t.Fatal(err)
	}
	if len(items) != len(tests) {
		t.Fatalf("%d items after the upgrade, want %d", len(items), len(tests))
	}
	for i, tt := range tests {
		if !reflect.DeepEqual(items[i].Reason, tt.want) {
			t.Errorf("%q became %+v, want %+v", tt.old, items[i].Reason, tt.want)
		}
	}
}

// TestReasonRoundTrip: a reason is read back as it was written, an empty
// argument list included.
func TestReasonRoundTrip(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	ctx := context.Background()
	want := []CaseItem{
		{Vendor: "V", Product: "P", Version: "1", Certainty: "affected",
			Reason: Reason{Code: "in_range", Args: []string{"1", "[0, 2)"}, Via: "purl", Key: "pkg:npm/p@1"}},
		{Vendor: "V", Product: "P", Asset: "b", Certainty: "possible", Reason: Reason{Code: "none", Args: []string{}}},
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.CreateOrg(&Org{ID: "o1", Name: "Acme", Language: "en", Timezone: "UTC", CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.PutAdvisory(&Advisory{ID: "A1", Revision: "1", Publisher: "default", Format: "heed", Title: "t", Severity: "high",
			Doc: []byte("{}"), ReceivedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateCase(&Case{ID: "c1", AdvisoryID: "A1", OrgID: "o1", State: CaseOpen, OpenedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		_, err := tx.AddCaseItems("c1", want)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []CaseItem
	if err := db.View(ctx, func(tx *Tx) (err error) { got, err = tx.CaseItems("c1"); return err }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v, want %+v", got, want)
	}
}
