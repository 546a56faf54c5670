package store

import (
	"context"
	"encoding/json"
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
	var inOrder []string
	asked := append(slices.Sorted(maps.Keys(names)), "o-missing", "oa")
	err := db.View(context.Background(), func(tx *Tx) (err error) {
		if got, err = tx.ItemsByKeys([]string{"k", "missing"}, false); err != nil {
			return err
		}
		// An id asked twice (a page's cases of one organization) is named once.
		if gotNames, err = tx.OrgNames(asked); err != nil {
			return err
		}
		inOrder, err = tx.OrgNamesOf(asked)
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
	for i, id := range asked {
		if inOrder[i] != names[id] {
			t.Errorf("name %d (%s) in order = %q, want %q", i, id, inOrder[i], names[id])
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

// TestAlignNamesChecksTheOrder: names read in the order of the ids asked
// (an unknown id has no row) go to their ids; rows in another order are
// reported, never given to the wrong organization.
func TestAlignNamesChecksTheOrder(t *testing.T) {
	t.Parallel()
	ids := []string{"o1", "o-missing", "o2", "o1", "o3"}
	rows := jsonRows{value: `[["o1","One"],["o2","Two"],["o1","One"],["o3","Three"]]`}
	names, ok := alignNames(&rows, ids)
	if !ok || rows.err != nil || !slices.Equal(names, []string{"One", "", "Two", "One", "Three"}) {
		t.Errorf("in order: %q, %v, %v", names, ok, rows.err)
	}
	rows = jsonRows{value: `[["o2","Two"],["o1","One"]]`}
	if names, ok := alignNames(&rows, ids[:3]); ok {
		t.Errorf("rows out of order read as %q", names)
	}
}

// TestIDListIsJSON: the list of ids bound as one value is the JSON array of
// the ids, whatever they hold.
func TestIDListIsJSON(t *testing.T) {
	t.Parallel()
	for _, ids := range [][]string{nil, {}, {"org_1"}, {"org_1", `q"uote`, `back\slash`, "tab\t", "ctl\x01", "日本", "<&>", "", "invalid\xff"}} {
		var got []string
		if err := json.Unmarshal([]byte(idList(ids)), &got); err != nil {
			t.Fatalf("%q: %s: %v", ids, idList(ids), err)
		}
		want, _ := json.Marshal(ids)
		var wantBack []string
		_ = json.Unmarshal(want, &wantBack)
		if !slices.Equal(got, wantBack) || len(got) != len(ids) {
			t.Errorf("%q: got %q", ids, got)
		}
	}
}
