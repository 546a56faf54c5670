package templates

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// mailView adds to view the sentences that depend on the whole mail, so the
// layout (mailtext.go, mailhtml.go) stays free of language-specific
// branching.
type mailView struct {
	view
	M MailData
	// said is what both parts of a case's mail say, worked out once for
	// the mail (sentences) rather than once for each part.
	said *said
}

// said holds the sentences of a case's mail that depend on its recipient
// and appear in both parts.
type said struct {
	lead, greeting, due, itemsHeading, footer string
	intro, changes                            []string
	why                                       []string // each item's reason
}

// sentences works out what both parts of the mail say.
func (v mailView) sentences() *said {
	due := v.Time(v.M.DueAt)
	s := &said{lead: v.lead(due), greeting: v.Greeting(), intro: v.Intro(), changes: v.Changes(),
		due: v.dueLine(due), itemsHeading: v.ItemsHeading(), footer: v.Footer(), why: make([]string, len(v.M.Items))}
	for i, it := range v.M.Items {
		s.why[i] = v.Why(it.Reason)
	}
	return s
}

// RenderMail renders the subject, text part and HTML part of one mail. Every
// string from the advisory, the organization and the inventory is cleaned
// first: control characters never reach the bodies and never reach the
// subject, which is built as a single line. The caller still encodes the
// subject (RFC 2047) when it writes the header.
func RenderMail(d MailData) (Mail, error) { return RenderMailShared(nil, d) }

// RenderMailShared is RenderMail taking the parts a mail shares with the
// other mails of its advisory from s (rendering them there the first
// time), so that a fan-out renders them once per kind, language and time
// zone rather than once per recipient. The result is the same, byte for
// byte. A nil s shares nothing.
func RenderMailShared(s *Shared, d MailData) (Mail, error) {
	var b Bodies
	subject, err := RenderMailTo(s, d, &b)
	if err != nil {
		return Mail{}, err
	}
	return Mail{Subject: subject, Text: string(b.Text), HTML: string(b.HTML)}, nil
}

// Bodies are the two bodies of a rendered mail as bytes, in buffers that a
// caller rendering many mails (a fan-out's) keeps from one mail to the
// next: a fresh 14 KB a mail was most of what a fan-out's rendering
// allocated, and the garbage collector's work.
type Bodies struct{ Text, HTML []byte }

// RenderMailTo is RenderMailShared writing the bodies into b, over what
// it held (growing its buffers when they are too small), and returning the
// subject; b's bytes are the mail's until the next call with b.
func RenderMailTo(s *Shared, d MailData, b *Bodies) (string, error) {
	switch d.Kind {
	case KindNotice, KindReminder, KindClosed, KindWithdrawn, KindDigest, KindUpdated, KindReplyHelp, KindExploited, KindResolved:
	default:
		return "", fmt.Errorf("render mail: unknown kind %q", d.Kind)
	}
	var parts *sharedParts
	if s != nil && d.Kind != KindReplyHelp && d.Kind != KindDigest {
		parts = s.find(d)
	}
	raw, key := d.Advisory, keyOf(d)
	if parts != nil {
		d.Advisory = AdvisoryView{} // cleaned once, when the parts were rendered
		d = cleanMailData(d)
		d.Advisory = parts.advisory
	} else {
		d = cleanMailData(d)
	}
	if d.Kind == KindReplyHelp || d.Kind == KindDigest {
		render := renderReplyHelp
		if d.Kind == KindDigest {
			render = renderDigest
		}
		m, err := render(d)
		if err != nil {
			return "", err
		}
		b.Text, b.HTML = append(b.Text[:0], m.Text...), append(b.HTML[:0], m.HTML...)
		return m.Subject, nil
	}
	v := mailView{view: newView(d.Lang, d.Location), M: d}
	if parts != nil {
		v.Title = parts.subject(v)
	} else {
		v.Title = subject(v)
	}
	v.said = v.sentences()
	if s != nil && parts == nil {
		parts = s.render(key, raw, v)
	}
	if b.Text == nil {
		b.Text, b.HTML = make([]byte, 0, 4<<10), make([]byte, 0, 10<<10)
	}
	text, html := &textWriter{mailWriter{buf: b.Text[:0], v: v}}, &htmlWriter{mailWriter{buf: b.HTML[:0], v: v}}
	for _, p := range mailParts {
		if p.shared >= 0 && parts != nil {
			text.WriteString(parts.text[p.shared])
			html.WriteString(parts.html[p.shared])
			continue
		}
		p.text(text)
		p.html(html)
	}
	b.Text, b.HTML = text.buf, html.buf
	if err := v.missingErr(); err != nil {
		return "", fmt.Errorf("render mail: %w", err)
	}
	return v.Title, nil
}

// subject builds the one-line subject. Only the advisory ID and title are
// shortened when it is too long, so the kind and the call to action at its
// ends always survive.
func subject(v mailView) string {
	a := v.M.Advisory
	var head, tail string
	switch v.M.Kind {
	case KindClosed:
		head = v.t("subj.closed")
	case KindWithdrawn:
		head = v.t("subj.withdrawn")
	case KindResolved:
		head = v.t("subj.resolved")
	default:
		switch v.M.Kind {
		case KindReminder:
			head = v.t("subj.reminder", max(v.M.Reminder, 1))
		case KindUpdated:
			head = v.t("subj.updated")
		case KindExploited:
			head = v.t("subj.exploited")
		}
		if sev := OneLine(v.Sev(a.Severity)); sev != "" {
			if v.lang == langEN {
				sev = strings.ToUpper(sev)
			}
			head = strings.TrimSpace(head + " " + truncateRunes(sev, 20) + ":")
		}
		tail = v.t("subj.notice")
		if v.M.Overdue {
			tail = v.t("subj.overdue")
		}
		if v.lang == langEN {
			tail = "— " + tail
		}
	}
	head = strings.TrimSpace("[Heed] " + head)
	middle := OneLine(strings.TrimSpace(a.ID + " " + a.Title))
	room := maxSubjectRunes - len([]rune(head)) - len([]rune(tail)) - 2
	parts := []string{head, truncateRunes(middle, room), tail}
	return OneLine(strings.Join(parts, " "))
}

// lead is the mail's first line: what to do, and by when (due, the due
// date formatted).
func (v mailView) lead(due string) string {
	a := v.M.Advisory
	id := OneLine(a.ID)
	switch {
	case v.M.Kind == KindResolved:
		return v.t("lead.resolved", id)
	case !v.Open():
		return v.t("lead.closed", id)
	case v.M.DueAt.IsZero():
		return v.t("lead.open_nodue", len(v.M.Items), id)
	case v.M.Overdue:
		return v.t("lead.overdue", len(v.M.Items), id, due)
	}
	return v.t("lead.open", len(v.M.Items), id, due)
}

// Greeting is the salutation, one or two lines.
func (v mailView) Greeting() string {
	name, org := v.M.RecipientName, v.M.OrgName
	switch {
	case name != "" && org != "":
		return v.t("greet.name_org", name, org)
	case name != "":
		return v.t("greet.name", name, org)
	case org != "":
		return v.t("greet.org", name, org)
	}
	return v.t("greet.none")
}

// Intro is the opening paragraphs: what this mail is and why it came.
func (v mailView) Intro() []string {
	var p []string
	if s := v.t("opening"); s != "" {
		p = append(p, s)
	}
	if v.M.StandIn != "" {
		p = append(p, v.t("intro.standin", v.M.StandIn))
	}
	switch v.M.Kind {
	case KindNotice:
		p = append(p, v.t("intro.notice", v.Org(v.M.OrgName)))
	case KindReminder:
		p = append(p, v.t("intro.reminder", max(v.M.Reminder, 1)))
	case KindUpdated:
		p = append(p, v.t("intro.updated", v.M.Advisory.Revision))
	case KindExploited:
		p = append(p, v.t("intro.exploited"))
	case KindResolved:
		p = append(p, v.t("intro.resolved", v.Org(v.M.OrgName)))
	case KindClosed:
		reason := v.M.ClosedReason
		if reason == "" {
			reason = v.t("closed.default")
		}
		p = append(p, v.t("intro.closed"), v.t("closed.reason", reason))
	case KindWithdrawn:
		pub := v.M.Advisory.Publisher
		if pub == "" {
			pub = v.t("pub.fallback")
		}
		p = append(p, v.t("intro.withdrawn", pub))
	}
	if v.Open() {
		if v.M.Overdue {
			p = append(p, v.t("intro.overdue"))
		}
		if v.M.Escalated && v.M.StandIn == "" { // no primary contact reads it
			p = append(p, v.t("intro.escalated"))
		}
	}
	return p
}

// Open reports whether the mail asks for an answer (notice, reminder,
// update, exploited); closed, withdrawn and resolved mails carry no call
// to action.
func (v mailView) Open() bool {
	return slices.Contains(Answerable, v.M.Kind)
}

// Changes words what changed, one sentence each.
func (v mailView) Changes() []string { return v.changes(v.M.Changes) }

// ChangeSentences words changes in lang as a mail does, one sentence each:
// what the API and the pages say of a resolved case, for instance.
func ChangeSentences(lang string, changes []Change) []string {
	return mailView{view: newView(lang, time.UTC)}.changes(changes)
}

func (v mailView) changes(changes []Change) []string {
	var out []string
	for _, c := range changes {
		switch c.Code {
		case "exploited":
			out = append(out, v.t("change.exploited", v.Day(c.ToAt)))
		case "now_at":
			out = append(out, v.t("change.now_at", c.From, c.To))
		case "gone":
			out = append(out, v.t("change.gone", c.From))
		case "due":
			out = append(out, v.t("change.due", v.Time(c.FromAt), v.Time(c.ToAt)))
		case "severity":
			out = append(out, v.t("change.severity", v.Sev(c.From), v.Sev(c.To)))
		case "fixed", "ranges", "items_added", "items_removed":
			from, to := c.From, c.To
			if from == "" {
				from = v.t("change.none")
			}
			if to == "" {
				to = v.t("change.none")
			}
			out = append(out, v.t("change."+c.Code, from, to))
		default:
			out = append(out, v.t("change.other"))
		}
	}
	return out
}

// dueLine is the due-date line (due, the due date formatted), "" when the
// case has no due date.
func (v mailView) dueLine(due string) string {
	if v.M.DueAt.IsZero() {
		return ""
	}
	if v.M.Overdue {
		return v.t("due.overdue", due)
	}
	return v.t("due", due)
}

// ItemsHeading titles the items table: once a case is closed the items are
// no longer "affected", only what the case was about.
func (v mailView) ItemsHeading() string {
	if v.Open() {
		return v.t("sec.items", len(v.M.Items))
	}
	return v.t("sec.items_was", len(v.M.Items))
}

// AnyPossible reports whether an item has no version, so the mail adds a
// hint to check the installed version.
func (v mailView) AnyPossible() bool {
	for _, it := range v.M.Items {
		if it.Certainty == "possible" {
			return true
		}
	}
	return false
}

// Footer says why the recipient gets this mail.
func (v mailView) Footer() string {
	if v.Open() {
		return v.t("foot.open", v.Org(v.M.OrgName))
	}
	return v.t("foot.closed")
}

// cleanMailData returns a copy of d with every string cleaned, so that no
// template can forget to. Slices are copied, never modified in place.
func cleanMailData(d MailData) MailData {
	d.Kind = OneLine(d.Kind)
	d.Lang = OneLine(d.Lang)
	d.OrgName = OneLine(d.OrgName)
	d.RecipientName = OneLine(d.RecipientName)
	d.AckURL = strings.TrimSpace(d.AckURL)
	d.ClosedReason = cleanText(d.ClosedReason)
	d.Advisory = cleanAdvisory(d.Advisory)
	d.Items = cleanItems(d.Items)
	d.Digest = cleanDigest(d.Digest)
	changes := make([]Change, len(d.Changes))
	for i, c := range d.Changes {
		changes[i] = Change{Code: OneLine(c.Code), From: OneLine(c.From), To: OneLine(c.To), FromAt: c.FromAt, ToAt: c.ToAt}
	}
	d.Changes = changes
	return d
}

func cleanAdvisory(a AdvisoryView) AdvisoryView {
	a.ID = OneLine(a.ID)
	a.Revision = OneLine(a.Revision)
	a.Publisher = OneLine(a.Publisher)
	if r := a.Relayed; r != nil {
		a.Relayed = &RelayedView{Publisher: OneLine(r.Publisher), Role: OneLine(r.Role), RevisedBy: OneLine(r.RevisedBy),
			ReviserRole: OneLine(r.ReviserRole), Signer: OneLine(r.Signer)}
	}
	a.Title = OneLine(a.Title)
	a.Severity = OneLine(a.Severity)
	a.Summary = strings.TrimSpace(cleanText(a.Summary))
	a.URL = linkURL(a.URL)
	a.CVEs = cleanList(a.CVEs, OneLine)
	a.Notes = cleanList(a.Notes, cleanText)
	rs := make([]RemediationView, len(a.Remediations))
	for i, r := range a.Remediations {
		rs[i] = RemediationView{
			Category: OneLine(r.Category),
			Details:  strings.TrimSpace(cleanText(r.Details)),
			URL:      linkURL(r.URL),
		}
	}
	a.Remediations = rs
	return a
}

func cleanItems(items []ItemView) []ItemView {
	out := make([]ItemView, len(items))
	for i, it := range items {
		out[i] = ItemView{
			Vendor:    OneLine(it.Vendor),
			Product:   OneLine(it.Product),
			Version:   OneLine(it.Version),
			Asset:     OneLine(it.Asset),
			Certainty: OneLine(it.Certainty),
			Reason:    cleanReason(it.Reason),
		}
	}
	return out
}

func cleanList(in []string, clean func(string) string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(clean(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// indent prefixes every line of s with pre, so that multi-line advisory text
// in the text part reads as quoted material rather than as Heed's own words.
func indent(pre, s string) string {
	return pre + strings.ReplaceAll(s, "\n", "\n"+pre)
}
