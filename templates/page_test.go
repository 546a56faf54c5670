package templates

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func sampleAck(lang string) AckPage {
	m := sampleMail(KindNotice, lang)
	return AckPage{
		Lang:      lang,
		Location:  tokyo,
		OrgName:   m.OrgName,
		Advisory:  m.Advisory,
		Items:     m.Items,
		DueAt:     m.DueAt,
		CSRFToken: "csrf-tok_123",
	}
}

func sampleAnswer(status string) *AnswerView {
	a := &AnswerView{Status: status, At: time.Date(2019, 4, 26, 1, 30, 0, 0, time.UTC), Note: "Upgraded to 9.0R3.4."}
	if status == "scheduled" {
		a.Until = time.Date(2019, 5, 10, 0, 0, 0, 0, tokyo)
	}
	return a
}

func sampleBoard() BoardPage {
	now := time.Date(2019, 4, 30, 0, 0, 0, 0, time.UTC)
	return BoardPage{Rows: []CaseRow{
		{ID: "c2", AdvisoryID: "SA44101", AdvisoryTitle: "Pulse Connect Secure arbitrary file read", Severity: "critical", OrgName: "Answered Ltd", State: "answered", Reminders: 1, DueAt: now, Answer: sampleAnswer("patched")},
		{ID: "c1", AdvisoryID: "SA44101", AdvisoryTitle: "<script>alert(1)</script>", Severity: "critical", OrgName: "Silent Corp", State: "open", Reminders: 3, NextReminder: now.Add(72 * time.Hour), DueAt: now.Add(-time.Hour), Overdue: true},
		{ID: "c3", AdvisoryID: "SA44101", AdvisoryTitle: "Pulse Connect Secure arbitrary file read", Severity: "critical", OrgName: "Closed KK", State: "closed"},
	}}
}

func sampleMessage() OutboxMessagePage {
	return OutboxMessagePage{
		Row:     OutboxRow{ID: 42, CreatedAt: time.Date(2019, 4, 25, 0, 0, 0, 0, time.UTC), To: "sec@example.com", Subject: "[Heed] CRITICAL: SA44101 <b>x</b>", Kind: KindNotice, State: "held"},
		Headers: [][2]string{{"From", "heed@example.org"}, {"Subject", "=?utf-8?q?x?="}},
		Text:    "Dear Taro,\n<script>alert(1)</script>",
		AckURL:  "https://heed.example.org/ack/abc",
	}
}

// pages renders every page in the states that change its structure.
func pages(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	add := func(name string, render func(w *bytes.Buffer) error) {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b.String()
	}
	for _, lang := range []string{"en", "ja"} {
		add("ack-"+lang, func(w *bytes.Buffer) error { return RenderAckPage(w, sampleAck(lang)) })
		add("ack-answered-"+lang, func(w *bytes.Buffer) error {
			p := sampleAck(lang)
			p.Answer = sampleAnswer("patched")
			return RenderAckPage(w, p)
		})
		add("ack-recorded-"+lang, func(w *bytes.Buffer) error {
			p := sampleAck(lang)
			p.Answer, p.Recorded = sampleAnswer("scheduled"), true
			return RenderAckPage(w, p)
		})
		add("ack-error-"+lang, func(w *bytes.Buffer) error {
			p := sampleAck(lang)
			p.Error = "choose a status"
			return RenderAckPage(w, p)
		})
		add("org-"+lang, func(w *bytes.Buffer) error {
			a := sampleAck(lang)
			oc := OrgCase{ID: "c1", Advisory: a.Advisory, Items: a.Items, DueAt: a.DueAt}
			return RenderOrgPage(w, OrgPage{Lang: lang, Location: tokyo, OrgName: a.OrgName, CSRFToken: "tok",
				Justifications: a.Justifications, Cases: []OrgCase{oc, {ID: "c2", Advisory: a.Advisory}}, Recorded: "SA1", ErrorCase: "c1", Error: "choose"})
		})
		add("org-empty-"+lang, func(w *bytes.Buffer) error {
			return RenderOrgPage(w, OrgPage{Lang: lang, Location: tokyo, OrgName: "Acme"})
		})
		add("ack-closed-"+lang, func(w *bytes.Buffer) error {
			p := sampleAck(lang)
			p.Closed = "The publisher withdrew the advisory."
			return RenderAckPage(w, p)
		})
		add("error-"+lang, func(w *bytes.Buffer) error {
			return RenderErrorPage(w, ErrorPage{Lang: lang, Status: 410, Message: "This link has expired."})
		})
	}
	add("login", func(w *bytes.Buffer) error { return RenderLoginPage(w, LoginPage{}) })
	add("login-error", func(w *bytes.Buffer) error { return RenderLoginPage(w, LoginPage{Error: "wrong token"}) })
	add("outbox", func(w *bytes.Buffer) error {
		return RenderOutboxPage(w, OutboxPage{Rows: []OutboxRow{sampleMessage().Row}})
	})
	add("outbox-empty", func(w *bytes.Buffer) error { return RenderOutboxPage(w, OutboxPage{}) })
	add("message", func(w *bytes.Buffer) error { return RenderOutboxMessagePage(w, sampleMessage()) })
	add("board", func(w *bytes.Buffer) error { return RenderBoardPage(w, sampleBoard()) })
	add("board-empty", func(w *bytes.Buffer) error { return RenderBoardPage(w, BoardPage{}) })
	return out
}

func TestPagesAreScriptFreeDocuments(t *testing.T) {
	t.Parallel()
	for name, doc := range pages(t) {
		t.Run(name, func(t *testing.T) {
			els := checkDocument(t, doc)
			var style bool
			for _, el := range els {
				style = style || el.name == "style"
			}
			if !style {
				t.Error("no <style> block")
			}
			wantLang := "en"
			if strings.HasSuffix(name, "-ja") {
				wantLang = "ja"
			}
			if !strings.Contains(doc, `<html lang="`+wantLang+`">`) {
				t.Errorf("want lang %q", wantLang)
			}
		})
	}
}

// findAll returns the elements named name whose attributes include attrs.
func findAll(els []element, name string, attrs map[string]string) []element {
	var out []element
next:
	for _, el := range els {
		if el.name != name {
			continue
		}
		for k, v := range attrs {
			if got, ok := el.attrs[k]; !ok || got != v {
				continue next
			}
		}
		out = append(out, el)
	}
	return out
}

func TestAckPageForm(t *testing.T) {
	t.Parallel()
	all := pages(t)
	for _, name := range []string{"ack-en", "ack-ja", "ack-answered-en", "ack-recorded-ja", "ack-error-en"} {
		t.Run(name, func(t *testing.T) {
			els, err := parseHTML(all[name])
			if err != nil {
				t.Fatal(err)
			}
			forms := findAll(els, "form", nil)
			if len(forms) != 1 {
				t.Fatalf("%d forms, want 1", len(forms))
			}
			if m := strings.ToLower(forms[0].attrs["method"]); m != "post" {
				t.Errorf("form method %q", m)
			}
			if _, ok := forms[0].attrs["action"]; ok {
				t.Error("form has an action; it must post to the page's own URL")
			}
			if len(findAll(els, "input", map[string]string{"type": "hidden", "name": "csrf", "value": "csrf-tok_123"})) != 1 {
				t.Error("no csrf field")
			}
			for _, s := range []string{"patched", "mitigated", "not_affected", "scheduled"} {
				if len(findAll(els, "input", map[string]string{"type": "radio", "name": "status", "value": s, "id": "status-" + s})) != 1 {
					t.Errorf("no radio for %s", s)
				}
				if len(findAll(els, "label", map[string]string{"for": "status-" + s})) != 1 {
					t.Errorf("no label for %s", s)
				}
			}
			if len(findAll(els, "textarea", map[string]string{"name": "note"})) != 1 {
				t.Error("no note")
			}
			if len(findAll(els, "input", map[string]string{"type": "date", "name": "until"})) != 1 {
				t.Error("no until date")
			}
			if len(findAll(els, "button", map[string]string{"type": "submit", "id": "submit"})) != 1 {
				t.Error("no submit button")
			}
		})
	}
}

func TestAckPageStates(t *testing.T) {
	t.Parallel()
	all := pages(t)
	tests := []struct {
		page      string
		want      []string
		dontWant  []string
		wantForms int
	}{
		{"ack-en", []string{"SA44101", "Pulse Connect Secure arbitrary file read", "vpn-gw-01", "possibly affected — no version recorded", "2019-05-01 18:00 JST", "Send answer", "Opening it changed nothing"}, []string{"Already answered", "Thank you"}, 1},
		{"ack-ja", []string{"回答を送信", "対応期限", "2019年5月1日 18:00 JST", "影響なし", "何も記録されません"}, nil, 1},
		{"ack-answered-en", []string{"Already answered on 2019-04-26 10:30 JST — you may send a new answer", "Patched", "Upgraded to 9.0R3.4."}, []string{"Thank you"}, 1},
		{"ack-answered-ja", []string{"2019年4月26日 10:30 JST に回答済みです", "修正済み"}, nil, 1},
		{"ack-recorded-en", []string{"Thank you — your answer was recorded; reminders pause until 2019-05-10.", "Will patch by a date"}, []string{"Already answered"}, 1},
		{"ack-recorded-ja", []string{"2019年5月10日 まで再通知を停止します"}, nil, 1},
		{"ack-error-en", []string{`role="alert" id="form-error">choose a status</p>`}, nil, 1},
		{"ack-closed-en", []string{"This case is closed", "The publisher withdrew the advisory.", "No answer is needed."}, []string{"Send answer"}, 0},
		{"ack-closed-ja", []string{"本件は終了しました"}, []string{"回答を送信"}, 0},
		{"error-en", []string{"410 Gone", "This link has expired.", "most recent mail"}, nil, 0},
		{"error-ja", []string{"エラーが発生しました", "最新のメール"}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.page, func(t *testing.T) {
			doc := all[tt.page]
			for _, w := range tt.want {
				if !strings.Contains(doc, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(doc, w) {
					t.Errorf("has %q", w)
				}
			}
			if n := strings.Count(doc, "<form"); n != tt.wantForms {
				t.Errorf("%d forms, want %d", n, tt.wantForms)
			}
		})
	}
}

func TestOperatorPages(t *testing.T) {
	t.Parallel()
	all := pages(t)
	t.Run("login", func(t *testing.T) {
		els, _ := parseHTML(all["login-error"])
		if len(findAll(els, "form", map[string]string{"method": "post", "action": "/login"})) != 1 {
			t.Error("no POST /login form")
		}
		if len(findAll(els, "input", map[string]string{"type": "password", "name": "token"})) != 1 {
			t.Error("no password field named token")
		}
		if !strings.Contains(all["login-error"], "wrong token") || strings.Contains(all["login"], "wrong token") {
			t.Error("the error shows only when set")
		}
	})
	t.Run("outbox", func(t *testing.T) {
		els, _ := parseHTML(all["outbox"])
		if len(findAll(els, "a", map[string]string{"href": "/outbox/42"})) == 0 {
			t.Error("no link to /outbox/42")
		}
		if strings.Contains(all["outbox"], "<b>x</b>") {
			t.Error("subject not escaped")
		}
	})
	t.Run("message", func(t *testing.T) {
		doc := all["message"]
		els, _ := parseHTML(doc)
		frames := findAll(els, "iframe", map[string]string{"src": "/outbox/42/html"})
		if len(frames) != 1 {
			t.Fatal("no iframe for the HTML part")
		}
		if v, ok := frames[0].attrs["sandbox"]; !ok || v != "" {
			t.Errorf("iframe sandbox=%q, want a bare sandbox attribute", v)
		}
		if len(findAll(els, "a", map[string]string{"href": "https://heed.example.org/ack/abc"})) != 1 {
			t.Error("no ack link")
		}
		if !strings.Contains(doc, "<pre translate=\"no\">Dear Taro,\n&lt;script&gt;alert(1)&lt;/script&gt;</pre>") {
			t.Error("text part not in an escaped <pre>")
		}
	})
	t.Run("board", func(t *testing.T) {
		doc := all["board"]
		els, _ := parseHTML(doc)
		rows := findAll(els, "tr", nil)
		var ids []string
		for _, r := range rows {
			if id := r.attrs["id"]; id != "" {
				ids = append(ids, id+"/"+r.attrs["class"])
			}
		}
		if got := strings.Join(ids, " "); got != "case-c1/silent case-c2/ case-c3/" {
			t.Errorf("rows %q: want the silent case first and marked", got)
		}
		for _, w := range []string{"OVERDUE", "SILENT", "1 silent", "Patched", "Silent Corp", "&lt;script&gt;"} {
			if !strings.Contains(doc, w) {
				t.Errorf("lacks %q", w)
			}
		}
	})
}

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	t.Parallel()
	for key := range catalogEN {
		if _, ok := catalogJA[key]; !ok {
			t.Errorf("ja lacks %q", key)
		}
	}
	for key := range catalogJA {
		if _, ok := catalogEN[key]; !ok {
			t.Errorf("en lacks %q", key)
		}
	}
}
