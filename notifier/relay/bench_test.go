package relay

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkSend measures delivery throughput to a local go-smtp relay: about
// 6 KB per mail, MaxConns 4, 8 goroutines competing for the pool, so the
// numbers include waiting for a connection as the outbox senders would.
func BenchmarkSend(b *testing.B) {
	const maxConns, senders = 4, 8
	tr := startRelay(b, &backend{}, TLSNone)
	r := newRelay(b, tr, Config{MaxConns: maxConns})

	var body bytes.Buffer
	fmt.Fprintf(&body, "From: Heed <%s>\r\nTo: <%s>\r\nSubject: advisory\r\n\r\n", sender, recipient)
	for body.Len() < 6*1024 {
		body.WriteString("affected product line, version range, why it matched\r\n")
	}
	msg := body.Bytes()

	var next atomic.Int64
	var wg sync.WaitGroup
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for range senders {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if _, err := r.Send(b.Context(), sender, recipient, msg); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
}
