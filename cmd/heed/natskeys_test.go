package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier/clock"
	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
)

// TestEmbeddedNATSWithPublisherKeys: with publishers configured, the
// embedded NATS server lets each publisher's key publish only on its own
// subjects and read nothing; Heed reads with a key of its own; a signed
// document published with "heed publish -nkey -signature" is taken in,
// the same signature on a changed document is not.
func TestEmbeddedNATSWithPublisherKeys(t *testing.T) {
	dir := t.TempDir()
	key, err := openpgp.NewEntity("Ivanti PSIRT", "", "psirt@ivanti.example", nil)
	must(t, err)
	keyFile := filepath.Join(dir, "ivanti.asc")
	var armored bytes.Buffer
	w, err := armor.Encode(&armored, openpgp.PublicKeyType, nil)
	must(t, err)
	must(t, key.Serialize(w))
	must(t, w.Close())
	must(t, os.WriteFile(keyFile, armored.Bytes(), 0o600))

	publishersTOML := fmt.Sprintf(`
[[publisher]]
name = "agency"
subjects = ["advisories.agency.>"]
role = "agency"
[[publisher]]
name = "ivanti"
subjects = ["advisories.ivanti.>"]
role = "vendor"
vendors = ["Ivanti"]
link_domains = ["ivanti.example"]
require_signature = true
openpgp_keys = [%q]
`, keyFile)
	writeConfig := func(listen string) string {
		path := filepath.Join(t.TempDir(), "heed.toml")
		must(t, os.WriteFile(path, []byte(fmt.Sprintf("[store]\npath = %q\n[nats]\nembedded_listen = %q\nembedded_dir = %q\n[http]\nadmin_token = %q\n",
			filepath.Join(dir, "heed.db"), listen, filepath.Join(dir, "nats"), testToken)+publishersTOML), 0o600))
		return path
	}
	cfg, err := loadConfig(writeConfig("127.0.0.1:0"))
	must(t, err)
	h := startHeed(t, cfg, clock.NewFake(time.Now()))
	conf := writeConfig(h.embeddedNATS)
	url := "nats://" + h.embeddedNATS
	org := h.addOrg("Example KK", "sec@example.test")
	h.putCSV(org, "vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn1\n")

	seedFile := filepath.Join(dir, "ivanti.nk")
	if code, out, errOut := heedCLI(t, "publisher", "key", "-config", conf, "-out", seedFile, "ivanti"); code != 0 || !strings.Contains(out, "--nkey "+seedFile) {
		t.Fatalf("publisher key: %d %q %q", code, out, errOut)
	}
	if fi, err := os.Stat(seedFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("seed file: %v, %v; want mode 0600", fi, err)
	}

	if nc, err := nats.Connect(url); err == nil {
		nc.Close()
		t.Error("an anonymous client connected to the secured embedded server")
	}
	ivanti, err := nats.NkeyOptionFromSeed(seedFile)
	must(t, err)
	// The violations are read from LastError; the handler keeps them out
	// of the test's output.
	nc, err := nats.Connect(url, ivanti, nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	must(t, err)
	defer nc.Close()
	must(t, nc.Publish("advisories.agency.jp", []byte(`{"heed_advisory":1,"id":"FAKE","revision":1,"title":"t","severity":"high","affected":[{"vendor":"Ivanti","product":"Connect Secure"}]}`)))
	must(t, nc.Flush())
	if err := nc.LastError(); !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), "advisories.agency.jp") {
		t.Errorf("publishing on the agency's subject with the vendor's key: %v; want a permissions violation", err)
	}
	if _, err := nc.SubscribeSync("advisories.>"); err != nil {
		t.Fatal(err)
	}
	must(t, nc.Flush())
	if err := nc.LastError(); !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), `Subscription to "advisories.>"`) {
		t.Errorf("the vendor's key reading advisories: %v; want a permissions violation", err)
	}

	doc := []byte(`{"heed_advisory":1,"id":"SA44101","revision":1,"title":"Connect Secure file read","severity":"critical",` +
		`"url":"https://kb.ivanti.example/SA44101","affected":[{"vendor":"Ivanti","product":"Connect Secure","scheme":"generic","versions":["9.0R3.3"]}]}`)
	docFile, sigFile := filepath.Join(dir, "sa44101.json"), filepath.Join(dir, "sa44101.json.sig")
	must(t, os.WriteFile(docFile, doc, 0o600))
	var sig bytes.Buffer
	must(t, openpgp.DetachSign(&sig, key, bytes.NewReader(doc), nil))
	must(t, os.WriteFile(sigFile, sig.Bytes(), 0o600))
	tampered := filepath.Join(dir, "tampered.json")
	must(t, os.WriteFile(tampered, bytes.Replace(doc, []byte("SA44101"), []byte("SA44102"), 1), 0o600))

	if code, _, errOut := heedCLI(t, "publish", "-config", conf, "-nkey", seedFile, "-subject", "advisories.agency.jp", "-signature", sigFile, docFile); code == 0 || !strings.Contains(errOut, "ermissions") {
		t.Errorf("heed publish on the agency's subject with the vendor's key: %d %q; want a refusal", code, errOut)
	}
	if code, out, errOut := heedCLI(t, "publish", "-config", conf, "-nkey", seedFile, "-subject", "advisories.ivanti.psirt", "-signature", sigFile, tampered); code != 0 {
		t.Fatalf("publish the tampered document: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := heedCLI(t, "publish", "-config", conf, "-nkey", seedFile, "-subject", "advisories.ivanti.psirt", "-signature", sigFile, docFile); code != 0 {
		t.Fatalf("publish the signed document: %d %q %q", code, out, errOut)
	}
	// A failure says how far the two documents got (in the stream or lost
	// before it, taken by intake or not), which the log alone does not when
	// intake never speaks.
	if eventually.Wait(30*time.Second, func() error {
		if len(h.cases("advisory=SA44101")) != 1 {
			return errors.New("not yet")
		}
		return nil
	}) != nil {
		t.Fatalf("no case for the signed advisory within 30s; %s", intakeProgress(t, h))
	}
	var rejected struct{ Rejected []struct{ Reason string } }
	if code := h.api("GET", "/api/v1/rejected", "", nil, &rejected); code != http.StatusOK {
		t.Fatalf("rejected: %d", code)
	}
	if len(rejected.Rejected) != 1 || !strings.Contains(rejected.Rejected[0].Reason, "signature does not verify with the keys of publisher ivanti") {
		t.Errorf("rejected = %+v; want the tampered document, for its signature", rejected.Rejected)
	}
	if cs := h.cases("advisory=SA44102"); len(cs) != 0 {
		t.Errorf("the tampered document opened %d cases", len(cs))
	}
	var advs struct {
		Advisories []struct{ ID, Publisher string }
	}
	h.api("GET", "/api/v1/advisories", "", nil, &advs)
	if len(advs.Advisories) != 1 || advs.Advisories[0].Publisher != "ivanti" {
		t.Errorf("advisories = %+v; want SA44101 of ivanti only (nothing from the agency's subject)", advs.Advisories)
	}

	// A system outside Heed reads the case events with the events reader's
	// key, through a JetStream consumer of its own, and can do nothing else.
	eventsFile := filepath.Join(dir, "events.nk")
	if code, out, errOut := heedCLI(t, "events", "key", "-config", conf, "-out", eventsFile); code != 0 || !strings.Contains(out, "--nkey "+eventsFile) {
		t.Fatalf("events key: %d %q %q", code, out, errOut)
	}
	reader, err := nats.NkeyOptionFromSeed(eventsFile)
	must(t, err)
	rc, err := nats.Connect(url, reader, nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	must(t, err)
	defer rc.Close()
	js, err := jetstream.New(rc)
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, "HEED_EVENTS", jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("the events reader's consumer: %v", err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(30 * time.Second))
	if err != nil {
		t.Fatalf("the events reader reads no event: %v", err)
	}
	var ev struct {
		Type string
		Data struct{ Advisory string }
	}
	must(t, json.Unmarshal(msg.Data(), &ev))
	if ev.Type != "heed.case.opened" || ev.Data.Advisory != "SA44101" {
		t.Errorf("first event = %+v; want heed.case.opened of SA44101", ev)
	}
	must(t, rc.Publish("advisories.ivanti.psirt", doc))
	must(t, rc.Flush())
	if err := rc.LastError(); !errors.Is(err, nats.ErrPermissionViolation) {
		t.Errorf("publishing an advisory with the events reader's key: %v; want a permissions violation", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
	defer cancelShort()
	if err := js.DeleteStream(short, "HEED_EVENTS"); err == nil {
		t.Error("the events reader deleted the events stream")
	}
	if _, err := js.Stream(ctx, "HEED_EVENTS"); err != nil {
		t.Errorf("the events stream after the reader's attempt to delete it: %v", err)
	}
}

// intakeProgress says, for a failure message, how many documents the
// advisories stream holds and how far intake's consumer has taken them,
// read with Heed's own NKey (the embedded server takes no other reader).
func intakeProgress(t *testing.T, h *heed) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := store.Open(ctx, h.cfg.Store.Path)
	if err != nil {
		return fmt.Sprintf("(open the store: %v)", err)
	}
	defer db.Close()
	var seed string
	if err := db.View(ctx, func(tx *store.Tx) (err error) { seed, err = tx.Setting(heedNKeyName); return err }); err != nil {
		return fmt.Sprintf("(Heed's NKey: %v)", err)
	}
	key, err := nkeyOption([]byte(seed))
	if err != nil {
		return fmt.Sprintf("(Heed's NKey: %v)", err)
	}
	nc, err := nats.Connect("nats://"+h.embeddedNATS, key)
	if err != nil {
		return fmt.Sprintf("(connect to NATS: %v)", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Sprintf("(jetstream: %v)", err)
	}
	in := h.cfg.NATS.intake()
	s, err := js.Stream(ctx, in.Stream)
	if err != nil {
		return fmt.Sprintf("stream %s: %v", in.Stream, err)
	}
	held := fmt.Sprintf("stream %s holds %d message(s)", in.Stream, s.CachedInfo().State.Msgs)
	c, err := s.Consumer(ctx, in.Durable)
	if err != nil {
		return fmt.Sprintf("%s; consumer %s: %v", held, in.Durable, err)
	}
	ci := c.CachedInfo()
	return fmt.Sprintf("%s; consumer %s delivered up to #%d, acknowledged up to #%d, %d pending, %d pull(s) waiting",
		held, in.Durable, ci.Delivered.Stream, ci.AckFloor.Stream, ci.NumPending, ci.NumWaiting)
}
