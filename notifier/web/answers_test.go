package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

func TestAnswersAreHistory(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	path, _, _ := v.ackCase("en")
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(v.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := csrfField.FindStringSubmatch(string(b))[1]
	answer := func(form url.Values) (int, string) {
		form.Set("csrf", csrf)
		req, _ := http.NewRequest("POST", v.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("User-Agent", "answer-test/"+form.Get("status"))
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := answer(url.Values{"status": {"scheduled"}, "until": {"2026-06-01"}, "note": {"change window"}}); code != 200 {
		t.Fatalf("first answer: %d", code)
	}
	if code, _ := answer(url.Values{"status": {"patched"}}); code != 200 {
		t.Fatalf("second answer: %d", code)
	}

	var list struct{ Cases []struct{ ID, Org string } }
	_, body := v.do("GET", "/api/v1/cases", token, "", "")
	json.Unmarshal([]byte(body), &list)
	caseID, orgID := list.Cases[0].ID, list.Cases[0].Org
	detail := func() (c struct {
		State   string
		Answer  struct{ Status string }
		Answers []struct{ Status, Note, Until, Contact, IP, User_Agent string }
	}) {
		resp, body := v.do("GET", "/api/v1/cases/"+caseID, token, "", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET case: %d %s", resp.StatusCode, body)
		}
		json.Unmarshal([]byte(body), &c)
		return c
	}
	c := detail()
	if c.State != "answered" || c.Answer.Status != "patched" || len(c.Answers) != 2 {
		t.Fatalf("case after two answers = %+v; want answered, latest patched, both kept", c)
	}
	first, second := c.Answers[0], c.Answers[1]
	if first.Status != "scheduled" || first.Note != "change window" || first.Until == "" || first.Contact != "sec@acme.test" ||
		first.IP != "127.0.0.1" || first.User_Agent != "answer-test/scheduled" || second.Status != "patched" || second.User_Agent != "answer-test/patched" {
		t.Errorf("answers = %+v", c.Answers)
	}

	// The contact leaves the organization: its link answers nothing, and says why.
	resp, body = v.do("PUT", "/api/v1/orgs/"+orgID, token, "application/json", `{"name":"Acme","contacts":[{"email":"new@acme.test"}]}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update org: %d %s", resp.StatusCode, body)
	}
	if code, page := answer(url.Values{"status": {"mitigated"}}); code != http.StatusGone || !strings.Contains(page, "no longer a contact") {
		t.Errorf("answer through a removed contact's link: %d; want 410 saying why\n%s", code, page)
	}
	resp, err = browser.Get(v.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone || !strings.Contains(string(b), "Nothing was recorded") {
		t.Errorf("GET of a removed contact's link: %d", resp.StatusCode)
	}
	if c := detail(); len(c.Answers) != 2 || c.Answer.Status != "patched" {
		t.Errorf("after the refused answer: %+v", c)
	}
	if resp, _ := v.do("GET", "/api/v1/cases/case_nope", token, "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown case: %d", resp.StatusCode)
	}
}
