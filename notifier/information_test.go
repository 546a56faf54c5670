package notifier

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/subscribers"
)

// TestInformationOpensNoCase: a csaf_base document (a vendor's own
// category, Cisco-style) taken in from JetStream is recorded as
// information and opens no case and mails nobody, although it names the
// product an organization runs; the same document as a
// csaf_security_advisory opens that organization's case (the control).
// An inventory change later matches nothing against the information, and
// an informational revision cannot replace an advisory whose cases are
// open: it is refused with its reason.
func TestInformationOpensNoCase(t *testing.T) {
	t.Parallel()
	js := startJetStream(t)
	e, _ := newTestEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	org, err := e.Orgs.CreateOrg(ctx, subscribers.OrgSpec{Name: "Router Owner", Contacts: []subscribers.ContactSpec{{Email: "sec@router.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	runs := []store.Item{{Vendor: "Acme Networks", Product: "RouteMaster 4000", Version: "12.2"}}
	if _, err := e.Orgs.ReplaceInventory(ctx, org.ID, runs); err != nil {
		t.Fatal(err)
	}
	cfg := IntakeConfig{Stream: "ADVISORIES", Subjects: []string{"advisories.>"}, RetryDelay: 10 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- e.Intake.Run(ctx, js, cfg) }()

	info, err := os.ReadFile("formats/testdata/csaf_base_vendor.json")
	if err != nil {
		t.Fatal(err)
	}
	// The control: the same statements under the category that acts.
	acting := bytes.Replace(info, []byte(`"Acme Networks Security Notice"`), []byte(`"csaf_security_advisory"`), 1)
	acting = bytes.Replace(acting, []byte(`"acme-sn-2024-0007"`), []byte(`"acme-sa-2024-0007"`), 1)
	// An informational revision of the acting advisory, which has a case.
	infoRevision := bytes.Replace(info, []byte(`"acme-sn-2024-0007"`), []byte(`"acme-sa-2024-0007"`), 1)
	infoRevision = bytes.Replace(infoRevision, []byte(`"2.1.0"`), []byte(`"2.2.0"`), 2)
	for _, doc := range [][]byte{info, acting, infoRevision} {
		if _, err := js.Publish(ctx, "advisories.acme", doc); err != nil {
			t.Fatal(err)
		}
	}
	var rej []store.Rejected
	eventually.Check(t, 20*time.Second, func() error {
		return e.db.View(ctx, func(tx *store.Tx) (err error) {
			rej, err = tx.RejectedDocs(10)
			if err == nil && len(rej) == 0 {
				err = fmt.Errorf("the informational revision not refused yet")
			}
			return err
		})
	})
	if len(rej) != 1 || !strings.Contains(rej[0].Reason, "acme-sa-2024-0007 has cases not closed (1)") ||
		!strings.Contains(rej[0].Reason, `"Acme Networks Security Notice" is information`) {
		t.Errorf("refused %+v; want only the informational revision of the advisory with a case, saying why", rej)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("intake: %v", err)
	}

	// A new inventory line of the same product, once the information is in.
	runs = append(runs, store.Item{Vendor: "Acme Networks", Product: "RouteMaster 4000", Version: "12.2", Asset: "spare"})
	if _, err := e.Orgs.ReplaceInventory(context.Background(), org.ID, runs); err != nil {
		t.Fatal(err)
	}
	err = e.db.View(context.Background(), func(tx *store.Tx) error {
		rec, err := tx.Advisory("acme-sn-2024-0007")
		if err != nil {
			return err
		}
		if !rec.Informational || len(rec.Keys) != 0 || rec.ScanAll || !bytes.Contains(rec.Doc, []byte("Add an access list")) {
			t.Errorf("stored %+v; want it informational, without keys, with its notes", rec)
		}
		cases, err := tx.Cases(store.CaseFilter{OrgID: org.ID})
		if err != nil {
			return err
		}
		if len(cases) != 1 || cases[0].AdvisoryID != "acme-sa-2024-0007" || cases[0].State != store.CaseOpen {
			t.Errorf("cases %+v; want only the control's, open", cases)
		}
		mails, err := tx.Mails(store.MailFilter{})
		if err != nil {
			return err
		}
		for _, m := range mails {
			if m.CaseID != cases[0].ID {
				t.Errorf("mail %d is about case %q; want mails of the control's case only", m.ID, m.CaseID)
			}
		}
		if len(mails) == 0 {
			t.Error("the control mailed nobody")
		}
		ctl, err := tx.Advisory("acme-sa-2024-0007")
		if err != nil || ctl.Revision != "2.1.0" || ctl.Informational {
			t.Errorf("the control is %+v, %v; want revision 2.1.0 kept as an advisory", ctl, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
