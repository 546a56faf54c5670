package store

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestOneValueReadsKeepEveryByte: the candidates and the organization names,
// read as one JSON value and cut in Go, come back exactly as written,
// whatever they hold: quotes, backslashes, what JSON escapes (control
// characters, NUL), text that looks like the value's own syntax, Japanese,
// a character beyond the BMP, empty and long fields.
func TestOneValueReadsKeepEveryByte(t *testing.T) {
	t.Parallel()
	db, _ := openTestDB(t)
	odd := []string{
		`"quoted" \back\slash\`, "tab\there\nnewline\x00nul\x01\x1f", `],["x",1]]`, "パルスセキュア 接続",
		"emoji \U0001F512 lock", "", strings.Repeat("long ", 400), `\u0041 not an escape`, "9.0R3.3",
	}
	var want []Item
	names := map[string]string{}
	update(t, db, func(tx *Tx) error {
		for i, s := range odd {
			org := "o" + string(rune('a'+i))
			names[org] = s + " org"
			if err := tx.CreateOrg(&Org{ID: org, Name: names[org], Language: "en", Timezone: "UTC", CreatedAt: t0}); err != nil {
				return err
			}
			items := []Item{{Vendor: s, Product: "p" + s, Version: s, CPE: s + "c", PURL: "u" + s, Asset: s + s, Keys: []string{"k"}}}
			if err := tx.ReplaceInventory(org, items); err != nil {
				return err
			}
			want = append(want, items[0])
		}
		return nil
	})
	var got []Item
	var gotNames map[string]string
	err := db.View(context.Background(), func(tx *Tx) (err error) {
		if got, err = tx.ItemsByKeys([]string{"k", "missing"}, false); err != nil {
			return err
		}
		// An id asked twice (a page's cases of one organization) is named once.
		gotNames, err = tx.OrgNames(append(slices.Collect(maps.Keys(names)), "o-missing", "oa"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d items, want %d", len(got), len(want))
	}
	for i, w := range want {
		w.Keys = nil
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, got[i], w)
		}
	}
	if len(gotNames) != len(names) {
		t.Errorf("%d names, want %d (none for a missing organization)", len(gotNames), len(names))
	}
	for id, n := range names {
		if gotNames[id] != n {
			t.Errorf("name of %s = %q, want %q", id, gotNames[id], n)
		}
	}
	// Nothing found: no items, no names, no error.
	err = db.View(context.Background(), func(tx *Tx) error {
		items, err := tx.ItemsByKeys([]string{"missing"}, false)
		if err != nil || len(items) != 0 {
			t.Errorf("no candidates: %v, %v", items, err)
		}
		names, err := tx.OrgNames(nil)
		if err != nil || len(names) != 0 {
			t.Errorf("no organizations: %v, %v", names, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestJSONRowsRefusesWhatItCannotRead: a value not of the expected shape
// is an error, never rows cut at the wrong place.
func TestJSONRowsRefusesWhatItCannotRead(t *testing.T) {
	t.Parallel()
	for _, v := range []string{`[[1,"a"]`, `[[1,"a]]`, `[["x","a"]]`, `[[1,"a","b"]]`, `[[1]]`, `{"a":1}`, `[[1,"a\x"]]`, ``, `[["abc`, `[[1,"a\"]]`, `[[1,"a"]x`, `[[,]]`} {
		r := jsonRows{value: v}
		for r.next() {
			r.int()
			r.text()
		}
		if r.err == nil {
			t.Errorf("%q read without an error", v)
		}
	}
	r := jsonRows{value: `[[7,"a\"b\\c\u00e9\ud83d\udd12"],[-1,""]]`}
	var got []string
	for r.next() {
		got = append(got, strings.Repeat("#", int(max(r.int(), 0)))+r.text())
	}
	if r.err != nil || len(got) != 2 || got[0] != "#######a\"b\\cé\U0001F512" || got[1] != "" {
		t.Errorf("rows = %q, %v", got, r.err)
	}
}
