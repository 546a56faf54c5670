package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// orgsCSV writes an import file of n organizations; bad, when non-zero,
// is the file line (the header is line 1) whose time zone is wrong.
func orgsCSV(n, bad int, name string) string {
	var b strings.Builder
	b.WriteString("external_id,name,language,timezone,contacts,escalation\n")
	for i := 1; i <= n; i++ {
		tz := "Asia/Tokyo"
		if i+1 == bad {
			tz = "Mars/Olympus"
		}
		fmt.Fprintf(&b, "EXT-%04d,%s %d,ja,%s,sec%d@org%d.test;cert@org%d.test,boss@org%d.test\n", i, name, i, tz, i, i, i, i)
	}
	return b.String()
}

func importOrgs(t *testing.T, v *env, body string) (int, map[string]any) {
	t.Helper()
	resp, out := v.do("POST", "/api/v1/orgs/import", token, "text/csv", body)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("import answered %d %q: %v", resp.StatusCode, out, err)
	}
	return resp.StatusCode, m
}

func orgCount(t *testing.T, v *env) int {
	t.Helper()
	resp, body := v.do("GET", "/api/v1/orgs?limit=10000", token, "", "")
	var page struct{ Orgs []orgJSON }
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &page) != nil {
		t.Fatalf("list orgs: %d %s", resp.StatusCode, body)
	}
	return len(page.Orgs)
}

func TestOrgImportCreatesThenUpdatesByExternalID(t *testing.T) {
	v := newEnv(t)
	status, res := importOrgs(t, v, orgsCSV(1000, 0, "Maker"))
	if status != http.StatusOK || res["created"] != 1000.0 || res["updated"] != 0.0 {
		t.Fatalf("first import: %d %v, want 200 created 1000", status, res)
	}
	status, res = importOrgs(t, v, orgsCSV(1000, 0, "Renamed Maker"))
	if status != http.StatusOK || res["created"] != 0.0 || res["updated"] != 1000.0 {
		t.Fatalf("re-import: %d %v, want 200 updated 1000 created 0", status, res)
	}
	if n := orgCount(t, v); n != 1000 {
		t.Fatalf("%d organizations after importing the same 1,000 twice, want 1000", n)
	}
	resp, body := v.do("GET", "/api/v1/orgs?limit=1", token, "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Renamed Maker") || !strings.Contains(body, "cert@org") ||
		!strings.Contains(body, "boss@org") {
		t.Fatalf("after re-import the organizations are not the file's: %s", body)
	}
}

func TestOrgImportBadRowImportsNothing(t *testing.T) {
	v := newEnv(t)
	status, res := importOrgs(t, v, orgsCSV(1000, 500, "Maker"))
	msg, _ := res["error"].(string)
	if status != http.StatusBadRequest || !strings.Contains(msg, "line 500") || !strings.Contains(msg, "timezone") {
		t.Fatalf("a bad time zone on line 500 answered %d %v, want 400 naming line 500 and timezone", status, res)
	}
	if n := orgCount(t, v); n != 0 {
		t.Fatalf("%d organizations imported from a refused file, want 0", n)
	}
	// The same address as contact and escalation contact is refused too.
	file := orgsCSV(3, 0, "Maker") + "EXT-DUP,Dup KK,en,UTC,a@dup.test,a@dup.test\n"
	status, res = importOrgs(t, v, file)
	if msg, _ := res["error"].(string); status != http.StatusBadRequest || !strings.Contains(msg, "line 5") {
		t.Fatalf("a contact listed twice on line 5 answered %d %v, want 400 naming line 5", status, res)
	}
	if n := orgCount(t, v); n != 0 {
		t.Fatalf("%d organizations imported from a refused file, want 0", n)
	}
}

func TestOrgImportSettingsReachTheOrganization(t *testing.T) {
	v := newEnv(t)
	file := "external_id,name,language,timezone,contacts,escalation,business_hours,digest,digest_time\n" +
		`K-1,Tokyo KK,ja,Asia/Tokyo,sec@tokyo.test,,"09:00-18:00 Mon-Fri",daily,08:30` + "\n"
	if status, res := importOrgs(t, v, file); status != http.StatusOK || res["created"] != 1.0 {
		t.Fatalf("import: %d %v", status, res)
	}
	_, body := v.do("GET", "/api/v1/orgs?limit=1", token, "", "")
	var page struct{ Orgs []orgJSON }
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Orgs) != 1 {
		t.Fatalf("list: %s", body)
	}
	resp, body := v.do("GET", "/api/v1/orgs/"+page.Orgs[0].ID, token, "", "")
	var org map[string]any
	if err := json.Unmarshal([]byte(body), &org); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("get org: %d %s", resp.StatusCode, body)
	}
	if org["business_hours"] != "09:00-18:00 Mon-Fri" || org["digest"] != "daily" || org["digest_time"] != "08:30" ||
		org["language"] != "ja" || org["timezone"] != "Asia/Tokyo" {
		t.Fatalf("the file's settings did not land: %s", body)
	}
	// A later file without those columns keeps them.
	if status, res := importOrgs(t, v, "external_id,name,language,timezone,contacts,escalation\nK-1,Tokyo KK,ja,Asia/Tokyo,sec@tokyo.test,\n"); status != http.StatusOK || res["updated"] != 1.0 {
		t.Fatalf("re-import: %d %v", status, res)
	}
	_, body = v.do("GET", "/api/v1/orgs/"+page.Orgs[0].ID, token, "", "")
	org = nil
	if err := json.Unmarshal([]byte(body), &org); err != nil || org["digest"] != "daily" || org["business_hours"] != "09:00-18:00 Mon-Fri" {
		t.Fatalf("re-import without the settings columns lost them: %s", body)
	}
}
