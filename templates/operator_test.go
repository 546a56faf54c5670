package templates_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/templates"
	"github.com/heed-dev/heed/templates/pagecheck"
)

// rendered is an operator page as written, and the data it was given.
type rendered struct {
	doc  string
	data any
}

// operatorPages renders every operator page in lang with every optional
// part present (held advisories, a relay alert, bounced contacts, a
// removed mail body …).
func operatorPages(t *testing.T, lang string) map[string]rendered {
	t.Helper()
	at := time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)
	op := func(publisher string) *templates.Operator {
		return &templates.Operator{Token: "ops-desk", Role: "operator", Publisher: publisher, CSRF: "csrf-1", Lang: lang, Here: "/board"}
	}
	answer := &templates.AnswerView{Status: "scheduled", At: at, Until: at.Add(240 * time.Hour), Note: "メンテナンス枠で更新"}
	rows := []templates.CaseRow{
		{ID: "c1", AdvisoryID: "SA1", AdvisoryTitle: "VPN 装置の脆弱性", Severity: "critical", OrgName: "東京製作所", OrgID: "o1", State: "open",
			Reminders: 2, NextReminder: at, DueAt: at, Overdue: true, SeenAt: at},
		{ID: "c2", AdvisoryID: "SA1", AdvisoryTitle: "VPN 装置の脆弱性", Severity: "high", OrgName: "大阪物産", OrgID: "o2", State: "scheduled", DueAt: at, Answer: answer},
		{ID: "c3", AdvisoryID: "SA1", Severity: "medium", OrgName: "名古屋工業", OrgID: "o3", State: "answered",
			Answer: &templates.AnswerView{Status: "not_affected", Justification: "vulnerable_code_not_present", Version: "9.1R1", At: at}},
	}
	var totals []templates.StateTotal
	for _, s := range []string{"open", "scheduled", "answered", "closed", "watching"} {
		totals = append(totals, templates.StateTotal{State: s, Count: 1234, Link: "/board?state=" + s})
	}
	mail := templates.OutboxRow{ID: 7, CreatedAt: at, To: "sec@tokyo.test", Subject: "［Heed］対応のお願い：SA1", Kind: "reminder", State: "sent",
		Reply: "250 2.0.0 Ok: queued as 1A2B", SentAt: at}
	held := templates.OutboxRow{ID: 8, CreatedAt: at, To: "boss@tokyo.test", Subject: "［Heed］SA1", Kind: "notice", State: "failed"}
	pages := map[string]any{
		"login": templates.LoginPage{Lang: lang, Chosen: true, Error: templates.OpText(lang, "op.login.wrong")},
		"board": templates.BoardPage{Operator: op(""), Rows: rows, Totals: totals, State: "open", Next: "/board?cursor=x", All: "/board", CSV: "/board.csv",
			Filter:     templates.BoardFilter{Advisory: "SA1", Silent: true, Overdue: true},
			RelayAlert: &templates.RelayAlertView{Since: at, Last: at, Reply: "554 5.7.1 relay denied", Refused: 3}},
		"board-empty": templates.BoardPage{Operator: op("jpcert"), Filter: templates.BoardFilter{OrgName: "東京"}},
		"advisories": templates.AdvisoriesPage{Operator: op(""), CanDecide: true, Done: templates.OpText(lang, "op.approved", "SA2", templates.OpCount(lang, "op.n_opened", 12)),
			Held:       []templates.HeldRow{{ID: "SA2", Revision: "1", Title: "制御装置の脆弱性", Severity: "critical", Publisher: "jpcert", WouldOpen: 1200, ReceivedAt: at}},
			Advisories: []templates.AdvisoryRow{{ID: "SA1", Revision: "3", Title: "VPN 装置の脆弱性", Severity: "high", Publisher: "jpcert", Withdrawn: true, Open: 1, Cases: 1, ReceivedAt: at}}},
		"advisories-viewer": templates.AdvisoriesPage{Operator: &templates.Operator{Token: "watch", Role: "viewer", CSRF: "c", Lang: lang},
			Held: []templates.HeldRow{{ID: "SA2", Revision: "1", Severity: "low", Publisher: "jpcert", WouldOpen: 1, ReceivedAt: at}}},
		"advisories-empty": templates.AdvisoriesPage{Operator: op("")},
		"advisory": templates.AdvisoryPage{Operator: op(""), ID: "SA1", Revision: "3", Title: "VPN 装置の脆弱性", Severity: "critical", Publisher: "jpcert",
			Format: "csaf", Withdrawn: true, ReceivedAt: at, Totals: totals,
			Revisions: []templates.RevisionRow{{Revision: "3", Title: "VPN 装置の脆弱性", Severity: "critical", Withdrawn: true, AppliedAt: at}},
			Uptake: templates.Uptake{Start: at, Now: at.Add(96 * time.Hour), Due: at.Add(48 * time.Hour),
				Cases: [][]templates.UptakeAnswer{{{Status: "patched", At: at.Add(time.Hour)}}, nil}},
			Overdue: []templates.WaitingCase{{CaseID: "c1", OrgID: "o1", OrgName: "東京製作所", DueAt: at, Reminders: 3, Escalated: true, SeenAt: at, SeenBy: "sec@tokyo.test"}},
		},
		"advisory-nomail": templates.AdvisoryPage{Operator: op(""), ID: "SA3", Severity: "low", Publisher: "jpcert", ReceivedAt: at},
		"orgreport": templates.OrgReportPage{Operator: op(""), ID: "o1", Name: "東京製作所", Language: "ja", Timezone: "Asia/Tokyo", BusinessHours: "always",
			Digest: "daily", CreatedAt: at, Items: 3,
			Contacts:    []templates.ContactRow{{Email: "sec@tokyo.test", Name: "山田", Role: "primary", Bounced: at, Bounce: "550 5.1.1 unknown"}, {Email: "boss@tokyo.test", Role: "escalation"}},
			Products:    []templates.ProductRow{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure", Items: 3}},
			Cases:       []templates.OrgCaseRow{{ID: "c1", AdvisoryID: "SA1", Severity: "critical", State: "open", OpenedAt: at, DueAt: at, Reminders: 2, Overdue: true, SeenAt: at, Answer: answer}},
			Mails:       []templates.OutboxRow{mail, held},
			MailsCapped: 1000,
			Answers:     []templates.OrgAnswerRow{{AdvisoryID: "SA1", By: "sec@tokyo.test", AnswerView: *answer}},
		},
		"orgreport-empty": templates.OrgReportPage{Operator: op(""), ID: "o2", Name: "大阪物産", Language: "en", Timezone: "UTC", BusinessHours: "09:00-18:00", Digest: "off", CreatedAt: at},
		"outbox":          templates.OutboxPage{Operator: op(""), Rows: []templates.OutboxRow{mail, held}},
		"outbox-empty":    templates.OutboxPage{Operator: op("")},
		"message": templates.OutboxMessagePage{Operator: op(""), Row: mail, Headers: [][2]string{{"Subject", "［Heed］SA1"}, {"To", "sec@tokyo.test"}},
			Text: "Dear team, Reminder: Due Answer State", AckURL: "https://heed.test/ack/x"},
		"message-removed": templates.OutboxMessagePage{Operator: op(""), Row: held, BodyRemoved: true},
		"rejected": templates.RejectedPage{Operator: op(""), Rows: []templates.RejectedRow{
			{ID: 1, ReceivedAt: at, Subject: "advisories.jpcert", Publisher: "jpcert", Reason: "parse CSAF: document.category: unknown", Size: 123456},
			{ID: 2, ReceivedAt: at, Subject: "advisories.other", Reason: "Open Size Filter", Size: 1}}},
		"rejected-empty": templates.RejectedPage{Operator: op("")},
	}
	out := map[string]rendered{}
	for name, p := range pages {
		var b bytes.Buffer
		var err error
		switch p := p.(type) {
		case templates.LoginPage:
			err = templates.RenderLoginPage(&b, p)
		case templates.BoardPage:
			err = templates.RenderBoardPage(&b, p)
		case templates.AdvisoriesPage:
			err = templates.RenderAdvisoriesPage(&b, p)
		case templates.AdvisoryPage:
			err = templates.RenderAdvisoryPage(&b, p)
		case templates.OrgReportPage:
			err = templates.RenderOrgReportPage(&b, p)
		case templates.OutboxPage:
			err = templates.RenderOutboxPage(&b, p)
		case templates.OutboxMessagePage:
			err = templates.RenderOutboxMessagePage(&b, p)
		case templates.RejectedPage:
			err = templates.RenderRejectedPage(&b, p)
		}
		if err != nil {
			t.Fatalf("render %s in %s: %v", name, lang, err)
		}
		out[name] = rendered{b.String(), p}
	}
	return out
}

// dataStrings is every string in v (its fields, slices, pointers), the
// data a page was given.
func dataStrings(v reflect.Value) []string {
	switch v.Kind() {
	case reflect.String:
		return []string{v.String()}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return dataStrings(v.Elem())
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = append(out, dataStrings(v.Field(i))...)
			}
		}
		return out
	case reflect.Slice, reflect.Array:
		var out []string
		for i := range v.Len() {
			out = append(out, dataStrings(v.Index(i))...)
		}
		return out
	}
	return nil
}

// TestOperatorPagesInJapanese: every operator page rendered in Japanese
// shows none of the catalog's English sentences (a walk over its keys),
// and no English word that is neither Japanese catalog nor the page's
// data: nothing was written into a template untranslated.
func TestOperatorPagesInJapanese(t *testing.T) {
	t.Parallel()
	for name, p := range operatorPages(t, "ja") {
		if !strings.Contains(p.doc, `<html lang="ja">`) {
			t.Errorf("%s: not a Japanese page", name)
		}
		if left := pagecheck.LeftoverEnglish(p.doc); len(left) > 0 {
			t.Errorf("%s in Japanese still says, in English:\n  %s", name, strings.Join(left, "\n  "))
		}
		data := append(dataStrings(reflect.ValueOf(p.data)), "UTC") // operator pages give times in UTC
		if stray := pagecheck.StrayWords(p.doc, data); len(stray) > 0 {
			t.Errorf("%s in Japanese shows English words from neither the catalog nor its data: %v", name, stray)
		}
	}
}

// TestOperatorPagesInEnglish: the same pages in English keep their
// English words, so the check above is not passing for an empty page.
func TestOperatorPagesInEnglish(t *testing.T) {
	t.Parallel()
	for name, p := range operatorPages(t, "en") {
		if !strings.Contains(p.doc, `<html lang="en">`) {
			t.Errorf("%s: not an English page", name)
		}
		if left := pagecheck.LeftoverEnglish(p.doc); len(left) < 3 {
			t.Errorf("%s in English: only %d catalog sentences found (%v); the check would see nothing", name, len(left), left)
		}
	}
}

// TestEveryMailKindIsWorded: the outbox and the organization's page word
// every kind of mail Heed writes in both languages.
func TestEveryMailKindIsWorded(t *testing.T) {
	for _, kind := range []string{templates.KindNotice, templates.KindReminder, templates.KindClosed, templates.KindWithdrawn, templates.KindUpdated,
		templates.KindExploited, templates.KindResolved, templates.KindDigest, templates.KindReplyHelp} {
		for _, lang := range []string{"en", "ja"} {
			if templates.OpText(lang, "op.kind."+kind) == "op.kind."+kind {
				t.Errorf("mail kind %q has no %s word (op.kind.%s in catalog_operator.go)", kind, lang, kind)
			}
		}
	}
}

// TestPickLang: the operator pages' language from a browser's
// Accept-Language, before the operator chooses one.
func TestPickLang(t *testing.T) {
	for accept, want := range map[string]string{
		"":                        "en",
		"ja":                      "ja",
		"ja-JP,ja;q=0.9,en;q=0.8": "ja",
		"en-US,en;q=0.9,ja;q=0.8": "en",
		"fr-FR,fr;q=0.9,ja;q=0.5": "ja",
		"fr-FR,de":                "en",
		"en;q=0.4, ja;q=0.6":      "ja",
		"ja;q=0, en;q=0.1":        "en",
		"*":                       "en",
		"ja;q=bogus, en":          "en",
		"JA_jp":                   "ja",
	} {
		if got := templates.PickLang(accept); got != want {
			t.Errorf("PickLang(%q) = %q, want %q", accept, got, want)
		}
	}
}

// TestNumAndCount: counts carry thousands separators, and English says
// "1 case" but "2 cases"; sizes (int64) too.
func TestNumAndCount(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "0 cases"}, {"en", 1, "1 case"}, {"en", 1234567, "1,234,567 cases"}, {"ja", 1, "1件"}, {"ja", 12000, "12,000件"},
	} {
		var b bytes.Buffer
		err := templates.RenderAdvisoriesPage(&b, templates.AdvisoriesPage{Operator: &templates.Operator{Lang: c.lang},
			Held: []templates.HeldRow{{ID: "H", WouldOpen: c.n}}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "<strong>"+c.want+"</strong>") {
			t.Errorf("%s %d: want %q on the page", c.lang, c.n, c.want)
		}
	}
	if doc := operatorPages(t, "ja")["rejected"].doc; !strings.Contains(doc, "123,456 バイト") {
		t.Errorf("the refused document's size in Japanese: want 123,456 バイト:\n%s", doc)
	}
}

// TestOpCount: a count in an operator's message is singular at one and
// carries separators ("1 case closed", "1,234 cases closed").
func TestOpCount(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "0 cases closed"}, {"en", 1, "1 case closed"}, {"en", 1234, "1,234 cases closed"}, {"ja", 1, "1件の案件を終了し"},
	} {
		if got := templates.OpCount(c.lang, "op.n_closed", c.n); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got := templates.OpCount("en", "op.login.too_many", 1); got != "Too many tries from your address. Try again in 1 second." {
		t.Errorf("sign-in wait: %q", got)
	}
	if got := templates.OpText("en", "op.activated_done", templates.OpCount("en", "op.n_opened", 1)); got != "Active again: 1 case opened and mailed." {
		t.Errorf("activated: %q", got)
	}
}
