package notifier

import (
	"strings"
	"testing"
)

// FuzzVerifyLink: no input makes link checking panic, and nothing but a
// token this engine signed is accepted.
func FuzzVerifyLink(f *testing.F) {
	e, _ := newTestEngine(f)
	good := e.Links.ackToken("case_abc", 7, t0.Add(day))
	f.Add(good)
	f.Add(strings.Replace(good, "a", "b", 1))
	f.Add("Y2FzZV94LjEuOTk5OTk5OTk5OQ.")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		l, err := e.Links.verify(tok)
		if err != nil {
			return
		}
		if tok != e.Links.ackToken(l.CaseID, l.ContactID, l.Expires) {
			t.Fatalf("accepted %q, which this engine did not sign", tok)
		}
	})
}
