package templates

import (
	"regexp"
	"strings"
)

// The matcher (package subscribers) explains each hit in one English
// sentence, stored with the case as evidence. For Japanese mail and pages the
// sentence is rewritten here from its known shapes; a sentence of an unknown
// shape is shown as it is rather than lost.
var (
	reasonVia      = regexp.MustCompile(`^(.*); (purl|CPE) (\S+) matches$`)
	reasonShapesJA = []struct {
		re  *regexp.Regexp
		out string
	}{
		{regexp.MustCompile(`^version (.+) is in range (.+)$`), "バージョン $1 は影響範囲 $2 に含まれます"},
		{regexp.MustCompile(`^version (.+) listed as affected$`), "バージョン $1 は影響を受けるバージョンとして記載されています"},
		{regexp.MustCompile(`^version (.+) listed as under_investigation$`), "バージョン $1 は調査中のバージョンとして記載されています"},
		{regexp.MustCompile(`^version (.+) (?:is|matches) the CPE's version (.+)$`), "バージョン $1 は CPE のバージョン $2 に該当します"},
		{regexp.MustCompile(`^all versions of (.+) are affected$`), "$1 の全バージョンが影響を受けます"},
		{regexp.MustCompile(`^all versions of (.+) are under_investigation$`), "$1 の全バージョンが調査中です"},
		{regexp.MustCompile(`^no version given; product (.+) is affected$`), "バージョンが登録されていません。製品 $1 は影響を受けます"},
		{regexp.MustCompile(`^no version given; product (.+) is under investigation$`), "バージョンが登録されていません。製品 $1 は調査中です"},
	}
)

// localizeReason renders a matcher's reason in lang.
func localizeReason(lang, reason string) string {
	if newView(lang, nil).lang != "ja" {
		return reason
	}
	main, via := reason, ""
	if m := reasonVia.FindStringSubmatch(reason); m != nil {
		main, via = m[1], "（"+m[2]+" "+m[3]+" で一致）"
	}
	for _, s := range reasonShapesJA {
		if s.re.MatchString(main) {
			return s.re.ReplaceAllString(main, s.out) + via
		}
	}
	return reason
}

// localizeItems rewrites the reasons of items in lang.
func localizeItems(lang string, items []ItemView) []ItemView {
	for i := range items {
		items[i].Reason = strings.TrimSpace(localizeReason(lang, items[i].Reason))
	}
	return items
}
