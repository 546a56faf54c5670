package notifier

import (
	"context"
	"slices"
	"testing"

	"github.com/heed-dev/heed/subscribers"
)

// TestPreviewNamesEachOrganizationHit: a preview lists the organizations an
// advisory would hit, by id, each with its own name (as renamed) and the
// items hit; not one it does not hit, nor a deactivated one.
func TestPreviewNamesEachOrganizationHit(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := context.Background()
	names := map[string]string{}
	for _, n := range []string{"Zeta", "Alpha", "Mid", "Gone", "Safe"} {
		version := "9.0R3.3"
		if n == "Safe" {
			version = "9.0R3.4"
		}
		names[addOrg(t, e, n, version)] = n
	}
	var gone, renamed string
	for id, n := range names {
		switch n {
		case "Gone":
			gone = id
		case "Mid":
			renamed = id
		}
	}
	if _, err := e.Orgs.Deactivate(ctx, gone); err != nil {
		t.Fatal(err)
	}
	spec := subscribers.OrgSpec{Name: `Mid "Renamed" \ 中`, Contacts: []subscribers.ContactSpec{{Email: "sec@mid.test"}}}
	if _, err := e.Orgs.UpdateOrg(ctx, renamed, spec); err != nil {
		t.Fatal(err)
	}
	names[renamed] = spec.Name
	hits, err := e.Cases.Preview(ctx, sa44101("1", "9.0R3.3"))
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, h := range hits {
		got = append(got, h.OrgID+" "+h.OrgName)
		if len(h.Items) != 1 || h.Items[0].Version != "9.0R3.3" {
			t.Errorf("%s: items %+v, want the one at 9.0R3.3", h.OrgName, h.Items)
		}
	}
	for id, n := range names {
		if n != "Gone" && n != "Safe" {
			want = append(want, id+" "+n)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("preview lists %q, want %q", got, want)
	}
}
