// Package storetest writes stores full of made-up cases for benchmarks and
// tests of the lists that read them (the store's pages, the board, the CSV
// export): what a country's worth of organizations looks like to a filter.
package storetest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/heed-dev/heed/store"
)

// Board's advisories and publishers: BigAdvisory (SA0) has every other case,
// the broad advisory that reached half the country; SA1…SA9 share the rest
// evenly (SA0–SA6 by "default", SA7–SA9 by "ivanti"); RareAdvisory, the one
// advisory of RarePublisher, has one case in a thousand, so that a filter
// keeping it has to look past almost every case.
const (
	BigAdvisory   = "SA0"
	RareAdvisory  = "SA-RARE"
	RarePublisher = "siemens"
)

var towns = []string{"Kyoto", "Osaka", "Sendai", "Nagoya", "Sapporo", "Fukuoka", "Kobe", "Nara", "Kochi", "Oita"}
var trades = []string{"Water Works", "Power", "Gas", "Rail", "Hospital", "Port", "Telecom"}

// FillBoard writes n organizations, each with one case and its two items,
// in one transaction. Organization i is named "<town> <trade> <i, six
// digits>" (a town in ten, a trade in seven); its case's state is open for
// 60 %, answered 15 %, scheduled 10 %, closed 10 %, watching 5 %, spread
// across advisories; due dates run from two days before now to two days
// after, so that about half of the open cases are overdue at now.
func FillBoard(tb testing.TB, db *store.DB, n int, now time.Time) {
	tb.Helper()
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		for i := range 10 {
			pub := "default"
			if i >= 7 {
				pub = "ivanti"
			}
			if err := putAdvisory(tx, fmt.Sprintf("SA%d", i), pub, now); err != nil {
				return err
			}
		}
		if err := putAdvisory(tx, RareAdvisory, RarePublisher, now); err != nil {
			return err
		}
		for i := range n {
			if err := fillOne(tx, i, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// Open opens a new store in tb's temporary folder, closed when tb ends.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "heed.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func putAdvisory(tx *store.Tx, id, publisher string, now time.Time) error {
	return tx.PutAdvisory(&store.Advisory{ID: id, Revision: "1", Publisher: publisher, Format: "heed",
		Title: "Flaw " + id, Severity: "high", Doc: []byte("{}"), ReceivedAt: now, UpdatedAt: now})
}

func fillOne(tx *store.Tx, i int, now time.Time) error {
	org := &store.Org{ID: fmt.Sprintf("org_%06d", i), Name: fmt.Sprintf("%s %s %06d", towns[i%len(towns)], trades[i%len(trades)], i),
		Language: "en", Timezone: "UTC", CreatedAt: now,
		Contacts: []store.Contact{{Email: fmt.Sprintf("sec@%d.test", i), Role: "primary"}}}
	if err := tx.CreateOrg(org); err != nil {
		return err
	}
	adv := BigAdvisory
	switch {
	case i%1000 == 999:
		adv = RareAdvisory
	case i%2 == 1:
		adv = fmt.Sprintf("SA%d", 1+i/2%9)
	}
	opened := now.Add(-72 * time.Hour)
	c := &store.Case{ID: fmt.Sprintf("case_%06d", i), AdvisoryID: adv, OrgID: org.ID, State: store.CaseOpen,
		OpenedAt: opened, DueAt: now.Add(time.Duration(i%97-48) * time.Hour), UpdatedAt: opened}
	if err := tx.CreateCase(c); err != nil {
		return err
	}
	items := []store.CaseItem{{Vendor: "V", Product: "P", Version: "1", Asset: "a", Certainty: "affected", Reason: store.Reason{Code: "text", Args: []string{"x"}}},
		{Vendor: "V", Product: "P", Version: "2", Asset: "b", Certainty: "affected", Reason: store.Reason{Code: "text", Args: []string{"y"}}}}
	if _, err := tx.AddCaseItems(c.ID, items); err != nil {
		return err
	}
	// The state from a spread of i that does not follow the advisory.
	switch r := i * 7919 % 100; {
	case r < 60:
		return nil
	case r < 75:
		c.State, c.Answer = store.CaseAnswered, &store.Answer{Status: "patched", At: now.Add(-time.Hour), Note: "done"}
	case r < 85:
		c.State, c.Answer = store.CaseScheduled, &store.Answer{Status: "scheduled", At: now.Add(-time.Hour), Until: now.Add(240 * time.Hour)}
	case r < 95:
		c.State, c.ClosedReason = store.CaseClosed, "withdrawn"
	default:
		c.State = store.CaseWatching
	}
	return tx.UpdateCase(c)
}
