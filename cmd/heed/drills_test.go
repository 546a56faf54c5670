package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/heed-dev/heed/notifier/eventually"
	"github.com/heed-dev/heed/store"
)

// TestDrillKill is drill (a): kill -9 at random points of a fan-out,
// restarting each time. Nothing may be lost; a kill may repeat at most the
// mails that were in their SMTP exchange, smtp.max_conns of them; every
// case's events reach HEED_EVENTS exactly once.
func TestDrillKill(t *testing.T) {
	drillParallel(t)
	d := newDrill(t, "(a) kill -9 ×"+fmt.Sprint(drillSize.Kills), "")
	w := d.wantPrimaries("DRILL-A")
	w.maxTwice = drillSize.Kills * defaultConfig().SMTP.MaxConns
	points := make([]int, drillSize.Kills)
	for i := range points {
		points[i] = rand.N(len(d.orgs) * 95 / 100)
	}
	slices.Sort(points)
	d.publish("DRILL-A")
	for _, at := range points {
		// A point the fan-out does not reach (it waits on something) is
		// taken where it waits.
		last, moved := d.relay.received(), time.Now()
		for n := last; n < at && time.Since(moved) < 10*time.Second; n = d.relay.received() {
			if n != last {
				last, moved = n, time.Now()
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.N(100)) * time.Millisecond)
		d.heed.kill()
		d.heed.start()
	}
	d.check(d.finish(w), w)
	d.checkEvents("DRILL-A")
}

// TestDrillRelayDown is drill (b): mid fan-out the relay refuses with 421,
// then cannot be reached at all, then comes back. Nothing is lost, nothing
// doubled, nobody bounced.
func TestDrillRelayDown(t *testing.T) {
	drillParallel(t)
	d := newDrill(t, fmt.Sprintf("(b) relay 421 %v, unreachable %v", drillSize.Refuse, drillSize.Outage), "")
	w := d.wantPrimaries("DRILL-B")
	d.publish("DRILL-B")
	d.waitReceived(len(d.orgs) / 4)
	d.relay.setPolicy(func(stage, _ string) *smtp.SMTPError {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service not available, try later"}
	})
	time.Sleep(drillSize.Refuse)
	d.relay.down()
	time.Sleep(drillSize.Outage)
	d.relay.setPolicy(nil)
	d.relay.up()
	d.check(d.finish(w), w)
}

// TestDrillPolicyRefusal is drill (c): mid fan-out the relay answers
// 554 5.7.1 to every RCPT (an auth change, a policy). That is the relay's
// problem: nobody is bounced, no escalation contact is mailed instead, and
// every mail goes once the relay accepts again.
func TestDrillPolicyRefusal(t *testing.T) {
	drillParallel(t)
	d := newDrill(t, fmt.Sprintf("(c) 554 5.7.1 to every RCPT %v", drillSize.Policy), "")
	w := d.wantPrimaries("DRILL-C")
	d.publish("DRILL-C")
	d.waitReceived(len(d.orgs) / 4)
	d.relay.setPolicy(func(stage, _ string) *smtp.SMTPError {
		if stage != "rcpt" {
			return nil
		}
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay access denied"}
	})
	time.Sleep(drillSize.Policy)
	d.relay.setPolicy(nil)
	d.check(d.finish(w), w)
}

// TestDrillMailboxBounce is drill (d): one primary contact's mailbox does
// not exist (550 5.1.1). That contact, and only it, is bounced, and its
// organization's escalation contact is told instead.
func TestDrillMailboxBounce(t *testing.T) {
	drillParallel(t)
	d := newDrill(t, "(d) one contact 550 5.1.1", "")
	w := d.wantPrimaries("DRILL-D")
	gone := d.orgs[rand.N(len(d.orgs))]
	d.relay.setPolicy(func(stage, rcpt string) *smtp.SMTPError {
		if stage == "rcpt" && rcpt == gone.Primary {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		}
		return nil
	})
	delete(w.mails, gone.Primary)
	w.mails[gone.Escalation] = 1
	w.bounced[gone.Primary] = true
	d.publish("DRILL-D")
	r := d.finish(w)
	d.check(r, w)
	if !d.bounced(gone.Primary) {
		t.Errorf("%s, refused with 550 5.1.1, is not marked bounced", gone.Primary)
	}
}

// TestDrillNATSRestart is drill (e): the NATS server restarts while Heed
// consumes a stream of advisories. Each is applied once; nothing is lost.
func TestDrillNATSRestart(t *testing.T) {
	drillParallel(t)
	d := newDrill(t, "(e) NATS restarted mid-stream", "")
	w := d.wantPrimaries("DRILL-E1", "DRILL-E2", "DRILL-E3")
	d.publish("DRILL-E1")
	d.publish("DRILL-E2")
	d.waitReceived(len(d.orgs) / 3)
	d.nats.restart()
	d.publish("DRILL-E3")
	d.check(d.finish(w), w)
}

// TestDrillWriteLock is drill (f): another process holds SQLite's write lock
// past the busy timeout during delivery, so recording what the relay
// accepted fails for a while. Nothing may be sent again, or lost.
func TestDrillWriteLock(t *testing.T) {
	drillParallel(t)
	d := newDrill(t, fmt.Sprintf("(f) write lock held %v", drillSize.Lock), "")
	w := d.wantPrimaries("DRILL-F")
	d.publish("DRILL-F")
	d.waitReceived(len(d.orgs) / 4)
	holdWriteLockFrom(t, filepath.Join(d.dir, "heed.db"), drillSize.Lock)
	d.check(d.finish(w), w)
}

// TestDrillDiskFull is drill (g): the disk under Heed's database fills up
// while an advisory is applied. Heed refuses new work with a clear error,
// loses nothing, and resumes by itself once space returns.
func TestDrillDiskFull(t *testing.T) {
	drillParallel(t)
	db, _ := drillOrgs(t)
	info, err := os.Stat(db)
	must(t, err)
	dir := t.TempDir()
	// Room for the fan-out's cases and mails (about 10 KiB an organization)
	// once the disk is given back, and more.
	size := info.Size() + 64<<20 + int64(drillSize.Orgs)*32<<10
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("drill (g) needs a size-limited file system (mount -t tmpfs, as root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	d := newDrill(t, fmt.Sprintf("(g) disk full %v during an apply", drillSize.DiskFull), dir)
	w := d.wantPrimaries("DRILL-G")

	// Room for the advisory, not for its cases and mails: the apply fails
	// part-way. Then the disk is filled to the last byte.
	fillDisk(t, filepath.Join(dir, "filler1"), 2<<20)
	mark := d.heed.log.len()
	d.publish("DRILL-G")
	eventually.True(t, drillSize.Deadline, "the full disk in heed's log", func() bool { return strings.Contains(d.heed.log.since(mark), "full") })
	fillDisk(t, filepath.Join(dir, "filler2"), 0)
	// An inventory far larger than what SQLite's journal still has room for.
	inv := strings.Builder{}
	inv.WriteString("vendor,product,version,cpe,purl,asset\nPulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn\n")
	for i := range 20000 {
		fmt.Fprintf(&inv, "Example Vendor %d,Example Product %d,1.0.%d,,,host-%d.example\n", i, i, i, i)
	}
	if _, err := d.heed.api("PUT", "/api/v1/orgs/"+d.orgs[0].ID+"/inventory", "text/csv", []byte(inv.String()), nil); err == nil {
		t.Error("with the disk full, an inventory of 20,000 items was accepted")
	} else if !strings.Contains(err.Error(), "full") {
		t.Errorf("with the disk full, an inventory import fails without saying why: %v", err)
	}
	time.Sleep(drillSize.DiskFull)
	must(t, os.Remove(filepath.Join(dir, "filler1")))
	must(t, os.Remove(filepath.Join(dir, "filler2")))
	d.check(d.finish(w), w)
}

// fillDisk writes path until the file system has at most leave bytes free.
func fillDisk(t *testing.T, path string, leave int64) {
	t.Helper()
	var st syscall.Statfs_t
	must(t, syscall.Statfs(filepath.Dir(path), &st))
	free := int64(st.Bavail) * st.Bsize
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for n := free - leave; n > 0; n -= int64(len(chunk)) {
		if _, err := f.Write(chunk[:min(int64(len(chunk)), n)]); err != nil {
			break // already full
		}
	}
}

// bounced reports whether a contact is marked bounced in the database.
func (d *drill) bounced(email string) bool {
	d.t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(d.dir, "heed.db"))
	must(d.t, err)
	defer db.Close()
	found := false
	must(d.t, db.View(ctx, func(tx *store.Tx) error {
		all, err := tx.Orgs()
		for _, o := range all {
			for _, c := range o.Contacts {
				found = found || (c.Email == email && !c.Bounced.IsZero())
			}
		}
		return err
	}))
	return found
}

// holdWriteLockFrom runs another process (this test binary) that takes
// the database's write lock and keeps it for d; it returns once the lock
// is taken, and the process ends by itself.
func holdWriteLockFrom(t *testing.T, path string, d time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HEED_DRILL_HOLD_LOCK="+path, "HEED_DRILL_HOLD_FOR="+d.String())
	out, err := cmd.StdoutPipe()
	must(t, err)
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("lock holder: %q, %v", line, err)
	}
}

// holdWriteLock is the lock holder's side (see TestMain): it takes the
// write lock of the database at path, says "locked", and keeps it.
func holdWriteLock(path, hold string) int {
	d, err := time.ParseDuration(hold)
	if err != nil {
		fmt.Fprintln(os.Stderr, "HEED_DRILL_HOLD_FOR:", err)
		return 2
	}
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	err = db.Update(ctx, func(tx *store.Tx) error {
		fmt.Println("locked")
		time.Sleep(d)
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
