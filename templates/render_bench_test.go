package templates

import (
	"strconv"
	"testing"

	"github.com/heed-dev/heed/internal/proctime"
)

// BenchmarkRenderMailShared renders one mail per operation as a fan-out
// does: the parts every recipient shares are already in Shared (rendered
// by the first mail of the batch), and each mail is another recipient's
// (organization, contact, link). cpu-µs/mail is the process's CPU time
// per mail, garbage collection included: on a machine shared with other
// work it is steadier than ns/op, the wall time.
//
//	go test -run '^$' -bench BenchmarkRenderMail -benchmem ./templates
func BenchmarkRenderMailShared(b *testing.B) {
	benchmarkRender(b, func(s *Shared, d MailData) error {
		_, err := RenderMailShared(s, d)
		return err
	})
}

// BenchmarkRenderMailTo is BenchmarkRenderMailShared with each mail
// written over the last one's bytes, as a fan-out's rendering workers
// write them (notifier's renderAll).
func BenchmarkRenderMailTo(b *testing.B) {
	var bodies Bodies
	benchmarkRender(b, func(s *Shared, d MailData) error {
		_, err := RenderMailTo(s, d, &bodies)
		return err
	})
}

func benchmarkRender(b *testing.B, render func(*Shared, MailData) error) {
	for _, lang := range []string{"en", "ja"} {
		for _, kind := range []string{KindNotice, KindReminder} {
			b.Run(lang+"/"+kind, func(b *testing.B) {
				s := NewShared()
				d := sampleMail(kind, lang)
				if kind == KindReminder {
					d.Reminder = 1
				}
				if err := render(s, d); err != nil {
					b.Fatal(err)
				}
				ack := d.AckURL
				b.ReportAllocs()
				cpu := proctime.CPU()
				i := 0
				for b.Loop() {
					i++
					n := strconv.Itoa(i)
					d.OrgName = "Organization " + n
					d.RecipientName = "Contact " + n
					d.AckURL = ack + n
					if err := render(s, d); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64((proctime.CPU()-cpu).Nanoseconds())/1000/float64(b.N), "cpu-µs/mail")
			})
		}
	}
}
