// Mutants breaks, one at a time, each promise listed in docs/PROMISES.md, in
// a copy of the tree, and checks that the tests of the package that keeps
// the promise fail within a minute. It is the mutation check of issue 13:
//
//	go run .ci/mutants.go            # every break
//	go run .ci/mutants.go -list      # the breaks, without running them
//	go run .ci/mutants.go NAME...    # only these
//
// It prints one Markdown table row per break (docs/PROMISES.md keeps the last
// run) and exits non-zero if a break survives, no longer applies to the
// code, or does not compile. The working tree is never touched: the tracked
// and untracked files are copied to a temporary directory, beside a link to
// ../shared, and each break is applied to the copy and undone after its run.
// It lives under .ci so that "go test ./..." does not build it.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// edit replaces the one occurrence of old, in the package's non-test Go
// files (or the break's files), with new.
type edit struct{ old, new string }

// breakage is one deliberate break of a promise, and where it must be caught.
type breakage struct {
	name  string
	pkg   string // the package whose tests must fail, relative to the module
	files string // the files edited, a glob relative to pkg; default *.go
	what  string // the break, in words
	edits []edit
	// run, when set, replaces applying edits: it prepares the copy at dir
	// and returns the extra environment of the test run and an undo.
	run func(dir string) (env []string, undo func() error, err error)
}

var breaks = []breakage{
	{name: "ack-get-records", pkg: "notifier/web", what: "a GET of /ack/{token}?status=… records the answer",
		edits: []edit{{"func (s *Server) ackPage(w http.ResponseWriter, r *http.Request) {\n",
			"func (s *Server) ackPage(w http.ResponseWriter, r *http.Request) {\n\tif st := r.URL.Query().Get(\"status\"); st != \"\" {\n\t\ts.answers.RecordAnswer(r.Context(), r.PathValue(\"token\"), notifier.AnswerInput{Status: st, Note: r.URL.Query().Get(\"note\")})\n\t}\n"}}},
	{name: "ack-post-without-csrf", pkg: "notifier/web", what: "the answer form's CSRF check removed",
		edits: []edit{{"if err != nil || field == \"\" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(field)) != 1 {",
			"if false && (err != nil || field == \"\" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(field)) != 1) {"}}},
	{name: "link-empty-key", pkg: "notifier", what: "links signed with an empty key instead of the secret",
		edits: []edit{{"hmac.New(sha256.New, lk.secret)", "hmac.New(sha256.New, nil)"}}},
	{name: "link-signs-only-expiry", pkg: "notifier", what: "the signature covers the expiry only, so a link can be moved to another case or contact",
		edits: []edit{
			{"\".\" + lk.Sign(\"ack\", payload)", "\".\" + lk.Sign(\"ack\", payload[strings.LastIndex(payload, \".\")+1:])"},
			{"[]byte(lk.Sign(\"ack\", payload))", "[]byte(lk.Sign(\"ack\", payload[strings.LastIndex(payload, \".\")+1:]))"}}},
	{name: "link-never-expires", pkg: "notifier", what: "the expiry of a link is not checked",
		edits: []edit{{"if lk.now().After(l.Expires) {", "if false {"}}},
	{name: "refusal-recorded-sent", pkg: "notifier", what: "a 4xx/5xx reply recorded as sent",
		edits: []edit{{"\tif d.err == nil {\n\t\tdv.alert.clear(dv.log, m)", "\tif true {\n\t\tdv.alert.clear(dv.log, m)"}}},
	{name: "relay-data-refusal-accepted", pkg: "notifier/relay", what: "the relay's refusal at the end of DATA read as acceptance",
		edits: []edit{{"\t_, text, err := c.reply(250)\n\tif err != nil {\n\t\treturn \"\", classify(ctx, StageData, err)\n\t}",
			"\t_, text, err := c.reply(250)\n\tif err != nil {\n\t\treturn \"250 accepted\", nil\n\t}"}}},
	{name: "mailbox-fault-retried", pkg: "notifier", what: "a 5xx mailbox fault retried instead of failing and moving to the next contact",
		edits: []edit{{"case se != nil && se.MailboxFault():", "case false:"}}},
	{name: "no-escalation-after-escalate-after", pkg: "notifier", what: "escalation after escalate_after reminders removed",
		edits: []edit{{"return c.RemindersSent > p.EscalateAfter || now.After(c.DueAt)", "return now.After(c.DueAt)"}}},
	{name: "no-escalation-when-overdue", pkg: "notifier", what: "escalation of overdue cases removed",
		edits: []edit{{"return c.RemindersSent > p.EscalateAfter || now.After(c.DueAt)", "return c.RemindersSent > p.EscalateAfter"}}},
	{name: "bounce-escalation-kept", pkg: "notifier", what: "a case a bounce escalated copies its escalation contacts on every later mail, the primary address working again or not",
		edits: []edit{{"return c.Escalated && escalates(d.policyFor(adv, c), c, now)", "return c.Escalated"}}},
	{name: "kev-past-due-kept", pkg: "notifier", what: "a catalog's due date counts even when it passed before the case's organization was told",
		edits: []edit{{"\t\tif d.After(now) {\n\t\t\treturn earliest(due, d)", "\t\tif true {\n\t\t\treturn earliest(due, d)"}}},
	{name: "digest-bounce-tells-nobody", pkg: "notifier", what: "a digest refused for good bounces its contact and mails nobody else",
		edits: []edit{{"\tif m.Kind == templates.KindDigest {\n\t\treturn cs.digestRefused(tx, m)", "\tif false {\n\t\treturn cs.digestRefused(tx, m)"}}},
	{name: "no-threading", pkg: "notifier", what: "later mails no longer reply to the first (no In-Reply-To, References)",
		edits: []edit{{"env.MessageID, env.InReplyTo = ob.messageID(prefix), first", "env.MessageID = ob.messageID(prefix)"}}},
	{name: "duplicate-publish-mails", pkg: "notifier", what: "the same revision applied again, and an open case mailed its notice again",
		edits: []edit{
			{"if cmp < 0 || cmp == 0 && old.Applied {", "if cmp < 0 {"},
			{"if c.State == store.CaseWatching && mailable(items) {", "if mailable(items) {"}}},
	{name: "answer-keeps-reminding", pkg: "notifier", what: "a \"patched\" answer leaves the case open and its reminders running",
		edits: []edit{{"\t\t\ta.Version = in.Version\n\t\t\tc.State, c.NextReminderAt = store.CaseAnswered, time.Time{}",
			"\t\t\ta.Version = in.Version"}}},
	{name: "missed-reminders-repeat", pkg: "notifier", what: "reminders missed while Heed was down sent one by one instead of collapsing",
		edits: []edit{{"if at.After(now) {", "if true {"}}},
	{name: "withdrawal-ignored", pkg: "notifier", what: "a withdrawn advisory leaves its cases open and tells nobody",
		edits: []edit{{"case adv.Withdrawn:", "case false && adv.Withdrawn:"}}},
	{name: "subject-header-injection", pkg: "notifier", what: "the advisory title written raw into the Subject header",
		edits: []edit{{"\tsubject = w.subject(subject)\n", ""}}},
	{name: "policy-refusal-bounces", pkg: "notifier/relay", what: "every 5xx read as a mailbox fault, so a relay's policy refusal (5.7.1) bounces the contact",
		edits: []edit{{"return strings.HasPrefix(e.Enhanced, \"5.1.\") || e.Enhanced == \"5.2.1\"", "return true"}}},
	{name: "mail-in-english-only", pkg: "notifier", what: "every mail written in English, whatever the organization's language",
		edits: []edit{{"Lang:          org.Language,", "Lang:          \"en\","}}},
	{name: "nats-password-logged", pkg: "cmd/heed", what: "the NATS URL's user and password written to the log unredacted",
		edits: []edit{{"parts[i] = u[:start] + \"redacted\" + u[at:]", "parts[i] = u[:start] + u[start:]"}}},
	{name: "unknown-token-is-admin", pkg: "notifier", what: "a token Heed never issued authenticates as an admin",
		edits: []edit{{"\tif errors.Is(err, store.ErrNotFound) {\n\t\treturn t, ErrUnknownToken\n\t}",
			"\tif errors.Is(err, store.ErrNotFound) {\n\t\treturn store.Token{Name: \"anyone\", Role: store.RoleAdmin}, nil\n\t}"}}},
	{name: "config-unknown-key-accepted", pkg: "cmd/heed", what: "unknown configuration keys accepted silently",
		edits: []edit{{"if undecoded := md.Undecoded(); len(undecoded) > 0 {", "if undecoded := md.Undecoded(); false && len(undecoded) > 0 {"}}},
	{name: "newer-schema-opened", pkg: "store", what: "a database of a newer schema opened instead of refused",
		edits: []edit{{"if current > len(ms) {", "if current > len(ms) && false {"}}},
	{name: "answered-case-reminded", pkg: "store", what: "the scheduler's query lists answered and closed cases too",
		edits: []edit{{"next_reminder_at <= ? AND state IN ('open', 'scheduled')\n\t\tORDER BY next_reminder_at LIMIT ?",
			"next_reminder_at <= ?\n\t\tORDER BY next_reminder_at LIMIT ?"}}},
	{name: "outcome-without-claim", pkg: "store", what: "a delivery outcome folded into the outbox whatever attempts it was claimed with, so folding it again counts it again",
		edits: []edit{{"WHERE id = ? AND attempts = ? AND (state IN", "WHERE id = ? AND attempts >= ? AND (state IN"}}},
	{name: "claim-without-outbox", pkg: "notifier", what: "a mail claimed in the delivery journal without the outbox saying it may be, so one answered after the round read it is sent",
		edits: []edit{{"if attempts, ok := claimable[s.claim.ID]; !ok || attempts != s.claim.Attempts {", "if _, ok := claimable[-1]; ok {"}}},
	{name: "migration-1-edited", pkg: "store", what: "the first migration edited, which databases already made by it never run again",
		edits: []edit{{"\tname       TEXT NOT NULL,\n\tlanguage", "\tname       TEXT NOT NULL,\n\tsector     TEXT NOT NULL DEFAULT '',\n\tlanguage"}},
		files: "migrations/0001_init.sql"},
	{name: "role-ignored", pkg: "notifier/web", what: "a viewer token granted the operator's routes",
		edits: []edit{{"return need == store.RoleViewer\n", "return need == store.RoleViewer || need == store.RoleOperator\n"}}},
	{name: "scope-ignored", pkg: "notifier/web", what: "a publisher-scoped token sees every publisher's cases",
		edits: []edit{{"Scope: publisherOf(r), OrgName:", "Scope: \"\", OrgName:"}}},
	{name: "signout-keeps-session", pkg: "notifier/web", what: "signing out clears the cookie but keeps the server's session",
		edits: []edit{{"if err := s.access.EndSession(ctx, sess.ID); err != nil {", "if err := error(nil); ctx == nil && err != nil {"}}},
	{name: "revoke-keeps-token", pkg: "notifier", what: "a revoked token keeps working",
		edits: []edit{{"if err := tx.RevokeToken(name); err != nil {", "if err := error(nil); err != nil {"}}},
	{name: "change-not-audited", pkg: "notifier/web", files: "../orgs.go", what: "an organization's update leaves no audit entry",
		edits: []edit{{"return tx.Audit(o.now(), \"org.update\", id, org.Name)", "return nil"}}},
	{name: "page-form-without-csrf", pkg: "notifier/web", what: "an operator page's form accepted without the session's CSRF value",
		edits: []edit{{"subtle.ConstantTimeCompare([]byte(r.PostFormValue(\"csrf\")), []byte(s.csrfOf(p.secret))) != 1 {", "false && subtle.ConstantTimeCompare([]byte(r.PostFormValue(\"csrf\")), []byte(s.csrfOf(p.secret))) != 1 {"}}},
	{name: "event-without-msg-id", pkg: "notifier", what: "case events published without Nats-Msg-Id, so JetStream cannot drop a re-published one",
		edits: []edit{{"\tmsg.Header.Set(jetstream.MsgIDHeader, e.ID)\n", ""}}},
	{name: "answer-without-event", pkg: "notifier", what: "an answer recorded without its event",
		edits: []edit{{"if err := an.recordEvent(tx, EventAnswered, &c, answerDetail(a)); err != nil {", "if err := error(nil); err != nil {"}}},
	{name: "overdue-told-again", pkg: "notifier", what: "an overdue case not marked, so its overdue event is recorded again every round",
		edits: []edit{{"\t\t\tc.OverdueAt = now\n", ""}}},
	{name: "event-without-answer", pkg: "notifier", what: "events no longer carry the case's answer, so a case open again after \"will patch by\" counts as silent in the agency view",
		edits: []edit{{"\t\tfields = append(fields, eventField{\"answer\", c.Answer.Status})\n", ""}}},
	{name: "view-keeps-older", pkg: "notifier", what: "the agency view folds an event older than the one it holds for the case",
		edits: []edit{{"if known && (ns < c.at || ns == c.at && seq < c.seq) {", "if false {"}}},
	{name: "corpus-missing", pkg: "notifier/formats", what: "../shared/corpus missing while CI requires it (HEED_REQUIRE_CORPUS=1)",
		run: func(dir string) ([]string, func() error, error) {
			shared := filepath.Join(filepath.Dir(dir), "shared")
			target, err := os.Readlink(shared)
			if err != nil {
				return nil, nil, err
			}
			if err := os.Remove(shared); err != nil {
				return nil, nil, err
			}
			return []string{"HEED_REQUIRE_CORPUS=1"}, func() error { return os.Symlink(target, shared) }, nil
		}},
}

func main() {
	list := flag.Bool("list", false, "list the breaks and exit")
	flag.Parse()
	if *list {
		for _, b := range breaks {
			fmt.Printf("%-36s %-16s %s\n", b.name, b.pkg, b.what)
		}
		return
	}
	chosen := breaks
	if flag.NArg() > 0 {
		chosen = nil
		for _, name := range flag.Args() {
			i := slices.IndexFunc(breaks, func(b breakage) bool { return b.name == name })
			if i < 0 {
				fmt.Fprintf(os.Stderr, "mutants: no break named %q (see -list)\n", name)
				os.Exit(2)
			}
			chosen = append(chosen, breaks[i])
		}
	}
	if err := run(chosen); err != nil {
		fmt.Fprintln(os.Stderr, "mutants:", err)
		os.Exit(1)
	}
}

func run(chosen []breakage) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "heed-mutants-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "heed")
	if err := copyTree(root, dir); err != nil {
		return fmt.Errorf("copy the tree: %w", err)
	}
	if err := os.Symlink(filepath.Join(filepath.Dir(root), "shared"), filepath.Join(tmp, "shared")); err != nil {
		return err
	}

	// The unbroken copy must pass, or a failure below would prove nothing.
	var pkgs []string
	for _, b := range chosen {
		if p := "./" + b.pkg; !slices.Contains(pkgs, p) {
			pkgs = append(pkgs, p)
		}
	}
	// One package at a time (-p 1): the drills of cmd/heed are timed, and
	// every package at once on a small machine makes them miss.
	if out, _, err := goTest(dir, nil, 5*time.Minute, append([]string{"-p", "1"}, pkgs...)...); err != nil {
		return fmt.Errorf("the unbroken copy fails its tests:\n%s", out)
	}

	fmt.Println("| break | package | result | failing tests | seconds |")
	fmt.Println("|---|---|---|---|---|")
	survived := 0
	for _, b := range chosen {
		result, tests, secs := try(dir, b)
		if result != "killed" {
			survived++
		}
		fmt.Printf("| `%s` | `%s` | %s | %s | %.0f |\n", b.name, b.pkg, result, tests, secs)
	}
	if survived > 0 {
		return fmt.Errorf("%d of %d breaks not killed", survived, len(chosen))
	}
	return nil
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// try applies one break to the copy at dir, runs its package's tests, and
// undoes the break.
func try(dir string, b breakage) (result, tests string, secs float64) {
	var env []string
	var undo func() error
	var err error
	if b.run != nil {
		env, undo, err = b.run(dir)
	} else {
		undo, err = apply(filepath.Join(dir, b.pkg), b.files, b.edits)
	}
	if err != nil {
		return "does not apply: " + err.Error(), "", 0
	}
	defer func() {
		if err := undo(); err != nil {
			panic(fmt.Sprintf("undo %s: %v", b.name, err))
		}
	}()
	out, took, err := goTest(dir, env, time.Minute, "./"+b.pkg)
	secs = took.Seconds()
	var names []string
	for _, m := range failLine.FindAllStringSubmatch(out, -1) {
		top, _, _ := strings.Cut(m[1], "/") // a subtest is named by its test
		if !slices.Contains(names, top) {
			names = append(names, top)
		}
	}
	switch {
	case err == nil:
		return "**survived**", "", secs
	case strings.Contains(out, "[build failed]") || strings.Contains(out, "[setup failed]"):
		return "does not compile", firstLines(out, 5), secs
	case len(names) == 0:
		return "failed without a failing test", firstLines(out, 5), secs
	case took > time.Minute:
		return "killed, but after a minute", "`" + strings.Join(names, "`, `") + "`", secs
	}
	return "killed", "`" + strings.Join(names, "`, `") + "`", secs
}

// apply makes each edit in the one file of pkgDir matching glob (test files
// excepted) that holds its text, and returns how to restore the files.
func apply(pkgDir, glob string, edits []edit) (func() error, error) {
	saved := map[string][]byte{}
	undo := func() error {
		for path, b := range saved {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	if glob == "" {
		glob = "*.go"
	}
	for _, e := range edits {
		files, err := filepath.Glob(filepath.Join(pkgDir, glob))
		if err != nil {
			return nil, err
		}
		var found []string
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			for range bytes.Count(b, []byte(e.old)) {
				found = append(found, f)
			}
		}
		if len(found) != 1 {
			undo()
			return nil, fmt.Errorf("%q occurs %d times in %s, want once", firstLines(e.old, 1), len(found), pkgDir)
		}
		b, _ := os.ReadFile(found[0])
		if _, ok := saved[found[0]]; !ok {
			saved[found[0]] = b
		}
		if err := os.WriteFile(found[0], bytes.Replace(b, []byte(e.old), []byte(e.new), 1), 0o644); err != nil {
			undo()
			return nil, err
		}
	}
	return undo, nil
}

// goTest runs the packages' tests in dir, uncached, each test bounded by
// limit; the command is killed at twice that.
func goTest(dir string, env []string, limit time.Duration, pkgs ...string) (string, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*limit)
	defer cancel()
	// -failfast: the first failing test ends the run, so a package whose
	// whole suite is long (cmd/heed's drills) still answers quickly.
	// The reliability drills (cmd/heed's TestDrill*, docs/RELIABILITY.md)
	// are skipped: they take minutes, guard no promise here alone, and
	// missed their marks when run from a copy on a loaded machine.
	args := append([]string{"test", "-count=1", "-failfast", "-skip", "^TestDrill", "-timeout", limit.String()}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "HEED_REQUIRE_CORPUS=1", "HEED_REQUIRE_BROWSER="), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	return string(out), time.Since(start), err
}

func repoRoot() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("find the repository: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// copyTree copies the files git knows of (tracked, or untracked and not
// ignored) from root to dst.
func copyTree(root, dst string) error {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return err
	}
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil {
			return err
		}
		path := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[:min(n, len(lines))], " ")
}
