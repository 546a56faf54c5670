package notifier

import (
	"strings"
	"testing"
)

// TestReplyAndBounceAddresses: the local parts Heed gives verify to what
// they name, fit RFC 5321's 64 octets, survive lowercasing, and break when
// edited or used for the other purpose.
func TestReplyAndBounceAddresses(t *testing.T) {
	t.Parallel()
	e, _ := newTestEngine(t)
	lk := e.Links
	reply := lk.replyLocal("case_abcdefghijklmnop", 42)
	bounce := lk.bounceLocal(12345)
	for _, local := range []string{reply, bounce} {
		if len(local) > 64 || local != strings.ToLower(local) {
			t.Errorf("local part %q: want lowercase, at most 64 octets", local)
		}
	}
	if l, err := lk.ReplyTarget(strings.ToUpper(reply)); err != nil || l.CaseID != "case_abcdefghijklmnop" || l.ContactID != 42 {
		t.Errorf("ReplyTarget(%q) = %+v, %v", reply, l, err)
	}
	if id, err := lk.BounceTarget(bounce); err != nil || id != 12345 {
		t.Errorf("BounceTarget(%q) = %d, %v", bounce, id, err)
	}
	for _, bad := range []string{
		strings.Replace(reply, ".42.", ".43.", 1),
		strings.Replace(reply, "case_abc", "case_abd", 1),
		"r.case_abcdefghijklmnop.42.aaaaaaaaaaaaaaaaaaaaaaaa",
		bounce, "", "r...",
	} {
		if _, err := lk.ReplyTarget(bad); err == nil {
			t.Errorf("ReplyTarget accepted %q", bad)
		}
	}
	for _, bad := range []string{strings.Replace(bounce, "12345", "12346", 1), reply, "b.1.x"} {
		if _, err := lk.BounceTarget(bad); err == nil {
			t.Errorf("BounceTarget accepted %q", bad)
		}
	}
}
