package templates

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
)

// The operator's language: Operator.Lang, chosen by the operator (the web
// package keeps the choice) and defaulting from the browser's
// Accept-Language (PickLang). Operator pages render through opView, their
// words are "op." keys of catalog_operator.go, and Go code outside this
// package words an operator's message with OpText.

// opView is the view every operator page renders with: the operator's
// language, and times in UTC, since operators compare them with relay
// and server logs. A nil op (a page rendered without a request) is English.
func opView(op *Operator) view {
	lang := langEN
	if op != nil {
		lang = op.Lang
	}
	v := newView(lang, time.UTC)
	v.Op = op
	return v
}

// OpText is the operator's sentence for key (an "op." key) in lang,
// formatted with args; a key the catalogs lack is given as it is, so that
// a message is never lost (a test holds every key used to the catalogs).
func OpText(lang, key string, args ...any) string {
	if s, err := newView(lang, nil).T(key, args...); err == nil {
		return s
	}
	return key
}

// OpCount words n of something in lang, as Count does on a page: key's
// sentence with n written with separators, or its ".one" twin when n is 1
// ("1 case closed", "2 cases closed"), for OpText's arguments.
func OpCount(lang, key string, n any) string {
	return newView(lang, nil).Count(key, n)
}

// PickLang chooses the operator pages' language from an Accept-Language
// header: the catalog language the browser ranks highest (by q, then by
// order), else English. "ja-JP" counts as "ja"; "*" and q=0 choose nothing.
func PickLang(accept string) string {
	best, bestQ := langEN, 0.0
	for _, part := range strings.Split(accept, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		tag = strings.ToLower(strings.TrimSpace(tag))
		if i := strings.IndexAny(tag, "-_"); i > 0 {
			tag = tag[:i]
		}
		if _, ok := catalogs[tag]; ok && q > bestQ {
			best, bestQ = tag, q
		}
	}
	return best
}

// OtherLang is the language the switch on every operator page offers.
func (v view) OtherLang() string {
	if v.lang == langJA {
		return langEN
	}
	return langJA
}

// Num writes a count (an int or int64) with thousands separators (12,345),
// as both English and Japanese readers write large numbers.
func (v view) Num(n any) string {
	var s string
	switch n := n.(type) {
	case int:
		s = strconv.Itoa(n)
	case int64:
		s = strconv.FormatInt(n, 10)
	default:
		return fmt.Sprint(n)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Count words n (an int or int64) of something: key's sentence with n
// written by Num, or its ".one" twin when n is 1 ("1 case", "2 cases").
func (v view) Count(key string, n any) string {
	if v.Num(n) == "1" {
		if s, err := v.T(key+".one", v.Num(n)); err == nil {
			return s
		}
	}
	return v.t(key, v.Num(n))
}

// StateName words a case state for the operator's pages.
func (v view) StateName(s string) string { return v.t("op.state." + s) }

// MailState words an outbox state; one this Heed does not know is shown
// as it is.
func (v view) MailState(s string) string { return v.Word("op.mail.", s) }

// MailStateHelp says what an outbox state means.
func (v view) MailStateHelp(s string) string { return v.t("op.mail." + s + ".help") }

// MailStates lists the outbox states in the order the outbox explains them.
func (v view) MailStates() []string {
	return []string{"pending", "sending", "sent", "failed", "held", "cancelled"}
}

// MailKind words the kind of a mail (notice, reminder, …); a kind without
// wording is shown as it is.
func (v view) MailKind(k string) string { return v.Word("op.kind.", k) }

// RoleName words a token's role.
func (v view) RoleName(r string) string { return v.Word("op.role.", r) }

// Word is the sentence of prefix+code, or code itself if there is none:
// for codes that come from the store (a contact's role, an org's digest)
// and may be newer than the catalog.
func (v view) Word(prefix, code string) string {
	if s, err := v.T(prefix + code); err == nil {
		return s
	}
	return code
}

// Sentences is a copy of the catalog of lang, for checks of rendered pages
// (templates/pagecheck).
func Sentences(lang string) map[string]string {
	return maps.Clone(catalogs[newView(lang, nil).lang])
}
