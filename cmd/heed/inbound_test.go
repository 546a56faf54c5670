package main

import (
	"bytes"
	"net/mail"
	"net/smtp"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier/clock"
)

// startReplying runs Heed receiving replies at reply.heed.test, DKIM not
// required (auth.go's own test checks DKIM with a key it provides).
func startReplying(t *testing.T) (*heed, *sink, string) {
	t.Helper()
	ns := startNATS(t)
	mails := startSink(t)
	cfg := testConfig(t, t.TempDir(), ns.ClientURL(), mails.addr)
	cfg.Inbound = InboundConfig{Listen: "127.0.0.1:0", Domain: "reply.heed.test", RequireAuth: false}
	h := startHeed(t, cfg, clock.NewFake(testStart))
	if h.inbound == "" {
		t.Fatal("the inbound SMTP server did not start")
	}
	return h, mails, ns.ClientURL()
}

// send hands a mail to Heed's inbound listener with a real SMTP client.
func (h *heed) send(from, to, header, body string) {
	h.t.Helper()
	msg := "From: " + from + "\r\nTo: " + to + "\r\n" + header + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		strings.ReplaceAll(body, "\n", "\r\n")
	a, err := mail.ParseAddress(from)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := smtp.SendMail(h.inbound, nil, a.Address, []string{to}, []byte(msg)); err != nil {
		h.t.Fatalf("send to the inbound listener: %v", err)
	}
}

func headerOf(t *testing.T, m received, name string) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatal(err)
	}
	return msg.Header.Get(name)
}

func (h *heed) answerOf(org, advisory string) string {
	h.t.Helper()
	for _, c := range h.cases("org=" + org) {
		if c.Advisory == advisory && c.Answer != nil {
			return c.Answer.Status
		}
	}
	return ""
}

// TestAnswersByReply replies to Heed's mails through a real SMTP client: a
// stranger's "patched" answers nothing, an out-of-office reply is ignored
// (nothing is mailed back), a reply without an answer word gets one mail
// with the words and the link, a contact's "patched" and a Japanese 対応済み
// answer their cases.
func TestAnswersByReply(t *testing.T) {
	h, mails, natsURL := startReplying(t)
	org := h.addOrg("Acme", "sec@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n")
	doc := readFile(t, sa44101Path)
	publish(t, natsURL, "advisories.heed", doc)
	publish(t, natsURL, "advisories.heed", bytes.ReplaceAll(doc, []byte(`"id": "SA44101"`), []byte(`"id": "SA44102"`)))
	replyTo := map[string]string{}
	for _, m := range mails.nextN(t, 2) {
		id := "SA44101"
		if strings.Contains(m.Subject, "SA44102") {
			id = "SA44102"
		}
		replyTo[id] = headerOf(t, m, "Reply-To")
		if !strings.HasSuffix(replyTo[id], "@reply.heed.test") || !strings.HasPrefix(m.From, "b.") || !strings.HasSuffix(m.From, "@reply.heed.test") {
			t.Fatalf("mail %s: Reply-To %q, envelope sender %q; want both at reply.heed.test", id, replyTo[id], m.From)
		}
	}
	if replyTo["SA44101"] == replyTo["SA44102"] {
		t.Fatal("two cases' mails have the same Reply-To")
	}

	h.send("Mallory <mallory@evil.test>", replyTo["SA44101"], "Subject: Re: SA44101\r\n", "patched\n")
	if got := h.answerOf(org, "SA44101"); got != "" {
		t.Fatalf("a stranger's reply answered the case: %q", got)
	}
	h.send("sec@acme.test", replyTo["SA44101"], "Subject: Out of office\r\nAuto-Submitted: auto-replied\r\n",
		"I am out of the office until 2026-11-09.\n")
	h.send("sec@acme.test", replyTo["SA44102"], "Subject: Re: SA44102\r\n", "Could you call me about this?\n\n> quoted mail\n")
	help := mails.next(t)
	if help.To != "sec@acme.test" || !strings.Contains(help.Subject, "SA44102") || !strings.Contains(help.Text, "will patch by") ||
		!strings.Contains(help.Text, "/ack/") {
		t.Errorf("the mail after a reply without an answer word: to %s, %q\n%s; want the words and the link for SA44102", help.To, help.Subject, help.Text)
	}

	h.send("Security <SEC@acme.test>", replyTo["SA44101"], "Subject: Re: SA44101\r\n", "\n> > On Monday Heed wrote:\nPatched, running 9.0R3.4 now.\n\n> quoted\n")
	if got := h.answerOf(org, "SA44101"); got != "patched" {
		t.Errorf("SA44101 after the contact's \"patched\": %q, want patched", got)
	}
	h.send("sec@acme.test", replyTo["SA44102"], "Subject: =?utf-8?b?UmU6IFNBNDQxMDI=?=\r\n", "対応済みです。\n")
	if got := h.answerOf(org, "SA44102"); got != "patched" {
		t.Errorf("SA44102 after 対応済み: %q, want patched", got)
	}
	// The out-of-office reply got nothing back: the help mail was the only
	// mail after the notices.
	if n := mails.count(); n != 3 {
		t.Errorf("%d mails in all; want the 2 notices and 1 help mail", n)
	}
	// Every reply is kept for the operator, with what it meant.
	var kept struct {
		Replies []struct{ Sender, Line, Outcome string }
	}
	h.api("GET", "/api/v1/replies", "", nil, &kept)
	var outcomes []string
	for _, r := range kept.Replies {
		outcomes = append(outcomes, r.Sender+" "+r.Outcome)
	}
	want := []string{"sec@acme.test answered", "SEC@acme.test answered", "sec@acme.test no_answer", "sec@acme.test automatic", "mallory@evil.test not_contact"}
	if strings.Join(outcomes, ", ") != strings.Join(want, ", ") {
		t.Errorf("replies kept, newest first: %v; want %v", outcomes, want)
	}
}

// TestBounceReportTellsTheNextContact: a delivery status notification
// (RFC 3464) with status 5.1.1, sent to a mail's envelope sender, bounces
// that contact and the escalation contact gets the notice, received at a
// real SMTP relay.
func TestBounceReportTellsTheNextContact(t *testing.T) {
	h, mails, natsURL := startReplying(t)
	org := h.addOrg("Acme", "sec@acme.test", "esc:boss@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n")
	publish(t, natsURL, "advisories.heed", readFile(t, sa44101Path))
	notice := mails.next(t)
	if notice.To != "sec@acme.test" {
		t.Fatalf("first notice went to %s", notice.To)
	}
	dsn := func(status string) string {
		return "--B\r\nContent-Type: text/plain\r\n\r\nYour mail could not be delivered.\r\n" +
			"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.test\r\n\r\n" +
			"Final-Recipient: rfc822; sec@acme.test\r\nAction: failed\r\nStatus: " + status + "\r\nDiagnostic-Code: smtp; 550 " + status + " no such user\r\n\r\n" +
			"--B--\r\n"
	}
	report := "Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n"
	ctype := "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
	// A report of a full mailbox (4.2.2, temporary) bounces nobody.
	h.sendRaw(notice.From, report+ctype, dsn("4.2.2"))
	h.sendRaw(notice.From, report+ctype, dsn("5.1.1"))
	esc := mails.next(t)
	if esc.To != "boss@acme.test" || !strings.Contains(esc.Subject, "SA44101") {
		t.Errorf("after the bounce report: mail to %s %q; want the notice to boss@acme.test", esc.To, esc.Subject)
	}
	var o struct {
		Contacts []struct {
			Email   string  `json:"email"`
			Bounced *string `json:"bounced_at"`
		}
	}
	h.api("GET", "/api/v1/orgs/"+org, "", nil, &o)
	if len(o.Contacts) != 2 || o.Contacts[0].Bounced == nil || o.Contacts[1].Bounced != nil {
		t.Errorf("contacts after the report: %+v; want sec@acme.test bounced, boss@acme.test not", o.Contacts)
	}
}

// sendRaw sends a bounce report (empty envelope sender) with its own
// Content-Type.
func (h *heed) sendRaw(to, header, body string) {
	h.t.Helper()
	msg := "From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>\r\nTo: " + to + "\r\nMIME-Version: 1.0\r\n" + header + "\r\n" + body
	if err := smtp.SendMail(h.inbound, nil, "", []string{to}, []byte(msg)); err != nil {
		h.t.Fatalf("send to the inbound listener: %v", err)
	}
}

// TestBouncedHelpMailStaysWithItsContact: a bounce report of the mail that
// explains the answer words marks its contact bounced but sends that mail to
// nobody else; a report of the notice then moves the notice on.
func TestBouncedHelpMailStaysWithItsContact(t *testing.T) {
	h, mails, natsURL := startReplying(t)
	org := h.addOrg("Acme", "sec@acme.test", "esc:boss@acme.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n")
	publish(t, natsURL, "advisories.heed", readFile(t, sa44101Path))
	notice := mails.next(t)
	h.send("sec@acme.test", headerOf(t, notice, "Reply-To"), "Subject: Re: SA44101\r\n", "Who are you?\n")
	help := mails.next(t)
	if !strings.Contains(help.Subject, "How to answer") {
		t.Fatalf("want the help mail, got %q", help.Subject)
	}
	report := "Subject: Undelivered\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
	body := "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.test\r\n\r\n" +
		"Final-Recipient: rfc822; sec@acme.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n"
	h.sendRaw(help.From, report, body)
	h.sendRaw(notice.From, report, body)
	next := mails.next(t)
	if next.To != "boss@acme.test" || !strings.Contains(next.Subject, "SA44101") || strings.Contains(next.Subject, "How to answer") {
		t.Errorf("after the reports: %s %q; want the notice to boss@acme.test, never the help mail", next.To, next.Subject)
	}
}
