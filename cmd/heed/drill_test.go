package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
)

// The drills of docs/RELIABILITY.md: the built heed binary, run as a
// process on a real NATS server and a real SMTP relay, through the failures
// an agency's installation meets. Each drill counts what the relay received
// against what it should have, and reads Heed's database afterwards.
// drill_short_test.go sizes the short version that runs in go test ./...;
// go test -tags drill sizes the full one (drill_full_test.go).

// drillScale sizes the drills.
type drillScale struct {
	Orgs     int           // organizations in each fan-out
	Kills    int           // (a) kill -9 points
	Refuse   time.Duration // (b) the relay answers 421 this long,
	Outage   time.Duration // (b) then cannot be reached this long
	Policy   time.Duration // (c) the relay answers 554 5.7.1 to every RCPT this long
	Lock     time.Duration // (f) another process holds the write lock this long
	DiskFull time.Duration // (g) the disk stays full this long
	Deadline time.Duration // the longest wait for a fan-out to be delivered
}

// drillOrg is one organization of the drills, created through the API.
type drillOrg struct{ ID, Primary, Escalation string }

// The organizations are created once per test run through Heed's API; each
// drill starts from a copy of that database.
var (
	orgsOnce sync.Once
	orgsDB   string
	orgs     []drillOrg
	orgsErr  error
)

func drillOrgs(t *testing.T) (string, []drillOrg) {
	t.Helper()
	orgsOnce.Do(func() { orgsDB, orgs, orgsErr = createDrillOrgs(t, drillSize.Orgs) })
	if orgsErr != nil {
		t.Fatal(orgsErr)
	}
	return orgsDB, orgs
}

// createDrillOrgs runs Heed (mail held, no relay), registers n organizations
// with a primary and an escalation contact and an affected inventory through
// the HTTP API, stops it, and keeps its database next to the binary.
func createDrillOrgs(t *testing.T, n int) (string, []drillOrg, error) {
	dir := t.TempDir()
	ns := startNATSServer(t, "", "")
	h := newHeedProc(t, dir, processConfig(t, dir, ns.url, "", nil), testToken)
	if err := h.tryStart(); err != nil {
		return "", nil, err
	}
	out := make([]drillOrg, n)
	work := make(chan int)
	errc := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				o := drillOrg{Primary: fmt.Sprintf("sec@org%05d.test", i), Escalation: fmt.Sprintf("ciso@org%05d.test", i)}
				body := fmt.Sprintf(`{"name":"Drill %05d","language":"en","timezone":"UTC","contacts":[{"email":%q},{"email":%q,"role":"escalation"}]}`,
					i, o.Primary, o.Escalation)
				var created struct{ ID string }
				if _, err := h.api("POST", "/api/v1/orgs", "application/json", []byte(body), &created); err != nil {
					errc <- err
					continue
				}
				o.ID = created.ID
				if _, err := h.api("PUT", "/api/v1/orgs/"+o.ID+"/inventory", "text/csv",
					[]byte("vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n"), nil); err != nil {
					errc <- err
					continue
				}
				out[i] = o
			}
		}()
	}
	for i := range n {
		select {
		case work <- i:
		case err := <-errc:
			close(work)
			wg.Wait()
			return "", nil, fmt.Errorf("create organizations: %w", err)
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errc:
		return "", nil, fmt.Errorf("create organizations: %w", err)
	default:
	}
	h.stop()
	keep := filepath.Join(binDir, fmt.Sprintf("drill-orgs-%d.db", n))
	if err := copyFile(filepath.Join(dir, "heed.db"), keep); err != nil {
		return "", nil, err
	}
	return keep, out, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// drill is one drill's installation: its copy of the organizations, its
// NATS server, its relay and its Heed.
type drill struct {
	t     *testing.T
	name  string
	dir   string
	orgs  []drillOrg
	relay *mta
	nats  *natsServer
	heed  *heedProc
	start time.Time
}

// newDrill prepares a drill in dir (a temporary folder when empty) and
// starts Heed.
func newDrill(t *testing.T, name, dir string) *drill {
	t.Helper()
	db, orgs := drillOrgs(t)
	if dir == "" {
		dir = t.TempDir()
	}
	must(t, copyFile(db, filepath.Join(dir, "heed.db")))
	d := &drill{t: t, name: name, dir: dir, orgs: orgs, relay: startMTA(t, "", ""), nats: startNATSServer(t, "", "")}
	d.heed = newHeedProc(t, dir, processConfig(t, dir, d.nats.url, d.relay.addr, func(c *Config) {
		// What a crash leaves in flight is taken up again after these: the
		// shortest the config allows, so a drill waits minutes, not tens.
		c.SMTP.ClaimTimeout, c.NATS.AckWait = "1m", "30s"
	}), testToken)
	d.heed.start()
	return d
}

// publish sends an advisory that hits every organization: SA44101 under
// another id, so that each id is a fan-out of its own.
func (d *drill) publish(id string) {
	d.t.Helper()
	doc := bytes.ReplaceAll(readFile(d.t, sa44101Path), []byte(`"SA44101"`), []byte(`"`+id+`"`))
	publish(d.t, d.nats.url, "advisories.heed", doc)
	if d.start.IsZero() {
		d.start = time.Now()
	}
}

// drillWant is what a drill should end with.
type drillWant struct {
	advisories []string
	mails      map[string]int  // recipient: distinct mails
	bounced    map[string]bool // contacts whose bounce is right
	maxTwice   int             // mails the drill may send twice
}

// wantPrimaries expects every primary contact to get one mail per advisory.
func (d *drill) wantPrimaries(advisories ...string) drillWant {
	w := drillWant{advisories: advisories, mails: map[string]int{}, bounced: map[string]bool{}}
	for _, o := range d.orgs {
		w.mails[o.Primary] = len(advisories)
	}
	return w
}

// missing is how many expected mails the relay has not received yet.
func (d *drill) missing(w drillWant) int {
	got, _ := d.relay.counts()
	distinct := map[string]int{}
	for k := range got {
		distinct[k.To]++
	}
	n := 0
	for to, want := range w.mails {
		n += max(0, want-distinct[to])
	}
	return n
}

// waitReceived waits until the relay has accepted n messages.
func (d *drill) waitReceived(n int) {
	d.t.Helper()
	eventually.True(d.t, drillSize.Deadline, fmt.Sprintf("%d mails at the relay", n), func() bool { return d.relay.received() >= n })
}

// stallAfter ends the wait for a fan-out that has made no progress this
// long: longer than the retry backoff of the drills' failures (at most a
// few minutes) and than intake's ack wait (5 minutes).
const stallAfter = 6 * time.Minute

// finish waits for every expected mail (at most drillSize.Deadline, or
// until nothing has moved for stallAfter), lets late duplicates arrive,
// stops Heed, and counts.
func (d *drill) finish(w drillWant) drillResult {
	d.t.Helper()
	deadline := time.Now().Add(drillSize.Deadline)
	last, moved := d.relay.received(), time.Now()
	for d.missing(w) > 0 && time.Now().Before(deadline) && time.Since(moved) < stallAfter {
		if done, err := d.heed.exited(); done {
			d.t.Errorf("heed exited during the drill: %v", err)
			break
		}
		if n := d.relay.received(); n != last {
			last, moved = n, time.Now()
		}
		time.Sleep(200 * time.Millisecond)
	}
	elapsed := time.Since(d.start)
	time.Sleep(2 * time.Second)
	d.heed.stop()
	return d.count(w, elapsed)
}

// drillResult is the figures of one drill, as docs/RELIABILITY.md gives them.
type drillResult struct {
	Name                     string
	Orgs                     int
	Expected, Received, Lost int
	Twice, Unexpected        int
	WronglyBounced           int
	AdvisoriesLost           int
	AppliedTwice             int
	Elapsed                  time.Duration
}

func (d *drill) count(w drillWant, elapsed time.Duration) drillResult {
	d.t.Helper()
	r := drillResult{Name: d.name, Orgs: len(d.orgs), Elapsed: elapsed}
	lost := map[string]bool{}
	got, _ := d.relay.counts()
	distinct := map[string]int{}
	for k, n := range got {
		distinct[k.To]++
		r.Twice += n - 1
	}
	for to, want := range w.mails {
		r.Expected += want
		r.Received += min(want, distinct[to])
		r.Lost += max(0, want-distinct[to])
		if want > distinct[to] {
			lost[to] = true
		}
	}
	for to, n := range distinct {
		r.Unexpected += max(0, n-w.mails[to])
	}

	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(d.dir, "heed.db"))
	must(d.t, err)
	defer db.Close()
	must(d.t, db.View(ctx, func(tx *store.Tx) error {
		all, err := tx.Orgs()
		if err != nil {
			return err
		}
		for _, o := range all {
			for _, c := range o.Contacts {
				if !c.Bounced.IsZero() && !w.bounced[c.Email] {
					r.WronglyBounced++
				}
			}
		}
		for _, adv := range w.advisories {
			cases, err := tx.Cases(store.CaseFilter{AdvisoryID: adv})
			if err != nil {
				return err
			}
			perOrg := map[string]int{}
			for _, c := range cases {
				perOrg[c.OrgID]++
			}
			for _, o := range d.orgs {
				r.AdvisoriesLost += btoi(perOrg[o.ID] == 0)
				r.AppliedTwice += max(0, perOrg[o.ID]-1)
			}
		}
		mails, err := tx.Mails(store.MailFilter{Limit: 1 << 30})
		if err != nil {
			return err
		}
		type notice struct {
			caseID  string
			contact int64
			kind    string
			seq     int
		}
		queued := map[notice]int{}
		shown := 0
		for _, m := range mails {
			if lost[m.Recipient] && shown < 5 {
				shown++
				d.t.Logf("a lost mail in the outbox: to %s, %s %d, state %s, attempts %d, next %s, last reply %q",
					m.Recipient, m.Kind, m.Seq, m.State, m.Attempts, m.NextAttemptAt.Format(time.RFC3339), m.LastReply)
			}
			queued[notice{m.CaseID, m.ContactID, m.Kind, m.Seq}]++
		}
		for _, n := range queued {
			r.AppliedTwice += n - 1
		}
		return nil
	}))
	d.report(r)
	return r
}

// report logs the figures and, with HEED_DRILL_REPORT set, appends them to
// that file as a row of docs/RELIABILITY.md's table.
func (d *drill) report(r drillResult) {
	row := fmt.Sprintf("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |\n", r.Name, r.Orgs, r.Expected, r.Received,
		r.Lost, r.Twice, r.Unexpected, r.WronglyBounced, r.AdvisoriesLost, r.AppliedTwice, r.Elapsed.Round(100*time.Millisecond))
	d.t.Logf("drill | orgs | mails expected | received | lost | sent twice | unexpected | wrongly bounced | advisories lost | applied twice | time |\n%s", row)
	if path := os.Getenv("HEED_DRILL_REPORT"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		must(d.t, err)
		defer f.Close()
		_, err = io.WriteString(f, row)
		must(d.t, err)
	}
}

// check fails the drill on every expectation of issue 7 it missed.
func (d *drill) check(r drillResult, w drillWant) {
	d.t.Helper()
	for _, c := range []struct {
		bad  bool
		what string
	}{
		{r.Lost > 0, fmt.Sprintf("%d mails lost", r.Lost)},
		{r.Twice > w.maxTwice, fmt.Sprintf("%d mails sent twice, at most %d allowed", r.Twice, w.maxTwice)},
		{r.Unexpected > 0, fmt.Sprintf("%d mails nobody should have had (escalations without a bounce?)", r.Unexpected)},
		{r.WronglyBounced > 0, fmt.Sprintf("%d contacts wrongly marked bounced", r.WronglyBounced)},
		{r.AdvisoriesLost > 0, fmt.Sprintf("%d cases missing (advisories lost)", r.AdvisoriesLost)},
		{r.AppliedTwice > 0, fmt.Sprintf("%d cases or notices doubled (applied twice)", r.AppliedTwice)},
	} {
		if c.bad {
			d.t.Errorf("drill %s: %s", d.name, c.what)
		}
	}
}
