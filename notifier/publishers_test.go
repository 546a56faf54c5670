package notifier

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/nats-io/nats-server/v2/server"
	natstest "github.com/nats-io/nats-server/v2/test"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/notifier/publishers"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
	"github.com/heed-dev/heed/subscribers/advisory"
)

// twoPublishers is an agency and Ivanti's PSIRT, the vendor, each on its
// subjects; the vendor's documents may be signed with key.
func twoPublishers(t testing.TB, holdAbove int, key *openpgp.Entity) *publishers.Set {
	t.Helper()
	vendor := publishers.Publisher{Name: "ivanti", Subjects: []string{"advisories.ivanti.>"}, Role: publishers.Vendor,
		Vendors: []string{"Ivanti"}, LinkDomains: []string{"ivanti.com", "pulsesecure.net"}, HoldAbove: holdAbove}
	if key != nil {
		vendor.Keys, vendor.RequireSignature = openpgp.EntityList{key}, true
	}
	set, err := publishers.NewSet([]publishers.Publisher{
		{Name: "agency", Subjects: []string{"advisories.agency.>"}, Role: publishers.Agency, HoldAbove: -1},
		vendor,
	}, subscribers.DefaultAliases())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// wire is a NATS server started with permissions, as Heed's embedded one
// is when publishers are configured: Heed's user runs the stream; each
// publisher's may publish on its own subjects and read nothing.
type wire struct {
	heed jetstream.JetStream // Heed's own connection; it may publish anywhere
	as   map[string]*nats.Conn
	set  *publishers.Set
}

// intakeOf runs intake of e on such a server, with a nats.go client for
// each of e's publishers.
func intakeOf(t *testing.T, e *Engine) *wire {
	t.Helper()
	user := func() (nkeys.KeyPair, string) {
		kp, err := nkeys.CreateUser()
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := kp.PublicKey()
		return kp, pub
	}
	heedKey, heedPub := user()
	opts := natstest.DefaultTestOptions
	opts.Port, opts.JetStream, opts.StoreDir = -1, true, t.TempDir()
	opts.Nkeys = []*server.NkeyUser{{Nkey: heedPub}}
	keys := map[string]nkeys.KeyPair{}
	for _, p := range e.publishers.All() {
		kp, pub := user()
		keys[p.Name] = kp
		opts.Nkeys = append(opts.Nkeys, &server.NkeyUser{Nkey: pub, Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: p.Subjects},
			Subscribe: &server.SubjectPermission{Deny: []string{">"}},
		}})
	}
	ns := natstest.RunServer(&opts)
	t.Cleanup(ns.Shutdown)
	connect := func(kp nkeys.KeyPair) *nats.Conn {
		pub, _ := kp.PublicKey()
		nc, err := nats.Connect(ns.ClientURL(), nats.Nkey(pub, kp.Sign), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc
	}
	js, err := jetstream.New(connect(heedKey))
	if err != nil {
		t.Fatal(err)
	}
	w := &wire{heed: js, as: map[string]*nats.Conn{}, set: e.publishers}
	for name, kp := range keys {
		w.as[name] = connect(kp)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := IntakeConfig{Stream: "ADVISORIES", Subjects: []string{"advisories.>"}, RetryDelay: 10 * time.Millisecond}
	if _, err := EnsureStream(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Intake.Run(ctx, js, cfg) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// publish sends a document on a subject as its owner would, with its own
// key (a plain publish: it may not read JetStream's acknowledgement), and
// a signature header when sig is not empty. A subject nobody owns is
// published with Heed's connection, as a server open to anyone would let
// anyone.
func publish(t *testing.T, w *wire, subject, doc string, sig []byte) {
	t.Helper()
	msg := nats.NewMsg(subject)
	msg.Data = []byte(doc)
	if sig != nil {
		msg.Header.Set(publishers.SignatureHeader, base64.StdEncoding.EncodeToString(sig))
	}
	p, err := w.set.ForSubject(subject)
	if err != nil {
		if _, err := w.heed.PublishMsg(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		return
	}
	nc := w.as[p.Name]
	if err := nc.PublishMsg(msg); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := nc.LastError(); err != nil {
		t.Fatalf("publisher %s on %s: %v", p.Name, subject, err)
	}
}

// TestPublisherKeyPublishesOnlyOnItsSubjects: on this server, the vendor's
// key cannot publish on the agency's subject, nor read anything.
func TestPublisherKeyPublishesOnlyOnItsSubjects(t *testing.T) {
	e, _ := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), func(c *Config) { c.Publishers = twoPublishers(t, -1, nil) })
	w := intakeOf(t, e)
	nc := w.as["ivanti"]
	if err := nc.Publish("advisories.agency.jp", []byte(heedDoc("FAKE", "1", "Ivanti", ""))); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	if err := nc.LastError(); !errors.Is(err, nats.ErrPermissionViolation) {
		t.Errorf("the vendor's key on the agency's subject: %v; want a permissions violation", err)
	}
	if _, err := nc.SubscribeSync("advisories.agency.>"); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	if err := nc.LastError(); !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), "Subscription") {
		t.Errorf("the vendor's key reading the agency's subject: %v; want a permissions violation", err)
	}
	if _, ok := storedAdvisory(t, e, "FAKE"); ok {
		t.Error("the vendor's document on the agency's subject was taken in")
	}
}

// rejectedWith waits for a rejection whose reason holds every part.
func rejectedWith(t *testing.T, e *Engine, parts ...string) store.Rejected {
	t.Helper()
	var found store.Rejected
	eventually.True(t, 10*time.Second, fmt.Sprintf("a rejection naming %q", parts), func() bool {
		var rej []store.Rejected
		e.db.View(context.Background(), func(tx *store.Tx) (err error) { rej, err = tx.RejectedDocs(100); return err })
		for _, r := range rej {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(r.Reason, p)
			}
			if ok {
				found = r
				return true
			}
		}
		return false
	})
	return found
}

func storedAdvisory(t *testing.T, e *Engine, id string) (store.Advisory, bool) {
	t.Helper()
	var a store.Advisory
	err := e.db.View(context.Background(), func(tx *store.Tx) (err error) { a, err = tx.Advisory(id); return err })
	return a, err == nil
}

// waitApplied waits until the advisory's revision is applied: its cases
// are written in batches after it is stored.
func waitApplied(t *testing.T, e *Engine, id, revision string) store.Advisory {
	t.Helper()
	var a store.Advisory
	eventually.True(t, 10*time.Second, fmt.Sprintf("advisory %s revision %s applied", id, revision), func() bool {
		a, _ = storedAdvisory(t, e, id)
		return a.Applied && a.Revision == revision
	})
	return a
}

func heedDoc(id, revision, vendor, extra string) string {
	return `{"heed_advisory":1,"id":"` + id + `","revision":` + revision + `,"title":"Connect Secure file read","severity":"critical"` + extra +
		`,"affected":[{"vendor":"` + vendor + `","product":"Pulse Connect Secure","scheme":"generic","versions":["9.0R3.3"]}]}`
}

func TestVendorMayNotWithdrawTheAgencysAdvisory(t *testing.T) {
	e, _ := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), func(c *Config) { c.Publishers = twoPublishers(t, -1, nil) })
	ctx := context.Background()
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	w := intakeOf(t, e)

	publish(t, w, "advisories.agency.jp", heedDoc("SA44101", "1", "Pulse Secure", ""), nil)
	waitApplied(t, e, "SA44101", "1")
	c := caseOf(t, e, org)
	tok := e.Links.ackToken(c.ID, 1, t0.Add(90*day))
	if _, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerScheduled, Until: t0.Add(10 * day), IP: "192.0.2.1", UserAgent: "test"}); err != nil {
		t.Fatal(err)
	}
	mailsBefore := len(mailsOf(t, e, c.ID))

	// The vendor withdraws the agency's advisory, then revises it.
	publish(t, w, "advisories.ivanti.psirt", `{"heed_advisory":1,"id":"SA44101","revision":2,"title":"withdrawn","withdrawn":true,"affected":[]}`, nil)
	rejectedWith(t, e, "advisory SA44101 belongs to publisher agency", "publisher ivanti (a vendor) may not revise or withdraw it")
	publish(t, w, "advisories.ivanti.psirt", heedDoc("SA44101", "3", "Ivanti", ""), nil)
	rejectedWith(t, e, "SA44101 belongs to publisher agency")

	after := caseOf(t, e, org)
	if after.State == store.CaseClosed || after.Answer == nil || after.Answer.Status != AnswerScheduled {
		t.Errorf("after the vendor's withdrawal the case is %s with answer %+v; want it still answered (scheduled)", after.State, after.Answer)
	}
	if n := len(mailsOf(t, e, c.ID)); n != mailsBefore {
		t.Errorf("the vendor's withdrawal mailed: %d mails, want %d", n, mailsBefore)
	}
	if a, _ := storedAdvisory(t, e, "SA44101"); a.Revision != "1" || a.Publisher != "agency" {
		t.Errorf("stored advisory: revision %s of %s; want revision 1 of agency", a.Revision, a.Publisher)
	}
}

func TestAgencyRevisionOfAVendorsAdvisoryIsRecordedAsSuch(t *testing.T) {
	e, _ := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), func(c *Config) { c.Publishers = twoPublishers(t, -1, nil) })
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	w := intakeOf(t, e)

	publish(t, w, "advisories.ivanti.psirt", heedDoc("SA44101", "1", "Ivanti", ""), nil)
	waitApplied(t, e, "SA44101", "1")
	publish(t, w, "advisories.agency.jp", heedDoc("SA44101", "2", "Pulse Secure", `,"summary":"Exploited in Japan."`), nil)
	a := waitApplied(t, e, "SA44101", "2")
	adv, err := decodeAdvisory(a)
	if err != nil {
		t.Fatal(err)
	}
	want := advisory.Relayed{Publisher: "ivanti", Role: "vendor", RevisedBy: "agency"}
	if a.Publisher != "ivanti" || adv.Relayed == nil || *adv.Relayed != want {
		t.Errorf("owner %s, relayed %+v; want owner ivanti and %+v", a.Publisher, adv.Relayed, want)
	}
	c := caseOf(t, e, org)
	if c.State != store.CaseOpen {
		t.Errorf("case state %s after the agency's revision, want open", c.State)
	}
	// Recipients filter by publisher: the notice is on ivanti's list, and
	// says it was made by a machine.
	ms := mailsOf(t, e, c.ID)
	h, _ := readMail(t, e, ms[len(ms)-1].ID)
	if got := h.Get("List-Id"); got != "Heed advisories from ivanti <ivanti.advisories.heed.example>" {
		t.Errorf("List-Id %q; want ivanti's list", got)
	}
	if got := h.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted %q; want auto-generated", got)
	}
}

func TestWhatAVendorMayNotSay(t *testing.T) {
	e, _ := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), func(c *Config) { c.Publishers = twoPublishers(t, -1, nil) })
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	w := intakeOf(t, e)

	for _, tc := range []struct {
		name, subject, doc string
		reason             []string
	}{
		{"another vendor's product", "advisories.ivanti.psirt",
			heedDoc("FG-IR-1", "1", "Fortinet", ""), []string{"publisher ivanti", `vendor "Fortinet"`}},
		{"a link to another domain", "advisories.ivanti.psirt",
			heedDoc("SA1", "1", "Ivanti", `,"url":"https://ivanti-support.example/login"`), []string{`link "https://ivanti-support.example/login"`, "publisher ivanti"}},
		{"a link in the text", "advisories.ivanti.psirt",
			heedDoc("SA2", "1", "Ivanti", `,"summary":"Sign in at https://evil.example/reset now."`), []string{`link "https://evil.example/reset"`}},
		{"a bare wildcard CPE, even from the agency", "advisories.agency.jp",
			`{"heed_advisory":1,"id":"W1","revision":1,"title":"t","severity":"high","affected":[{"cpe":"cpe:2.3:*:*:*:*:*:*:*:*:*:*:*"}]}`, []string{"bare wildcard"}},
		{"a wildcard vendor", "advisories.agency.jp",
			`{"heed_advisory":1,"id":"W2","revision":1,"title":"t","severity":"high","affected":[{"vendor":"*","product":"Connect Secure"}]}`, []string{`vendor "*"`}},
		{"a subject nobody owns", "advisories.rogue",
			heedDoc("R1", "1", "Ivanti", ""), []string{`subject "advisories.rogue": no publisher owns it`}},
		{"a revision that would block all later ones", "advisories.agency.jp",
			heedDoc("BIG", "999999", "Ivanti", ""), []string{"revision 999999"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			publish(t, w, tc.subject, tc.doc, nil)
			rejectedWith(t, e, tc.reason...)
		})
	}
	// What Ivanti may say, under its old name too, goes through.
	publish(t, w, "advisories.ivanti.psirt", heedDoc("SA44101", "1", "Pulse Secure", `,"url":"https://kb.pulsesecure.net/SA44101"`), nil)
	waitApplied(t, e, "SA44101", "1")
	if c := caseOf(t, e, org); c.State != store.CaseOpen {
		t.Errorf("case state %s, want open", c.State)
	}
	for _, id := range []string{"FG-IR-1", "SA1", "SA2", "W1", "W2", "R1", "BIG"} {
		if _, ok := storedAdvisory(t, e, id); ok {
			t.Errorf("rejected advisory %s was stored", id)
		}
	}
}

func TestAdvisoryOverHoldAboveWaitsForApproval(t *testing.T) {
	e, _ := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), func(c *Config) { c.Publishers = twoPublishers(t, 1, nil) })
	ctx := context.Background()
	orgs := []string{addOrg(t, e, "Alpha", "9.0R3.3"), addOrg(t, e, "Beta", "9.0R3.3")}
	w := intakeOf(t, e)

	publish(t, w, "advisories.ivanti.psirt", heedDoc("SA44101", "1", "Ivanti", ""), nil)
	var held []store.HeldAdvisory
	eventually.True(t, 10*time.Second, "the advisory held", func() bool {
		e.db.View(ctx, func(tx *store.Tx) (err error) { held, err = tx.HeldAdvisories(10, ""); return err })
		return len(held) == 1
	})
	if held[0].WouldOpen != 2 || held[0].Publisher != "ivanti" {
		t.Errorf("held: %+v; want 2 cases to open, from ivanti", held[0])
	}
	var mails []store.Mail
	e.db.View(ctx, func(tx *store.Tx) (err error) { mails, err = tx.Mails(store.MailFilter{}); return err })
	if _, stored := storedAdvisory(t, e, "SA44101"); stored || len(mails) != 0 {
		t.Fatalf("while held: advisory stored %v, %d mails; want neither", stored, len(mails))
	}

	out, err := e.Cases.Approve(ctx, "SA44101")
	if err != nil || out.Opened != 2 {
		t.Fatalf("approve: %+v, %v; want 2 opened", out, err)
	}
	for _, org := range orgs {
		if ms := mailsOf(t, e, caseOf(t, e, org).ID); len(ms) != 1 {
			t.Errorf("org %s: %d mails after approval, want 1", org, len(ms))
		}
	}
	if _, err := e.Cases.Approve(ctx, "SA44101"); err == nil {
		t.Error("approved twice")
	}

	// A revision that would open no more than hold_above goes through; a
	// discarded one opens nothing.
	publish(t, w, "advisories.ivanti.psirt", heedDoc("SA2", "1", "Ivanti", ""), nil)
	eventually.True(t, 10*time.Second, "the second advisory held", func() bool {
		e.db.View(ctx, func(tx *store.Tx) (err error) { held, err = tx.HeldAdvisories(10, ""); return err })
		return len(held) == 1
	})
	if err := e.Cases.Discard(ctx, "SA2"); err != nil {
		t.Fatal(err)
	}
	if _, stored := storedAdvisory(t, e, "SA2"); stored {
		t.Error("a discarded advisory was stored")
	}

	// Held, then the agency publishes the id first: the held revision is
	// no longer the vendor's to publish, and approving it says why.
	publish(t, w, "advisories.ivanti.psirt", heedDoc("SA3", "2", "Ivanti", ""), nil)
	eventually.True(t, 10*time.Second, "SA3 held", func() bool {
		e.db.View(ctx, func(tx *store.Tx) (err error) { held, err = tx.HeldAdvisories(10, ""); return err })
		return len(held) == 1
	})
	publish(t, w, "advisories.agency.jp", heedDoc("SA3", "1", "Ivanti", ""), nil)
	waitApplied(t, e, "SA3", "1")
	_, err = e.Cases.Approve(ctx, "SA3")
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(ie.Msg, "SA3 belongs to publisher agency") {
		t.Errorf("approving a held revision of an id the agency took since: %v; want an input error saying so", err)
	}
}

func TestSignedDocuments(t *testing.T) {
	key, err := openpgp.NewEntity("Ivanti PSIRT", "", "psirt@ivanti.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := newTestEngineAt(t, filepath.Join(t.TempDir(), "heed.db"), func(c *Config) { c.Publishers = twoPublishers(t, -1, key) })
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	w := intakeOf(t, e)
	sign := func(doc string) []byte {
		var sig bytes.Buffer
		if err := openpgp.DetachSign(&sig, key, strings.NewReader(doc), nil); err != nil {
			t.Fatal(err)
		}
		return sig.Bytes()
	}

	good := heedDoc("SA44101", "1", "Ivanti", "")
	tampered := heedDoc("SA44102", "1", "Ivanti", "")
	publish(t, w, "advisories.ivanti.psirt", tampered, sign(strings.Replace(tampered, "9.0R3.3", "9.0R3.4", 1)))
	rejectedWith(t, e, "signature does not verify with the keys of publisher ivanti")
	publish(t, w, "advisories.ivanti.psirt", heedDoc("SA44103", "1", "Ivanti", ""), nil)
	rejectedWith(t, e, "unsigned", "publisher ivanti must sign")

	publish(t, w, "advisories.ivanti.psirt", good, sign(good))
	a := waitApplied(t, e, "SA44101", "1")
	adv, err := decodeAdvisory(a)
	if err != nil {
		t.Fatal(err)
	}
	if adv.Relayed == nil || !strings.Contains(adv.Relayed.Signer, "Ivanti PSIRT") {
		t.Errorf("relayed %+v; want the signer recorded", adv.Relayed)
	}
	ms := mailsOf(t, e, caseOf(t, e, org).ID)
	if len(ms) != 1 {
		t.Fatalf("%d mails, want the notice", len(ms))
	}
	var full store.Mail
	if err := e.db.View(context.Background(), func(tx *store.Tx) (err error) { full, err = tx.Mail(ms[0].ID); return err }); err != nil {
		t.Fatal(err)
	}
	text := textPart(t, full.Message)
	for _, want := range []string{"Published by ivanti (vendor) and relayed to you by Heed", "Signed with the OpenPGP key " + adv.Relayed.Signer + "; Heed verified the signature."} {
		if !strings.Contains(text, want) {
			t.Errorf("the notice does not say %q:\n%s", want, text)
		}
	}
}

// readMultipart parses a composed message and returns it with its
// multipart boundary.
func readMultipart(t *testing.T, msg []byte) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	return m, params["boundary"]
}

// textPart is the decoded text/plain part of a stored message.
func textPart(t *testing.T, msg []byte) string {
	t.Helper()
	m, boundary := readMultipart(t, msg)
	r := multipart.NewReader(m.Body, boundary)
	for {
		p, err := r.NextPart()
		if err != nil {
			t.Fatalf("no text part: %v", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			b, err := io.ReadAll(p) // multipart decodes quoted-printable
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}

// TestReopenedCaseKeepsItsAnswers: a withdrawal closes a case and a later
// revision reopens it; the answers given before are still its history.
func TestReopenedCaseKeepsItsAnswers(t *testing.T) {
	ctx := context.Background()
	e, _ := newTestEngine(t)
	org := addOrg(t, e, "Alpha", "9.0R3.3")
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("1", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	c := caseOf(t, e, org)
	tok := e.Links.ackToken(c.ID, 1, t0.Add(90*day))
	if _, err := e.Answers.RecordAnswer(ctx, tok, AnswerInput{Status: AnswerMitigated, Note: "port closed", IP: "192.0.2.1", UserAgent: "test"}); err != nil {
		t.Fatal(err)
	}
	withdrawn := sa44101("2", "9.0R3.3")
	withdrawn.Withdrawn = true
	if _, err := e.Cases.ApplyAdvisory(ctx, withdrawn); err != nil {
		t.Fatal(err)
	}
	if c := caseOf(t, e, org); c.State != store.CaseClosed {
		t.Fatalf("after the withdrawal: %s, want closed", c.State)
	}
	if _, err := e.Cases.ApplyAdvisory(ctx, sa44101("3", "9.0R3.3")); err != nil {
		t.Fatal(err)
	}
	if c := caseOf(t, e, org); c.State != store.CaseOpen {
		t.Fatalf("after revision 3: %s, want open again", c.State)
	}
	var answers []store.Answer
	if err := e.db.View(ctx, func(tx *store.Tx) (err error) { answers, err = tx.Answers(c.ID); return err }); err != nil {
		t.Fatal(err)
	}
	if len(answers) != 1 || answers[0].Status != AnswerMitigated || answers[0].Note != "port closed" {
		t.Errorf("answers of the reopened case: %+v; want the mitigation given before", answers)
	}
}
