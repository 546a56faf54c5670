package templates

import "strings"

// htmlWriter writes the HTML part of a mail, one part (mailParts) at a
// time, as textWriter writes the text part. Every value goes through esc
// or href, which escape it as html/template would in the same place, so
// the mails are what the templates they replace rendered, byte for byte.
type htmlWriter struct{ mailWriter }

// esc writes s escaped for HTML text or a quoted attribute value.
func (w *htmlWriter) esc(s string) { w.buf = appendEscaped(w.buf, s) }

// appendEscaped appends s escaped for HTML text or a quoted attribute
// value.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		if r := htmlEscapes[s[i]]; r != "" {
			b = append(b, s[last:i]...)
			b = append(b, r...)
			last = i + 1
		}
	}
	return append(b, s[last:]...)
}

// htmlEscapes are html/template's escapes in text and quoted attributes
// (NUL becomes U+FFFD; '+' is escaped against UTF-7 sniffing).
var htmlEscapes = [256]string{0: "\uFFFD", '"': "&#34;", '&': "&amp;", '\'': "&#39;", '+': "&#43;", '<': "&lt;", '>': "&gt;"}

// href writes u as the value of a quoted URL attribute: a URL of any
// scheme but http, https and mailto becomes "#ZgotmplZ", as html/template
// makes it; bytes a URL may not hold are percent-encoded (an existing
// escape is kept); then the attribute escapes, byte by byte, which leave
// a percent-encoding as it is.
func (w *htmlWriter) href(u string) {
	if scheme, _, ok := strings.Cut(u, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		u = "#ZgotmplZ"
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if urlKeeps(c) || c == '%' && i+2 < len(u) && isHexDigit(u[i+1]) && isHexDigit(u[i+2]) {
			if r := htmlEscapes[c]; r != "" {
				w.buf = append(w.buf, r...)
			} else {
				w.buf = append(w.buf, c)
			}
			continue
		}
		w.buf = append(w.buf, '%', lowerHex[c>>4], lowerHex[c&0x0f])
	}
}

const lowerHex = "0123456789abcdef"

// urlKeeps reports the bytes a URL keeps as they are: letters, digits,
// the unreserved marks and the reserved delimiters of RFC 3986, but not
// the quote and parentheses.
func urlKeeps(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("-._~!#$&*+,/:;=?@[]", c) >= 0
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// el writes <tag style="…">text</tag>, the text escaped.
func (w *htmlWriter) el(tag, style, text string) {
	w.put("<", tag, mailStyleAttr(style), ">")
	w.esc(text)
	w.put("</", tag, ">")
}

// row opens a row of the advisory's table with its label; the caller
// writes the value and closes it with "</td></tr>".
func (w *htmlWriter) row(label string) {
	w.put("\n<tr>")
	w.el("td", "k", w.v.t(label))
	w.put("<td", mailStyleAttr("v"), ">")
}

// lines writes s with its newlines as <br>.
func (w *htmlWriter) lines(s []string) {
	for i, l := range s {
		if i > 0 {
			w.put("<br>")
		}
		w.esc(l)
	}
}

// head: the document's head, the lead, the greeting, the opening
// paragraphs, what changed and, when overdue, the due date.
func (w *htmlWriter) head() {
	v := w.v
	w.start(v.said.lead, v.said.greeting)
	for _, p := range v.said.intro {
		w.el("p", "p", p)
		w.put("\n")
	}
	if changes := v.said.changes; len(changes) > 0 {
		w.put("<ul>")
		for _, c := range changes {
			w.put("\n<li", mailStyleAttr("p"), "><strong>")
			w.esc(c)
			w.put("</strong></li>")
		}
		w.put("\n</ul>\n")
	}
	if v.Open() && v.M.Overdue {
		w.el("p", "alert", v.said.due)
		w.put("\n")
	}
}

// start writes the document's head, the mail's lead and its greeting.
func (w *htmlWriter) start(lead, greeting string) {
	v := w.v
	w.put("<!DOCTYPE html>\n<html lang=\"")
	w.esc(v.Lang())
	w.put("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	w.esc(v.Title)
	w.put("</title>\n</head>\n<body", mailStyleAttr("body"), ">\n<div", mailStyleAttr("wrap"), ">\n")
	w.el("p", "lead", lead)
	w.put("\n<p", mailStyleAttr("p"), ">")
	w.lines(strings.Split(greeting, "\n"))
	w.put("</p>\n")
}

// advisory: what the advisory is, shared by every recipient.
func (w *htmlWriter) advisory() {
	v, a := w.v, w.v.M.Advisory
	w.el("h2", "h2", v.t("sec.advisory"))
	w.put("\n<table", mailStyleAttr("kv"), ` role="presentation">`)
	w.row("l.id")
	w.esc(a.ID)
	if a.Revision != "" {
		w.esc(v.t("l.revision", a.Revision))
	}
	w.put("</td></tr>")
	w.row("l.title")
	w.el("strong", "", a.Title)
	w.put("</td></tr>")
	if a.Publisher != "" {
		w.row("l.publisher")
		w.esc(a.Publisher)
		w.put("</td></tr>")
	}
	if a.Severity != "" {
		w.row("l.severity")
		w.el("strong", "", v.Sev(a.Severity))
		w.put("</td></tr>")
	}
	if len(a.CVEs) > 0 {
		w.row("l.cves")
		w.esc(strings.Join(a.CVEs, ", "))
		w.put("</td></tr>")
	}
	if !a.Published.IsZero() {
		w.row("l.published")
		w.esc(v.Day(a.Published))
		w.put("</td></tr>")
	}
	if a.URL != "" {
		w.row("l.link")
		w.link(a.URL, "", a.URL)
		w.put("</td></tr>")
	}
	w.put("\n</table>")
	if relay := v.Relay(a); len(relay) > 0 {
		w.put("\n<p", mailStyleAttr("small"), ">")
		w.lines(relay)
		w.put("</p>")
	}
	if v.Open() && a.KnownExploited {
		w.put("\n")
		w.el("p", "kev", v.t("kev"))
	}
	if a.Summary != "" {
		w.put("\n")
		w.el("h2", "h2", v.t("sec.summary"))
		w.put("\n")
		w.el("div", "quote", a.Summary)
	}
}

// link writes <a href="u">text</a>, with a style when style is not "".
func (w *htmlWriter) link(u, style, text string) {
	w.put(`<a href="`)
	w.href(u)
	w.put(`"`, mailStyleAttr(style), ">")
	w.esc(text)
	w.put("</a>")
}

// items: the recipient's items the advisory hits, and why each.
func (w *htmlWriter) items() {
	v := w.v
	if len(v.M.Items) == 0 {
		return
	}
	w.put("\n")
	w.el("h2", "h2", v.said.itemsHeading)
	w.put("\n<table", mailStyleAttr("table"), ">\n<tr>")
	for _, col := range []string{"col.vendor", "col.product", "col.version", "col.asset", "col.status"} {
		w.el("th", "th", v.t(col))
	}
	w.put("</tr>")
	for i, it := range v.M.Items {
		version := it.Version
		if version == "" {
			version = v.t("item.nover")
		}
		w.put("\n<tr>")
		w.el("td", "td", it.Vendor)
		w.el("td", "td", it.Product)
		w.el("td", "td", version)
		w.el("td", "td", it.Asset)
		w.put("<td", mailStyleAttr("td"), ">")
		if it.Certainty == "possible" {
			w.el("span", "maybe", v.t("item.possible"))
		} else {
			w.esc(v.t("item.affected"))
		}
		if why := v.said.why[i]; why != "" {
			w.put("<br>")
			w.el("span", "why", v.t("item.why", why))
		}
		w.put("</td></tr>")
	}
	w.put("\n</table>")
	if v.Open() && v.AnyPossible() {
		w.put("\n")
		w.el("p", "small", v.t("item.hint"))
	}
}

// remedies: the advisory's remediations and notes, shared by every
// recipient.
func (w *htmlWriter) remedies() {
	v, a := w.v, w.v.M.Advisory
	if v.Open() && len(a.Remediations) > 0 {
		w.put("\n")
		w.el("h2", "h2", v.t("sec.remedies"))
		w.put("\n<ul>")
		for _, r := range a.Remediations {
			w.put("\n<li", mailStyleAttr("p"), ">")
			w.el("strong", "", v.Remedy(r.Category))
			if r.Details != "" {
				w.el("div", "quote", r.Details)
			}
			if r.URL != "" {
				w.link(r.URL, "", r.URL)
			}
			w.put("</li>")
		}
		w.put("\n</ul>")
	}
	if len(a.Notes) > 0 {
		w.put("\n")
		w.el("h2", "h2", v.t("sec.notes"))
		for _, n := range a.Notes {
			w.put("\n")
			w.el("div", "quote", n)
		}
	}
}

// tail: the due date, the button and how to answer, the signature.
func (w *htmlWriter) tail() {
	v := w.v
	if v.Open() {
		if due := v.said.due; due != "" && !v.M.Overdue {
			w.put("\n")
			w.el("p", "due", due)
		}
		w.put("\n")
		w.el("h2", "h2", v.t("sec.answer"))
		w.put("\n<p", mailStyleAttr("p"), ">")
		w.link(v.M.AckURL, "button", v.t("cta.link"))
		w.put("</p>\n")
		w.el("p", "small", v.t("cta.explain"))
		w.put("\n")
		w.el("p", "small", v.t("cta.answers"))
	}
	w.end(v.said.footer)
}

// end writes the closing words, the signature with footer under it, and
// closes the document.
func (w *htmlWriter) end(footer string) {
	w.put("\n")
	w.el("p", "p", w.v.t("closing"))
	w.put("\n<div", mailStyleAttr("foot"), ">")
	w.esc(w.v.t("sign"))
	w.put("<br>")
	w.esc(footer)
	w.put("</div>\n</div>\n</body>\n</html>\n")
}

// mailStyles are the inline styles of the HTML part. Mail clients drop
// <style> blocks and external sheets, so every element carries its own.
var mailStyles = map[string]string{
	"body":   "margin:0;padding:0;background:#f4f4f4;",
	"wrap":   "max-width:640px;margin:0 auto;padding:24px;background:#ffffff;font-family:-apple-system,'Segoe UI',Helvetica,Arial,'Hiragino Sans','Meiryo',sans-serif;font-size:15px;line-height:1.6;color:#1a1a1a;",
	"p":      "margin:0 0 12px 0;",
	"lead":   "margin:0 0 16px 0;padding:10px 12px;background:#eef3fb;border-left:4px solid #1f5fbf;font-weight:bold;",
	"h2":     "margin:24px 0 8px 0;font-size:17px;",
	"kv":     "border-collapse:collapse;margin:0 0 12px 0;",
	"k":      "padding:2px 12px 2px 0;color:#555555;vertical-align:top;white-space:nowrap;",
	"v":      "padding:2px 0;vertical-align:top;",
	"kev":    "margin:12px 0;padding:10px 12px;background:#fde8e8;border-left:4px solid #c0392b;font-weight:bold;",
	"alert":  "margin:12px 0;padding:10px 12px;background:#fff4e0;border-left:4px solid #e67e22;",
	"quote":  "margin:0 0 12px 0;padding:8px 12px;background:#f7f7f7;border-left:3px solid #cccccc;white-space:pre-wrap;",
	"table":  "border-collapse:collapse;width:100%;margin:0 0 12px 0;font-size:14px;",
	"th":     "text-align:left;padding:6px 8px;border-bottom:2px solid #cccccc;",
	"td":     "padding:6px 8px;border-bottom:1px solid #e5e5e5;vertical-align:top;",
	"why":    "color:#555555;font-size:13px;",
	"maybe":  "color:#a04000;font-weight:bold;",
	"due":    "margin:16px 0;font-weight:bold;",
	"button": "display:inline-block;padding:12px 20px;background:#1f5fbf;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold;",
	"small":  "color:#555555;font-size:13px;",
	"foot":   "margin:24px 0 0 0;padding-top:12px;border-top:1px solid #e5e5e5;color:#777777;font-size:12px;",
}

// mailStyleAttrs are the mail styles as attributes, ` style="…"`,
// escaped once.
var mailStyleAttrs = func() map[string]string {
	m := make(map[string]string, len(mailStyles))
	for name, style := range mailStyles {
		m[name] = string(append(appendEscaped([]byte(` style="`), style), '"'))
	}
	return m
}()

// mailStyleAttr returns the style attribute of a mail style, "" for
// the name "" (an element without one). A name without a style is a
// mistake of this file, caught by the golden mails.
func mailStyleAttr(name string) string { return mailStyleAttrs[name] }
