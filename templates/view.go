package templates

import (
	"fmt"
	"strings"
	"time"
)

// view is embedded in what every template executes on: it carries the
// language-bound helpers as methods, so that one template serves both
// languages and the helpers need no global state.
type view struct {
	Title   string
	Op      *Operator // operator pages: who is signed in; nil elsewhere
	lang    string
	cat     map[string]string // the catalog of lang
	loc     *time.Location
	missing *missingKeys
}

// missingKeys collects the catalog keys a render asked for and did not
// find, so that the render returns an error naming them (see missingErr).
type missingKeys struct{ keys []string }

// newView binds a view to a language and a location. A language tag such as
// "ja-JP" or "JA" counts as its primary language; one without a catalog is
// English. A nil location is UTC.
func newView(lang string, loc *time.Location) view {
	lang = strings.ToLower(lang)
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	cat, ok := catalogs[lang]
	if !ok {
		lang, cat = langEN, catalogs[langEN]
	}
	if loc == nil {
		loc = time.UTC
	}
	return view{lang: lang, cat: cat, loc: loc, missing: &missingKeys{}}
}

// Lang is the language the view renders, always one with a catalog.
func (v view) Lang() string { return v.lang }

// T returns the catalog sentence for key, formatted with args. A missing
// key is an error rather than an empty string so that tests catch it.
func (v view) T(key string, args ...any) (string, error) {
	s, ok := v.cat[key]
	if !ok {
		return "", fmt.Errorf("no %q sentence for %q", v.lang, key)
	}
	if len(args) == 0 {
		return s, nil
	}
	return fmt.Sprintf(s, args...), nil
}

// t is T for Go code, where the keys are constants. It runs on rendering
// workers, which must not panic: a key missing from the catalogs is noted,
// and the render that asked for it returns an error (missingErr) rather
// than a mail with a hole in it.
func (v view) t(key string, args ...any) string {
	s, err := v.T(key, args...)
	if err != nil {
		v.missing.keys = append(v.missing.keys, key)
		return key
	}
	return s
}

// missingErr names the keys t did not find, or is nil.
func (v view) missingErr() error {
	if len(v.missing.keys) == 0 {
		return nil
	}
	return fmt.Errorf("no %q sentence for %s", v.lang, strings.Join(v.missing.keys, ", "))
}

// Time formats an instant in the view's location, "" for the zero time.
// Japanese readers get 2006年1月2日 15:04; the zone stays in both because an
// organization's staff may sit in another time zone than its location.
func (v view) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(v.loc)
	if v.lang == langJA {
		return t.Format("2006年1月2日 15:04 MST")
	}
	return t.Format("2006-01-02 15:04 MST")
}

// Day formats a calendar date, such as the date until which reminders pause.
func (v view) Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(v.loc)
	if v.lang == langJA {
		return t.Format("2006年1月2日")
	}
	return t.Format("2006-01-02")
}

// Sev names a severity in the view's language; an unknown value from an
// advisory is shown as given.
func (v view) Sev(s string) string {
	if t, err := v.T("sev." + strings.ToLower(s)); err == nil {
		return t
	}
	return s
}

// Status names an answer status such as "not_affected".
func (v view) Status(s string) string {
	if t, err := v.T("st." + s); err == nil {
		return t
	}
	return s
}

// Justification words a "not affected" justification code; an unknown
// code is shown as given.
func (v view) Justification(code string) string {
	if t, err := v.T("just." + code); err == nil {
		return t
	}
	return code
}

// Remedy names a remediation category; the CSAF categories are translated,
// anything else is shown as given.
func (v view) Remedy(category string) string {
	if category == "" {
		return v.t("rem.other")
	}
	if t, err := v.T("rem." + strings.ToLower(category)); err == nil {
		return t
	}
	return category
}

// Nth numbers the i-th entry of a list from 1.
func (v view) Nth(i int) int { return i + 1 }

// Lines splits a sentence at its newlines, for HTML where a newline would
// collapse into a space.
func (v view) Lines(s string) []string { return strings.Split(s, "\n") }

// Link returns u if it may be shown as a link (http or https), else "".
func (v view) Link(u string) string { return linkURL(u) }

// Org names the organization in a sentence, with a fallback when unknown.
func (v view) Org(name string) string {
	if name == "" {
		return v.t("org.fallback")
	}
	return name
}

// Statuses lists the answer statuses in the order the form offers them.
func (v view) Statuses() []string {
	return []string{"patched", "mitigated", "not_affected", "scheduled"}
}

// Relay says who published an advisory and that Heed relayed it: one
// sentence each for the publisher, an agency's revision, a verified
// signature. Nothing for an advisory stored before publishers were known.
func (v view) Relay(a AdvisoryView) []string {
	r := a.Relayed
	if r == nil {
		return nil
	}
	out := []string{v.t("relay.by", r.Publisher, v.role(r.Role))}
	if r.RevisedBy != "" {
		out = append(out, v.t("relay.revised", r.RevisedBy, v.role(r.ReviserRole)))
	}
	if r.Signer != "" {
		out = append(out, v.t("relay.signed", r.Signer))
	}
	return out
}

func (v view) role(r string) string {
	if r == "agency" || r == "vendor" {
		return v.t("role." + r)
	}
	return r
}
