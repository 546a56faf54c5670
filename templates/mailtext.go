package templates

import "strings"

// textWriter writes the text part of a mail, one part (mailParts) at a
// time. The layout is plain Go rather than a template: a fan-out renders
// tens of thousands of mails, and executing a template through reflection
// cost several times what these writes do. Every string it writes comes
// from a cleaned MailData or the catalogs.
type textWriter struct{ mailWriter }

// mailWriter is what the writers of both parts hold: the mail's view and
// what they wrote.
type mailWriter struct {
	buf []byte
	v   mailView
}

// WriteString appends s as it is.
func (w *mailWriter) WriteString(s string) { w.buf = append(w.buf, s...) }

// String is what w wrote.
func (w *mailWriter) String() string { return string(w.buf) }

// put writes each of ss as it is: in the HTML part, only markup.
func (w *mailWriter) put(ss ...string) {
	for _, s := range ss {
		w.WriteString(s)
	}
}

// wrap writes s wrapped for the text part (wrap).
func (w *textWriter) wrap(s string) { w.buf = appendWrap(w.buf, s) }

// heading writes a section heading, "== Title ==" in English.
func (w *textWriter) heading(title string) {
	w.put(w.v.t("mark"), title, w.v.t("mark.end"))
}

// field writes a "label: value" line, starting it with a newline.
func (w *textWriter) field(label, value string) {
	w.put("\n", w.v.t(label), w.v.t("sep"), value)
}

// head: the lead, the greeting, the opening paragraphs and what changed.
func (w *textWriter) head() {
	v := w.v
	w.wrap(v.said.lead)
	w.put("\n\n", v.said.greeting, "\n\n")
	for _, p := range v.said.intro {
		w.wrap(p)
		w.put("\n\n")
	}
	if changes := v.said.changes; len(changes) > 0 {
		for _, c := range changes {
			w.put("* ", c, "\n")
		}
		w.put("\n")
	}
}

// advisory: what the advisory is, shared by every recipient.
func (w *textWriter) advisory() {
	v, a := w.v, w.v.M.Advisory
	w.heading(v.t("sec.advisory"))
	w.field("l.id", a.ID)
	if a.Revision != "" {
		w.put(v.t("l.revision", a.Revision))
	}
	w.field("l.title", a.Title)
	if a.Publisher != "" {
		w.field("l.publisher", a.Publisher)
	}
	if a.Severity != "" {
		w.field("l.severity", v.Sev(a.Severity))
	}
	if len(a.CVEs) > 0 {
		w.field("l.cves", strings.Join(a.CVEs, ", "))
	}
	if !a.Published.IsZero() {
		w.field("l.published", v.Day(a.Published))
	}
	if a.URL != "" {
		w.field("l.link", a.URL)
	}
	if relay := v.Relay(a); len(relay) > 0 {
		w.put("\n")
		for _, s := range relay {
			w.put("\n", s)
		}
	}
	if v.Open() && a.KnownExploited {
		w.put("\n\n!! ", v.t("kev"))
	}
	if a.Summary != "" {
		w.put("\n\n", v.t("sec.summary"), v.t("colon"), "\n", indent("  ", a.Summary))
	}
}

// items: the recipient's items the advisory hits, and why each.
func (w *textWriter) items() {
	v := w.v
	if len(v.M.Items) == 0 {
		return
	}
	w.put("\n\n")
	w.heading(v.said.itemsHeading)
	for i, it := range v.M.Items {
		version := it.Version
		if version == "" {
			version = v.t("item.nover")
		}
		w.put("\n- ", it.Vendor, " ", it.Product, "\n  ", v.t("col.version"), v.t("sep"), version)
		if it.Asset != "" {
			w.put("\n  ", v.t("col.asset"), v.t("sep"), it.Asset)
		}
		status := v.t("item.affected")
		if it.Certainty == "possible" {
			status = v.t("item.possible")
		}
		w.put("\n  ", v.t("col.status"), v.t("sep"), status)
		if why := v.said.why[i]; why != "" {
			w.put("\n  ", v.t("item.why", why))
		}
	}
	if v.Open() && v.AnyPossible() {
		w.put("\n\n", v.wrapped("item.hint"))
	}
}

// remedies: the advisory's remediations and notes, shared by every
// recipient.
func (w *textWriter) remedies() {
	v, a := w.v, w.v.M.Advisory
	if v.Open() && len(a.Remediations) > 0 {
		w.put("\n\n")
		w.heading(v.t("sec.remedies"))
		for _, r := range a.Remediations {
			w.put("\n- ", v.Remedy(r.Category))
			if r.Details != "" {
				w.put(v.t("colon"), "\n", indent("  ", r.Details))
			}
			if r.URL != "" {
				w.put("\n  ", r.URL)
			}
		}
	}
	if len(a.Notes) > 0 {
		w.put("\n\n")
		w.heading(v.t("sec.notes"))
		for _, n := range a.Notes {
			w.put("\n", indent("  ", n))
		}
	}
}

// tail: the due date, the link and how to answer, the signature.
func (w *textWriter) tail() {
	v := w.v
	if v.Open() {
		if due := v.said.due; due != "" {
			w.put("\n\n", due)
		}
		w.put("\n\n")
		w.heading(v.t("sec.answer"))
		w.put("\n", v.t("cta.link"), v.t("colon"), "\n", v.M.AckURL, "\n\n",
			v.wrapped("cta.explain"), "\n", v.wrapped("cta.answers"))
	}
	w.end(v.said.footer)
}

// end writes the closing words and the signature with footer under it.
func (w *textWriter) end(footer string) {
	w.put("\n\n", w.v.t("closing"), "\n\n-- \n", w.v.t("sign"), "\n")
	w.wrap(footer)
	w.put("\n")
}
