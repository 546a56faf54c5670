package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// TestOrgPageAnswersOnlyItsOwnCases: a link's organization page answers the
// organization's other cases, and never a case of another organization,
// whatever case the form names.
func TestOrgPageAnswersOnlyItsOwnCases(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	path, _, _ := v.ackCase("en")
	ctx := context.Background()
	other, err := v.engine.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Globex", Contacts: []subscribers.ContactSpec{{Email: "sec@globex.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.engine.Orgs.ReplaceInventory(ctx, other.ID, []store.Item{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Version: "9.0R3.3"}}); err != nil {
		t.Fatal(err)
	}
	second := &advisory.Advisory{ID: "SA2", Revision: "1", Format: "heed", Title: "Second VPN flaw", Severity: "high",
		Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Status: advisory.StatusAffected}}}
	if _, err := v.engine.Cases.ApplyAdvisory(ctx, second); err != nil {
		t.Fatal(err)
	}
	var own, theirs store.Case
	v.db.View(ctx, func(tx *store.Tx) error {
		cs, err := tx.Cases(store.CaseFilter{AdvisoryID: "SA2"})
		for _, c := range cs {
			if c.OrgID == other.ID {
				theirs = c
			} else {
				own = c
			}
		}
		return err
	})
	if own.ID == "" || theirs.ID == "" {
		t.Fatalf("want SA2 cases at both organizations; own %q, theirs %q", own.ID, theirs.ID)
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(v.srv.URL + path + "/all")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if !strings.Contains(page, "SA1") || !strings.Contains(page, "SA2") || strings.Contains(page, theirs.ID) {
		t.Fatalf("organization page lists the wrong cases:\n%s", page)
	}
	csrf := csrfField.FindStringSubmatch(page)[1]
	answer := func(caseID string) int {
		resp, err := browser.PostForm(v.srv.URL+path+"/all", url.Values{"status": {"patched"}, "csrf": {csrf}, "case": {caseID}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := answer(theirs.ID); code != http.StatusNotFound {
		t.Errorf("answer to another organization's case: %d, want 404", code)
	}
	if code := answer(own.ID); code != http.StatusOK {
		t.Errorf("answer to the organization's own case: %d, want 200", code)
	}
	v.db.View(ctx, func(tx *store.Tx) error {
		if c, _ := tx.Case(theirs.ID); c.Answer != nil {
			t.Errorf("another organization's case was answered: %+v", c.Answer)
		}
		if c, _ := tx.Case(own.ID); c.Answer == nil || c.Answer.Status != "patched" {
			t.Errorf("own case's answer = %+v; want patched", c.Answer)
		}
		return nil
	})
}
