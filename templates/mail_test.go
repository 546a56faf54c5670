package templates

import (
	"strings"
	"testing"
	"time"
)

func TestRenderMailGolden(t *testing.T) {
	t.Parallel()
	reminder := sampleMail(KindReminder, "en")
	reminder.Reminder = 2
	reminder.Escalated = true
	reminder.Overdue = true
	reminderJA := reminder
	reminderJA.Lang = "ja"
	updated := sampleMail(KindUpdated, "en")
	updated.Advisory.Revision = "3"
	updated.Changes = []Change{
		{Code: "fixed", From: "9.0R3.4", To: "9.0R3.5"},
		{Code: "ranges", From: "[9.0R1, 9.0R3.4)", To: "[9.0R1, 9.0R3.5)"},
		{Code: "severity", From: "high", To: "critical"},
		{Code: "due", FromAt: time.Date(2019, 5, 8, 9, 0, 0, 0, time.UTC), ToAt: time.Date(2019, 5, 1, 9, 0, 0, 0, time.UTC)},
		{Code: "items_added", To: "Pulse Secure Pulse Connect Secure 9.0R3.4 (vpn-gw-03)"},
	}
	updatedJA := updated
	updatedJA.Lang = "ja"
	exploited := sampleMail(KindExploited, "en")
	exploited.Changes = []Change{
		{Code: "exploited", ToAt: time.Date(2019, 4, 20, 0, 0, 0, 0, time.UTC)},
		{Code: "due", FromAt: time.Date(2019, 5, 8, 9, 0, 0, 0, time.UTC), ToAt: time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)},
	}
	exploitedJA := exploited
	exploitedJA.Lang = "ja"
	resolved := sampleMail(KindResolved, "en")
	resolved.Changes = []Change{
		{Code: "now_at", From: "Pulse Secure Pulse Connect Secure (vpn-gw-01)", To: "9.0R3.4"},
		{Code: "gone", From: "Pulse Secure Pulse Connect Secure (vpn-gw-02)"},
	}
	resolvedJA := resolved
	resolvedJA.Lang = "ja"

	tests := []struct {
		name string
		data MailData
	}{
		{"notice_en", sampleMail(KindNotice, "en")},
		{"notice_ja", sampleMail(KindNotice, "ja")},
		{"reminder_escalated_en", reminder},
		{"reminder_escalated_ja", reminderJA},
		{"updated_en", updated},
		{"updated_ja", updatedJA},
		{"exploited_en", exploited},
		{"exploited_ja", exploitedJA},
		{"resolved_en", resolved},
		{"resolved_ja", resolvedJA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := RenderMail(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name+".txt", "Subject: "+m.Subject+"\n\n"+m.Text)
			golden(t, tt.name+".html", m.HTML)
		})
	}
}

func TestRenderMailSubject(t *testing.T) {
	t.Parallel()
	overdue := sampleMail(KindReminder, "en")
	overdue.Reminder = 3
	overdue.Overdue = true
	jaReminder := sampleMail(KindReminder, "ja")
	jaReminder.Reminder = 2

	tests := []struct {
		name string
		data MailData
		want string
	}{
		{"notice", sampleMail(KindNotice, "en"), "[Heed] CRITICAL: SA44101 Pulse Connect Secure arbitrary file read — action required"},
		{"overdue reminder", overdue, "[Heed] Reminder 3: CRITICAL: SA44101 Pulse Connect Secure arbitrary file read — overdue"},
		{"closed", sampleMail(KindClosed, "en"), "[Heed] Closed: SA44101 Pulse Connect Secure arbitrary file read"},
		{"withdrawn", sampleMail(KindWithdrawn, "en"), "[Heed] Withdrawn: SA44101 Pulse Connect Secure arbitrary file read"},
		{"resolved", sampleMail(KindResolved, "en"), "[Heed] Resolved: SA44101 Pulse Connect Secure arbitrary file read"},
		{"exploited", sampleMail(KindExploited, "en"), "[Heed] Now exploited: CRITICAL: SA44101 Pulse Connect Secure arbitrary file read — action required"},
		{"ja exploited", sampleMail(KindExploited, "ja"), "[Heed] 悪用確認: 重大: SA44101 Pulse Connect Secure arbitrary file read 対応のお願い"},
		{"updated", sampleMail(KindUpdated, "en"), "[Heed] Updated: CRITICAL: SA44101 Pulse Connect Secure arbitrary file read — action required"},
		{"ja updated", sampleMail(KindUpdated, "ja"), "[Heed] 更新: 重大: SA44101 Pulse Connect Secure arbitrary file read 対応のお願い"},
		{"ja notice", sampleMail(KindNotice, "ja"), "[Heed] 重大: SA44101 Pulse Connect Secure arbitrary file read 対応のお願い"},
		{"ja reminder", jaReminder, "[Heed] 再通知 2: 重大: SA44101 Pulse Connect Secure arbitrary file read 対応のお願い"},
		{"unknown lang is English", sampleMail(KindNotice, "fr"), "[Heed] CRITICAL: SA44101 Pulse Connect Secure arbitrary file read — action required"},
		{"language tag", sampleMail(KindNotice, "ja-JP"), "[Heed] 重大: SA44101 Pulse Connect Secure arbitrary file read 対応のお願い"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := RenderMail(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.want {
				t.Errorf("subject\n got %q\nwant %q", m.Subject, tt.want)
			}
		})
	}
}

func TestRenderMailLongSubjectKeepsItsEnds(t *testing.T) {
	t.Parallel()
	d := sampleMail(KindReminder, "en")
	d.Reminder = 4
	d.Advisory.Title = strings.Repeat("very long title ", 40)
	m, err := RenderMail(d)
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(m.Subject)); n > maxSubjectRunes {
		t.Errorf("subject has %d runes, want at most %d: %q", n, maxSubjectRunes, m.Subject)
	}
	if !strings.HasPrefix(m.Subject, "[Heed] Reminder 4: CRITICAL: SA44101 very long") || !strings.HasSuffix(m.Subject, "… — action required") {
		t.Errorf("subject lost its kind or its call to action: %q", m.Subject)
	}
}

// TestRenderMailEveryKind renders each kind in each language, and checks
// the sentences that each kind owes its reader.
func TestRenderMailEveryKind(t *testing.T) {
	t.Parallel()
	want := map[string]map[string][]string{
		"en": {
			KindNotice:    {"Tell us what you did", "Nothing is recorded until", "Due date: 2019-05-01 18:00 JST", "possibly affected — no version recorded"},
			KindReminder:  {"This is reminder 1", "you have not answered", "Tell us what you did"},
			KindClosed:    {"no action is needed", "a new revision of the advisory no longer lists your products"},
			KindWithdrawn: {"withdrawn by Pulse Secure", "no action is needed"},
		},
		"ja": {
			KindNotice:    {"ご担当者様", "対応状況を回答する", "ボタンを押すまでは何も記録されません", "対応期限：2019年5月1日 18:00 JST", "該当の可能性あり（バージョン未登録）"},
			KindReminder:  {"1 回目の再通知", "まだご回答をいただいておりません"},
			KindClosed:    {"ご対応は不要です", "勧告の改訂版で"},
			KindWithdrawn: {"発行元", "Pulse Secureにより取り下げられました", "ご対応は不要です"},
		},
	}
	for lang, kinds := range want {
		for kind, phrases := range kinds {
			t.Run(lang+"/"+kind, func(t *testing.T) {
				d := sampleMail(kind, lang)
				if lang == "ja" && kind == KindNotice {
					d.RecipientName = ""
				}
				m, err := RenderMail(d)
				if err != nil {
					t.Fatal(err)
				}
				if m.Subject == "" || m.Text == "" || m.HTML == "" {
					t.Fatalf("empty part: %+v", m)
				}
				for _, p := range phrases {
					if !strings.Contains(unwrapped(m.Text), p) {
						t.Errorf("text lacks %q:\n%s", p, m.Text)
					}
					if !strings.Contains(m.HTML, p) {
						t.Errorf("html lacks %q", p)
					}
				}
				open := kind == KindNotice || kind == KindReminder
				if got := strings.Contains(m.Text, d.AckURL); got != open {
					t.Errorf("text has the ack link: %v, want %v", got, open)
				}
				if got := strings.Contains(m.HTML, d.AckURL); got != open {
					t.Errorf("HTML has the ack link: %v, want %v", got, open)
				}
				urgent := strings.Contains(m.Text, "Treat it as urgent") || strings.Contains(m.Text, "最優先")
				if urgent != open {
					t.Errorf("text urges action: %v, want %v", urgent, open)
				}
				checkMailHTML(t, m.HTML)
			})
		}
	}
}

func TestRenderMailUnknownKind(t *testing.T) {
	t.Parallel()
	if _, err := RenderMail(sampleMail("newsletter", "en")); err == nil {
		t.Error("an unknown kind rendered without error")
	}
}

func TestRenderMailNoVersionAndNoNames(t *testing.T) {
	t.Parallel()
	d := sampleMail(KindNotice, "en")
	d.RecipientName, d.OrgName = "", ""
	d.DueAt = d.DueAt.AddDate(-100, 0, 0)
	d.Location = nil
	d.Advisory.Severity = ""
	d.Advisory.Publisher = ""
	m, err := RenderMail(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Dear security contact,", "products your organization has registered", "UTC"} {
		if !strings.Contains(unwrapped(m.Text), p) {
			t.Errorf("text lacks %q:\n%s", p, m.Text)
		}
	}
	if want := "[Heed] SA44101 Pulse Connect Secure arbitrary file read — action required"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
}
