package templates

import (
	"strings"
	"testing"
)

// TestStandInSaysWhyTheMailCame: a mail or a digest that goes to an
// escalation contact in place of a refused primary address says so, with
// the address, in both parts and both languages, instead of saying that
// it is copied because nobody answered.
func TestStandInSaysWhyTheMailCame(t *testing.T) {
	t.Parallel()
	want := map[string]string{"en": "mail servers refused its address (sec@example.test)", "ja": "アドレス（sec@example.test）がメールサーバーに拒否された"}
	noAnswer := map[string]string{"en": "Because there has been no answer", "ja": "ご回答をいただけていないため"}
	for _, lang := range []string{"en", "ja"} {
		for _, d := range []MailData{sampleMail(KindReminder, lang), sampleDigest(lang)} {
			d.Escalated, d.StandIn = true, "sec@example.test"
			m, err := RenderMail(d)
			if err != nil {
				t.Fatal(err)
			}
			for part, body := range map[string]string{"text": strings.Join(strings.Fields(m.Text), ""), "html": strings.Join(strings.Fields(m.HTML), "")} {
				if !strings.Contains(body, strings.Join(strings.Fields(want[lang]), "")) {
					t.Errorf("%s %s %s part does not say it stands in for the refused address:\n%s", lang, d.Kind, part, body)
				}
				if strings.Contains(body, strings.Join(strings.Fields(noAnswer[lang]), "")) {
					t.Errorf("%s %s %s part says the escalation contacts are copied for want of an answer", lang, d.Kind, part)
				}
			}
		}
	}
}
