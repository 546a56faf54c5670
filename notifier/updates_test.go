package notifier

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers/advisory"
	"github.com/heed-dev/heed/templates"
)

// rangeAdvisory is SA44101 affecting [9.0R1, fixed).
func rangeAdvisory(revision, fixed string) *advisory.Advisory {
	return &advisory.Advisory{ID: "SA44101", Revision: revision, Format: "heed", Title: "Pulse Connect Secure file read",
		Severity: "critical", Affected: []advisory.Affected{{Vendor: "Pulse Secure", Product: "Pulse Connect Secure",
			Scheme: "generic", Ranges: []advisory.Range{{Introduced: "9.0R1", Fixed: fixed}}, Status: advisory.StatusAffected}}}
}

// readMail returns a stored mail's headers and its text part.
func readMail(t *testing.T, e *Engine, id int64) (mail.Header, string) {
	t.Helper()
	var m store.Mail
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) { m, err = tx.Mail(id); return err }); err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Message))
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	part, err := multipart.NewReader(msg.Body, params["boundary"]).NextPart()
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(part) // multipart decodes quoted-printable
	return msg.Header, string(text)
}

func TestRevisionRaisingTheFixedVersionMailsUpdatedInTheThread(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, _ := newTestEngine(t)
	alpha := addOrg(t, e, "Alpha", "9.0R3.3")
	beta := addOrg(t, e, "Beta", "9.0R3.4")
	if _, err := e.Cases.ApplyAdvisory(ctx, rangeAdvisory("1", "9.0R3.4")); err != nil {
		t.Fatal(err)
	}
	c := caseOf(t, e, alpha)
	if c.ToldRevision != "1" {
		t.Errorf("told revision %q after the notice; want 1", c.ToldRevision)
	}
	notice := mailsOf(t, e, c.ID)
	if len(notice) != 1 {
		t.Fatalf("Alpha's mails after revision 1: %d; want the notice", len(notice))
	}

	// Revision 2: the fix in 9.0R3.4 was incomplete; 9.0R3.5 fixes it.
	if _, err := e.Cases.ApplyAdvisory(ctx, rangeAdvisory("2", "9.0R3.5")); err != nil {
		t.Fatal(err)
	}
	ms := mailsOf(t, e, c.ID)
	if len(ms) != 2 || ms[0].Kind != templates.KindUpdated {
		t.Fatalf("Alpha's mails after revision 2 = %+v; want the notice and one updated mail", ms)
	}
	h, text := readMail(t, e, ms[0].ID)
	if h.Get("In-Reply-To") != notice[0].MessageID || !strings.Contains(h.Get("References"), notice[0].MessageID) {
		t.Errorf("updated mail In-Reply-To %q, References %q; want the notice %s", h.Get("In-Reply-To"), h.Get("References"), notice[0].MessageID)
	}
	if !strings.HasPrefix(ms[0].Subject, "[Heed] Updated: ") {
		t.Errorf("subject %q does not mark the update", ms[0].Subject)
	}
	for _, want := range []string{"new revision (2)", "Fixed in: 9.0R3.4 → 9.0R3.5", "Affected versions: [9.0R1, 9.0R3.4) → [9.0R1, 9.0R3.5)", "/ack/"} {
		if !strings.Contains(text, want) {
			t.Errorf("the updated mail does not say %q:\n%s", want, text)
		}
	}
	if c := caseOf(t, e, alpha); c.ToldRevision != "2" || c.RemindersSent != 0 {
		t.Errorf("case after the update: told %q, %d reminders; want told 2, its schedule kept", c.ToldRevision, c.RemindersSent)
	}
	// Beta runs 9.0R3.4, affected only now: a first notice, not an update.
	if ms := mailsOf(t, e, caseOf(t, e, beta).ID); len(ms) != 1 || ms[0].Kind != templates.KindNotice {
		t.Errorf("Beta's mails = %+v; want a notice", ms)
	}

	// A revision that changes nothing the case is about mails nothing.
	same := rangeAdvisory("3", "9.0R3.5")
	same.Title = "Pulse Connect Secure arbitrary file read"
	if _, err := e.Cases.ApplyAdvisory(ctx, same); err != nil {
		t.Fatal(err)
	}
	if ms := mailsOf(t, e, c.ID); len(ms) != 2 {
		t.Errorf("a new title mailed Alpha: %d mails", len(ms))
	}
	// An answered case is not told.
	tok := e.Links.ackToken(c.ID, notice[0].ContactID, e.Links.expiry(&c))
	if _, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerMitigated}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Cases.ApplyAdvisory(ctx, rangeAdvisory("4", "9.0R3.6")); err != nil {
		t.Fatal(err)
	}
	if ms := mailsOf(t, e, c.ID); len(ms) != 2 {
		t.Errorf("an answered case was mailed an update: %d mails", len(ms))
	}
}
