package templates

import (
	"fmt"
	"testing"
	"time"
)

// TestRenderMailSharedIsTheSame: mails rendered with shared parts are,
// byte for byte, the mails RenderMail renders, for every kind and language,
// for recipients of several organizations (other names, items, links, time
// zones, reminders) and for a second advisory given to the same Shared;
// and so are the mails RenderMailTo writes over the last one's bytes.
func TestRenderMailSharedIsTheSame(t *testing.T) {
	t.Parallel()
	s := NewShared()
	var b Bodies // every mail written over the one before
	// Published late in the UTC day: another day in Tokyo.
	published := time.Date(2019, 4, 24, 20, 0, 0, 0, time.UTC)
	other := sampleMail(KindNotice, "en").Advisory
	other.Published = published
	other.ID, other.Summary, other.Remediations = "SA44102", "Another flaw.", nil
	for _, kind := range []string{KindNotice, KindReminder, KindUpdated, KindExploited, KindClosed, KindWithdrawn, KindResolved} {
		for _, lang := range []string{"en", "ja"} {
			for i := range 4 { // the third takes the first's parts
				d := sampleMail(kind, lang)
				d.Advisory.Published = published
				d.OrgName = fmt.Sprintf("Organization %d", i)
				d.RecipientName = fmt.Sprintf("Contact %d", i)
				d.AckURL += fmt.Sprint(i)
				d.Items = d.Items[:1+i%2]
				d.Overdue = i >= 2
				d.Reminder = i + 1
				if i == 1 {
					d.Location = time.UTC
				}
				if i == 3 {
					d.Advisory = other
				}
				want, err := RenderMail(d)
				if err != nil {
					t.Fatal(err)
				}
				for round := range 2 { // the second takes the parts the first rendered
					got, err := RenderMailShared(s, d)
					if err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("%s %s mail %d, round %d: shared parts give another mail\ntext:\n%s\nwant:\n%s", kind, lang, i, round, got.Text, want.Text)
					}
					subject, err := RenderMailTo(s, d, &b)
					if err != nil {
						t.Fatal(err)
					}
					if got := (Mail{Subject: subject, Text: string(b.Text), HTML: string(b.HTML)}); got != want {
						t.Errorf("%s %s mail %d, round %d: written over the last mail's bytes, another mail\ntext:\n%s\nwant:\n%s", kind, lang, i, round, got.Text, want.Text)
					}
				}
			}
		}
	}
}
