package templates

import (
	"fmt"
	"strconv"
	"time"
)

// KindDigest is a daily digest: one mail listing every case of an
// organization whose reminder fell due since the last one.
const KindDigest = "digest"

// DigestEntry is one case in a digest, with its own answer link.
type DigestEntry struct {
	Advisory  AdvisoryView
	Items     []ItemView
	DueAt     time.Time
	Overdue   bool
	Reminder  int  // which reminder of the case this is
	Escalated bool // escalation contacts get it too
	AckURL    string
}

// renderDigest renders a digest; d is already cleaned.
func renderDigest(d MailData) (Mail, error) {
	if len(d.Digest) == 0 {
		return Mail{}, fmt.Errorf("render digest: it lists no case")
	}
	v := mailView{view: newView(d.Lang, d.Location), M: d}
	v.Title = OneLine("[Heed] " + v.Count("subj.digest", len(d.Digest)))
	text, html := &textWriter{mailWriter{v: v}}, &htmlWriter{mailWriter{v: v}}
	text.digest()
	html.digest()
	if err := v.missingErr(); err != nil {
		return Mail{}, fmt.Errorf("render digest: %w", err)
	}
	return Mail{Subject: v.Title, Text: text.String(), HTML: html.String()}, nil
}

// digest writes a digest's text part: each case with its due date, its
// items, what to do and its own link.
func (w *textWriter) digest() {
	v := w.v
	w.put(wrap(v.DigestLead()), "\n\n", v.Greeting(), "\n\n", wrap(v.t("digest.lead", len(v.M.Digest), v.Org(v.M.OrgName))))
	if v.M.StandIn != "" {
		w.put("\n\n", wrap(v.t("intro.standin", v.M.StandIn)))
	}
	for i, e := range v.M.Digest {
		w.put("\n\n")
		w.heading(strconv.Itoa(i+1) + ". " + v.EntryHeading(e))
		if due := v.EntryDue(e); due != "" {
			w.put("\n", due)
		}
		if e.Advisory.KnownExploited {
			w.put("\n!! ", v.t("kev"))
		}
		if e.Advisory.URL != "" {
			w.field("l.link", e.Advisory.URL)
		}
		w.put("\n", v.t("digest.items", len(e.Items)), v.t("colon"))
		for _, it := range v.EntryItems(e) {
			w.put("\n  - ", it)
		}
		for _, r := range e.Advisory.Remediations {
			w.put("\n", v.Remedy(r.Category))
			if r.Details != "" {
				w.put(v.t("colon"), "\n", indent("  ", r.Details))
			}
		}
		w.put("\n", v.t("cta.link"), v.t("colon"), "\n", e.AckURL)
	}
	w.put("\n\n", wrap(v.t("digest.explain")), "\n", v.wrapped("cta.answers"))
	w.end(v.t("digest.foot", v.Org(v.M.OrgName)))
}

// digest writes a digest's HTML part, as its text part.
func (w *htmlWriter) digest() {
	v := w.v
	w.start(v.DigestLead(), v.Greeting())
	w.put("<p", mailStyleAttr("p"), ">")
	w.el("strong", "", v.t("digest.lead", len(v.M.Digest), v.Org(v.M.OrgName)))
	w.put("</p>")
	if v.M.StandIn != "" {
		w.put("\n")
		w.el("p", "p", v.t("intro.standin", v.M.StandIn))
	}
	for i, e := range v.M.Digest {
		w.put("\n")
		w.el("h2", "h2", strconv.Itoa(i+1)+". "+v.EntryHeading(e))
		if due := v.EntryDue(e); due != "" {
			style := "due"
			if e.Overdue {
				style = "alert"
			}
			w.put("\n")
			w.el("p", style, due)
		}
		if e.Advisory.KnownExploited {
			w.put("\n")
			w.el("p", "kev", v.t("kev"))
		}
		if e.Advisory.URL != "" {
			w.put("\n<p", mailStyleAttr("small"), ">")
			w.esc(v.t("l.link") + v.t("sep"))
			w.link(e.Advisory.URL, "", e.Advisory.URL)
			w.put("</p>")
		}
		w.put("\n")
		w.el("p", "p", v.t("digest.items", len(e.Items))+v.t("colon"))
		w.put("\n<ul>")
		for _, it := range v.EntryItems(e) {
			w.put("\n")
			w.el("li", "", it)
		}
		w.put("\n</ul>")
		for _, r := range e.Advisory.Remediations {
			w.put("\n<p", mailStyleAttr("p"), ">")
			w.el("strong", "", v.Remedy(r.Category))
			if r.Details != "" {
				w.esc(v.t("colon") + " " + r.Details)
			}
			w.put("</p>")
		}
		w.put("\n<p", mailStyleAttr("p"), ">")
		w.link(e.AckURL, "button", v.t("cta.link"))
		w.put("</p>")
	}
	w.put("\n")
	w.el("p", "small", v.t("digest.explain"))
	w.put("\n")
	w.el("p", "small", v.t("cta.answers"))
	w.end(v.t("digest.foot", v.Org(v.M.OrgName)))
}

// DigestLead is a digest's first line: how many answers, the first by when.
func (v mailView) DigestLead() string {
	var first time.Time
	for _, e := range v.M.Digest {
		if !e.DueAt.IsZero() && (first.IsZero() || e.DueAt.Before(first)) {
			first = e.DueAt
		}
	}
	if first.IsZero() {
		return v.t("lead.digest_nodue", len(v.M.Digest))
	}
	return v.t("lead.digest", len(v.M.Digest), v.Time(first))
}

// EntryHeading is one digest entry's heading: its severity and advisory.
func (v mailView) EntryHeading(e DigestEntry) string {
	a := e.Advisory
	sev := OneLine(v.Sev(a.Severity))
	if sev != "" {
		sev += v.t("sep")
	}
	return sev + OneLine(a.ID+" "+a.Title)
}

// EntryDue is one digest entry's due-date line.
func (v mailView) EntryDue(e DigestEntry) string {
	if e.DueAt.IsZero() {
		return ""
	}
	if e.Overdue {
		return v.t("due.overdue", v.Time(e.DueAt))
	}
	return v.t("due", v.Time(e.DueAt))
}

// EntryItems names an entry's items on one line each.
func (v mailView) EntryItems(e DigestEntry) []string {
	out := make([]string, 0, len(e.Items))
	for _, it := range e.Items {
		version := it.Version
		if version == "" {
			version = v.t("item.nover")
		}
		s := OneLine(it.Vendor + " " + it.Product + " " + version)
		if it.Asset != "" {
			s += " (" + it.Asset + ")"
		}
		if it.Certainty == "possible" {
			s += " — " + v.t("item.possible")
		}
		out = append(out, s)
	}
	return out
}

func cleanDigest(in []DigestEntry) []DigestEntry {
	out := make([]DigestEntry, len(in))
	for i, e := range in {
		e.Advisory = cleanAdvisory(e.Advisory)
		e.Items = cleanItems(e.Items)
		e.AckURL = linkURL(e.AckURL)
		out[i] = e
	}
	return out
}
