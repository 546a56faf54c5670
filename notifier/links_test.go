package notifier

import (
	"strings"
	"testing"
)

// FuzzVerifyLink: no input makes link checking panic, and nothing is
// accepted but a token signed with the engine's secret, as computed by the
// test itself (signedToken), not by the code under test.
func FuzzVerifyLink(f *testing.F) {
	e, _ := newTestEngine(f)
	good := signedToken(testAckSecret, "case_abc", 7, t0.Add(day))
	f.Add(good)
	f.Add(strings.Replace(good, "a", "b", 1))
	f.Add(signedToken(nil, "case_abc", 7, t0.Add(day)))
	f.Add("Y2FzZV94LjEuOTk5OTk5OTk5OQ.")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		l, err := e.Links.Verify(tok)
		if err != nil {
			return
		}
		if tok != signedToken(testAckSecret, l.CaseID, l.ContactID, l.Expires) {
			t.Fatalf("accepted %q, which was not signed with the engine's secret", tok)
		}
		if e.Now().After(l.Expires) {
			t.Fatalf("accepted %q, expired at %s", tok, l.Expires)
		}
	})
}
