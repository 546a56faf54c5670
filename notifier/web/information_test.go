package web

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier/formats"
)

// TestInformationIsShown: a csaf_base document applied is listed by the
// API as "information" with its notes and references, and the operator's
// pages show it apart from the advisories, with its texts, opening no case.
func TestInformationIsShown(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	data, err := os.ReadFile("../formats/testdata/csaf_base_vendor.json")
	if err != nil {
		t.Fatal(err)
	}
	adv, err := formats.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := v.engine.Cases.ApplyAdvisory(t.Context(), adv)
	if err != nil || out.Opened != 0 {
		t.Fatalf("apply: %+v, %v; want nothing opened", out, err)
	}

	_, body := v.do("GET", "/api/v1/advisories", token, "", "")
	var list struct{ Advisories []advisoryJSON }
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Advisories) != 1 || list.Advisories[0].State != "information" {
		t.Fatalf("GET /api/v1/advisories: %s; want the one document in state information", body)
	}
	resp, body := v.do("GET", "/api/v1/advisories/acme-sn-2024-0007", token, "", "")
	var one struct {
		State    string
		Cases    map[string]int
		Document struct {
			Informational bool
			Category      string
			Texts         []struct{ Title, Text string }
			References    []string
		}
	}
	if err := json.Unmarshal([]byte(body), &one); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/advisories/acme-sn-2024-0007: %d %s", resp.StatusCode, body)
	}
	d := one.Document
	if one.State != "information" || len(one.Cases) != 0 || !d.Informational || d.Category != "Acme Networks Security Notice" ||
		len(d.Texts) != 4 || d.Texts[2].Title != "Workarounds" || len(d.References) != 3 {
		t.Errorf("the document: %s; want information, no cases, its category, four texts and three references", body)
	}
	if resp, _ := v.do("GET", "/api/v1/advisories/NOPE", token, "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown advisory: %d, want 404", resp.StatusCode)
	}

	_, body = v.do("GET", "/advisories", token, "", "")
	if !strings.Contains(body, `<h2 id="information">Information</h2>`) || !strings.Contains(body, `id="information-acme-sn-2024-0007"`) ||
		!strings.Contains(body, "opened no cases and mailed nobody") || strings.Contains(body, `id="advisory-acme-sn-2024-0007"`) {
		t.Errorf("the advisories page does not list the document as information:\n%s", body)
	}
	_, body = v.do("GET", "/advisories/acme-sn-2024-0007", token, "", "")
	for _, want := range []string{`id="category">Acme Networks Security Notice<`, `id="information"`, "<h2>Workarounds</h2>",
		"admits only the management network", `href="https://docs.acme.example/routemaster/hardening"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the document's page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<svg") || strings.Contains(body, `id="totals"`) {
		t.Errorf("the document's page shows cases or an uptake curve:\n%s", body)
	}
	if n := v.mailCount(); n != 0 {
		t.Errorf("%d mails; want none", n)
	}
}
