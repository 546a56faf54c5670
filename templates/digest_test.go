package templates

import (
	"strings"
	"testing"
	"time"
)

// sampleDigest is a digest of three cases, most urgent first, as the
// reminders stage orders them.
func sampleDigest(lang string) MailData {
	d := sampleMail(KindDigest, lang)
	first := sampleMail(KindReminder, lang)
	d.Digest = []DigestEntry{
		{Advisory: first.Advisory, Items: first.Items, DueAt: first.DueAt, Overdue: true, Reminder: 3, Escalated: true,
			AckURL: "https://heed.example.org/ack/case1-token"},
		{Advisory: AdvisoryView{ID: "JVNVU#99999999", Title: "Fortinet FortiOS heap overflow in SSL-VPN", Severity: "high",
			URL: "https://jvn.jp/vu/JVNVU99999999/", Remediations: []RemediationView{{Category: "vendor_fix", Details: "Upgrade to 7.2.5."}}},
			Items:  []ItemView{{Vendor: "Fortinet", Product: "FortiOS", Version: "7.2.4", Asset: "fw-tokyo", Certainty: "affected"}},
			DueAt:  time.Date(2019, 5, 20, 9, 0, 0, 0, time.UTC),
			AckURL: "https://heed.example.org/ack/case2-token"},
		{Advisory: AdvisoryView{ID: "OSV-2019-0001", Title: "lodash prototype pollution", Severity: "medium"},
			Items:  []ItemView{{Vendor: "npm", Product: "lodash", Certainty: "possible"}},
			DueAt:  time.Date(2019, 6, 30, 9, 0, 0, 0, time.UTC),
			AckURL: "https://heed.example.org/ack/case3-token"},
	}
	d.Items, d.AckURL = nil, ""
	return d
}

func TestRenderDigestGolden(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			m, err := RenderMail(sampleDigest(lang))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "digest_"+lang+".txt", "Subject: "+m.Subject+"\n\n"+m.Text)
			golden(t, "digest_"+lang+".html", m.HTML)
			// Each case keeps its own link, in the order given.
			last := -1
			for _, e := range sampleDigest(lang).Digest {
				i := strings.Index(m.Text, e.AckURL)
				if i < last {
					t.Errorf("%s is missing or out of order in the text part", e.AckURL)
				}
				last = i
				if !strings.Contains(m.HTML, `href="`+e.AckURL+`"`) {
					t.Errorf("the HTML part has no button to %s", e.AckURL)
				}
			}
		})
	}
	if _, err := RenderMail(MailData{Kind: KindDigest}); err == nil {
		t.Error("a digest of no case rendered")
	}
}

// TestDigestOfOneSaysAdvisory: a digest listing one advisory says so in the
// singular in its subject.
func TestDigestOfOneSaysAdvisory(t *testing.T) {
	t.Parallel()
	d := sampleDigest("en")
	d.Digest = d.Digest[:1]
	m, err := RenderMail(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[Heed] Daily digest: 1 advisory waits for your answer"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
}
