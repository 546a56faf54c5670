package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/heed-dev/heed/notifier/relay"
)

// The wire baselines of a fan-out: the same number of mails of the same
// size over the same number of connections to the same sink, sent by a
// client in heed-load's own process without Heed. Two clients are
// measured, because they differ in what a mail costs on the wire:
// go-smtp's plain client (the target of issue 11 is defined against it:
// one command per round trip, the body through textproto's dot-stuffing
// writer) and Heed's own relay client, notifier/relay (MAIL, RCPT and DATA
// pipelined, the body in one write). The ratio to the first is the
// headline; the ratio to the second is what Heed adds over its own wire
// path (the database, the rendering, the claims), not what its client
// saves or costs against go-smtp's.

// raw is what one client moves over loopback without Heed.
type raw struct {
	Mails, Size, Conns int
	Took               time.Duration
	Rate               float64
	// CPU is what the processes and the machine used meanwhile: Load is
	// the client's (heed-load's own), Heed what Heed did meanwhile.
	CPU cpuUse
}

// wireClient sends the mails of a baseline: send(c, from, to) sends mails
// from up to to over connection c (one goroutine each), and done ends the
// client's sessions once every connection has sent its share.
type wireClient struct {
	send func(c, from, to int) error
	done func() error
}

// measureRaw sends mails of size bytes to the sink over conns connections
// with go-smtp's plain client.
func measureRaw(ctx context.Context, h *heedServer, s *sink, mails, size, conns int) (raw, error) {
	body := rawMessage(size)
	c := wireClient{
		send: func(c, from, to int) error { return sendRaw(s.smtpAddr, c, from, to, body) },
		done: func() error { return nil },
	}
	r, err := measureWire(ctx, h, s, mails, size, conns, c)
	if err != nil {
		return r, fmt.Errorf("raw SMTP: %w", err)
	}
	return r, nil
}

// measureRelay sends the same mails with Heed's relay client, one Relay
// of conns connections (smtp.max_conns) shared by conns goroutines, as
// Heed's senders share theirs: Relay.Send in a loop, nothing else.
func measureRelay(ctx context.Context, h *heedServer, s *sink, mails, size, conns int) (raw, error) {
	body := rawMessage(size)
	rl, err := relay.New(relay.Config{Addr: s.smtpAddr, TLS: relay.TLSNone, HelloName: "relay.load.test", MaxConns: conns})
	if err != nil {
		return raw{}, fmt.Errorf("relay client: %w", err)
	}
	defer rl.Close()
	// Heed's senders pass a context that never ends, which the relay does
	// not watch; so does this loop (an interrupt still ends the run after
	// the next mail, as each takes well under a second).
	never := context.WithoutCancel(ctx)
	c := wireClient{
		send: func(c, from, to int) error {
			for i := from; i < to; i++ {
				if _, err := rl.Send(never, "relay@relay.load.test", fmt.Sprintf("relay-%d-%d@relay.load.test", c, i), body); err != nil {
					return err
				}
			}
			return nil
		},
		done: rl.Close, // QUIT on each pooled session, as sendRaw's Quit
	}
	r, err := measureWire(ctx, h, s, mails, size, conns, c)
	if err != nil {
		return r, fmt.Errorf("relay client alone: %w", err)
	}
	return r, nil
}

// measureWire times client sending mails over conns connections, one
// transaction per mail on reused connections, and checks that the sink
// accepted each.
func measureWire(ctx context.Context, h *heedServer, s *sink, mails, size, conns int, client wireClient) (raw, error) {
	r := raw{Mails: mails, Size: size, Conns: conns}
	if err := s.reset(ctx); err != nil {
		return r, err
	}
	errs := make([]error, conns+1)
	var wg sync.WaitGroup
	cpu0, err := takeSample(ctx, h, s)
	if err != nil {
		return r, err
	}
	start := time.Now()
	for c := range conns {
		wg.Go(func() { errs[c] = client.send(c, mails*c/conns, mails*(c+1)/conns) })
	}
	wg.Wait()
	errs[conns] = client.done()
	r.Took = time.Since(start)
	cpu1, err := takeSample(ctx, h, s)
	if err != nil {
		return r, err
	}
	r.CPU = cpu1.since(cpu0, h.remote == nil)
	if err := errors.Join(errs...); err != nil {
		return r, err
	}
	st, err := s.status(ctx, false)
	if err != nil {
		return r, err
	}
	if st.Total != mails {
		return r, fmt.Errorf("the sink accepted %d of %d mails", st.Total, mails)
	}
	r.Rate = float64(mails) / r.Took.Seconds()
	return r, nil
}

func sendRaw(addr string, conn, from, to int, body []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("raw.load.test"); err != nil {
		return err
	}
	for i := from; i < to; i++ {
		if err := c.Mail("raw@raw.load.test", &smtp.MailOptions{Size: int64(len(body))}); err != nil {
			return err
		}
		if err := c.Rcpt(fmt.Sprintf("raw-%d-%d@raw.load.test", conn, i), nil); err != nil {
			return err
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write(body); err != nil {
			return err
		}
		if _, err := w.CloseWithResponse(); err != nil {
			return err
		}
	}
	return c.Quit()
}

// rawMessage is a message of about size bytes: headers, then lines of 76
// characters, as a quoted-printable part has.
func rawMessage(size int) []byte {
	var b strings.Builder
	b.WriteString("From: raw@raw.load.test\r\nTo: raw@raw.load.test\r\nSubject: raw loopback SMTP\r\n" +
		"Message-ID: <raw@raw.load.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	line := strings.Repeat("abcdefghij", 8)[:76] + "\r\n"
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	b.WriteString(strings.Repeat("z", max(size-b.Len()-2, 0)) + "\r\n")
	return []byte(b.String())
}
