package templates

import (
	"bytes"
	"fmt"
	texttemplate "text/template"
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

var (
	digestText = texttemplate.Must(texttemplate.New("digest.txt.tmpl").
			Funcs(texttemplate.FuncMap{"indent": indent, "wrap": wrap}).
			ParseFS(files, "mail/digest.txt.tmpl"))
	digestHTML = parseMailHTML("mail/digest.html.tmpl")
)

// renderDigest renders a digest; d is already cleaned.
func renderDigest(d MailData) (Mail, error) {
	if len(d.Digest) == 0 {
		return Mail{}, fmt.Errorf("render digest: it lists no case")
	}
	v := mailView{view: newView(d.Lang, d.Location), M: d}
	v.Title = OneLine("[Heed] " + v.Count("subj.digest", len(d.Digest)))
	var text, html bytes.Buffer
	if err := digestText.Execute(&text, v); err != nil {
		return Mail{}, fmt.Errorf("render digest text: %w", err)
	}
	if err := digestHTML.Execute(&html, v); err != nil {
		return Mail{}, fmt.Errorf("render digest html: %w", err)
	}
	if err := v.missingErr(); err != nil {
		return Mail{}, fmt.Errorf("render digest: %w", err)
	}
	return Mail{Subject: v.Title, Text: text.String(), HTML: html.String()}, nil
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
