package templates

import (
	"fmt"
	"strings"
)

// Reason says why an inventory item matched, as the matcher gives it and
// the store keeps it (store.Reason has the same fields): Code names the
// sentence, Args fill it in order, and Via ("purl" or "cpe", "" for a match
// by name) says how the product was recognized, with the purl or CPE in Key.
type Reason struct {
	Code string
	Args []string
	Via  string
	Key  string
}

// ReasonText renders r as a sentence in lang (English when lang has no
// catalog); "" when r has no code.
func ReasonText(lang string, r Reason) string {
	return newView(lang, nil).Why(r)
}

// Why renders a match reason in the view's language. A code without a
// sentence here, or with the wrong number of arguments, is shown as its
// code and arguments rather than lost or garbled.
func (v view) Why(r Reason) string {
	if r.Code == "" {
		return ""
	}
	s, ok := v.cat["reason."+r.Code]
	if !ok || strings.Count(s, "%s") != len(r.Args) {
		s = r.Code + "(" + strings.Join(r.Args, ", ") + ")"
	} else if len(r.Args) > 0 {
		s = fmt.Sprintf(s, toAny(r.Args)...)
	}
	if r.Via != "" {
		if via, err := v.T("reason.via."+r.Via, s, r.Key); err == nil {
			return via
		}
		return s + " (" + r.Via + " " + r.Key + ")"
	}
	return s
}

func toAny(args []string) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
	}
	return out
}

func cleanReason(r Reason) Reason {
	args := make([]string, len(r.Args))
	for i, a := range r.Args {
		args[i] = OneLine(a)
	}
	return Reason{Code: OneLine(r.Code), Args: args, Via: OneLine(r.Via), Key: OneLine(r.Key)}
}
