package relay

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
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

// BenchmarkSendAgainstRaw compares the relay client with the bare go-smtp
// client that heed-load's raw measurement runs (cmd/heed-load/measure.go):
// the same server in this process, 4 connections each driven by one
// goroutine, mails of heed-load's fan-out size (11 KB of 76-character
// lines), in clear (as heed-load's runs) and under STARTTLS (the relay's
// default). It reports the process's CPU a mail, the server's share
// included: the same for both clients, so the difference is what the
// relay does more (or less) than go-smtp's client.
func BenchmarkSendAgainstRaw(b *testing.B) {
	const conns = 4
	msg := fanoutSizedMessage()
	for _, mode := range []string{TLSNone, TLSStartTLS} {
		b.Run("relay/"+mode, func(b *testing.B) {
			tr := startRelay(b, &backend{discard: true}, mode)
			r := newRelay(b, tr, Config{TLS: mode, MaxConns: conns})
			runConns(b, conns, len(msg), func(_, from, to int) error {
				for range to - from {
					if _, err := r.Send(b.Context(), sender, recipient, msg); err != nil {
						return err
					}
				}
				return nil
			})
		})
		b.Run("go-smtp/"+mode, func(b *testing.B) {
			tr := startRelay(b, &backend{discard: true}, mode)
			runConns(b, conns, len(msg), func(_, from, to int) error {
				return sendBare(tr, mode, to-from, msg)
			})
		})
	}
}

// sendBare sends n mails on one connection with go-smtp's client alone,
// as heed-load's raw run does.
func sendBare(tr *testRelay, mode string, n int, msg []byte) error {
	var c *smtp.Client
	var err error
	if mode == TLSStartTLS {
		c, err = smtp.DialStartTLS(tr.addr, &tls.Config{RootCAs: tr.roots})
	} else {
		c, err = smtp.Dial(tr.addr)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("raw.example"); err != nil {
		return err
	}
	for range n {
		if err := c.Mail(sender, &smtp.MailOptions{Size: int64(len(msg))}); err != nil {
			return err
		}
		if err := c.Rcpt(recipient, nil); err != nil {
			return err
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write(msg); err != nil {
			return err
		}
		if _, err := w.CloseWithResponse(); err != nil {
			return err
		}
	}
	return c.Quit()
}

// runConns runs send on conns goroutines, each with its share [from, to)
// of b.N mails, and reports mails a second and the process's CPU a mail.
func runConns(b *testing.B, conns, size int, send func(conn, from, to int) error) {
	b.SetBytes(int64(size))
	errs := make([]error, conns)
	var wg sync.WaitGroup
	cpu0 := processCPU()
	b.ResetTimer()
	for c := range conns {
		wg.Go(func() { errs[c] = send(c, b.N*c/conns, b.N*(c+1)/conns) })
	}
	wg.Wait()
	b.StopTimer()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/mail")
}

// fanoutSizedMessage is a mail of about 11 KB in lines of 76 characters
// ending in CRLF, as a quoted-printable part has: heed-load's fan-out
// mail's size.
func fanoutSizedMessage() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Heed <%s>\r\nTo: <%s>\r\nSubject: advisory\r\nMIME-Version: 1.0\r\n\r\n", sender, recipient)
	line := strings.Repeat("affected product, version range, why it matched; ", 2)[:74] + "=\r\n"
	for b.Len() < 11*1024 {
		b.WriteString(line)
	}
	b.WriteString("end\r\n")
	return []byte(b.String())
}

// processCPU is the processor time this process has used (user and
// system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
