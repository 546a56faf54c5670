package templates

import (
	"html"
	"strings"
)

// KindReplyHelp answers a reply to a case's mail that Heed could not read
// as an answer: one short mail with the words it understands and the link.
const KindReplyHelp = "reply_help"

// renderReplyHelp renders the help mail; d is already cleaned. It needs
// only the advisory's ID and the contact's link.
func renderReplyHelp(d MailData) (Mail, error) {
	v := mailView{view: newView(d.Lang, d.Location), M: d}
	v.Title = OneLine("[Heed] " + v.t("help.subject", OneLine(d.Advisory.ID)))
	lines := []string{v.t("help.intro"), "", v.t("help.words"), "", v.t("help.link"), d.AckURL, "", v.t("sign")}
	var h strings.Builder
	h.WriteString("<!DOCTYPE html><html><body>")
	for _, l := range lines {
		if l == "" {
			continue
		}
		h.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(l), "\n", "<br>") + "</p>")
	}
	h.WriteString("</body></html>")
	if err := v.missingErr(); err != nil {
		return Mail{}, err
	}
	return Mail{Subject: v.Title, Text: strings.Join(lines, "\n") + "\n", HTML: h.String()}, nil
}
