package publishers

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxRevisionStep is how far one revision may move an advisory's revision
// number (its leading number: "3" to "13", "1.2" to "11.0"). Publishers
// number revisions one by one and sometimes skip a few drafts; ten leaves
// room for that. A revision applies only when it is greater than the
// stored one, so a single "revision": 999999 would block every real update
// of that advisory for good; with the step bounded, the highest a message
// can push it is ten ahead, which the publisher's next real revisions (or
// the agency's) overtake.
const MaxRevisionStep = 10

// MaxFirstRevision bounds the leading number of the first revision Heed
// sees of an advisory, for the same reason: a document that arrives at
// revision 1,000 has been revised more often than any real one.
const MaxFirstRevision = 1000

// maxFuture is how far ahead of Heed's clock a revision that is a
// timestamp (CVE JSON's dateUpdated, OSV's modified) may be: clocks
// disagree by seconds, not days; a revision dated next year would block
// every update until then.
const maxFuture = 24 * time.Hour

// CheckRevision refuses a revision that would block the advisory's later
// revisions: a number more than MaxRevisionStep past the stored one (or
// past MaxFirstRevision when there is none, old = ""), a timestamp more
// than a day ahead of now, or a revision of another kind than the stored
// one (a word after numbers sorts above every number).
func CheckRevision(old, rev string, now time.Time) error {
	rev = strings.TrimSpace(rev)
	if t, err := time.Parse(time.RFC3339Nano, rev); err == nil {
		if t.After(now.Add(maxFuture)) {
			return fmt.Errorf("revision %s is dated more than a day ahead; it would block every update until then", rev)
		}
		if old != "" {
			if _, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(old)); err != nil {
				return fmt.Errorf("revision %s is a date, but the advisory's revisions are %q", rev, old)
			}
		}
		return nil
	}
	n, numeric := leadingNumber(rev)
	if old == "" {
		if numeric && n > MaxFirstRevision {
			return fmt.Errorf("revision %s: a first revision above %d would block every later one", rev, MaxFirstRevision)
		}
		return nil
	}
	o, oldNumeric := leadingNumber(old)
	switch {
	case oldNumeric && !numeric:
		return fmt.Errorf("revision %q is not a number like the advisory's revision %s; it would sort above every later number", rev, old)
	case numeric && oldNumeric && n > o+MaxRevisionStep:
		return fmt.Errorf("revision %s jumps more than %d past revision %s; it would block every later one", rev, MaxRevisionStep, old)
	}
	return nil
}

// leadingNumber reads the first part of a dotted number ("12" of "12.0.3").
func leadingNumber(rev string) (uint64, bool) {
	head, rest, _ := strings.Cut(strings.TrimSpace(rev), ".")
	for p := range strings.SplitSeq(rest, ".") {
		if rest != "" && (p == "" || strings.Trim(p, "0123456789") != "") {
			return 0, false
		}
	}
	if head == "" || strings.Trim(head, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseUint(head, 10, 64)
	if err != nil {
		return ^uint64(0), true // more digits than fit: beyond any bound
	}
	return n, true
}
