package advisory

import (
	"regexp"
	"strings"
)

// readVersionText is the small phrase reader for the version names vendors
// write in free text: CSAF product_version_range names that are not vers
// strings ("<= 2.24", "All versions < V8.2 SP1", ">= 2.0 | <= 3.0"), and CSAF
// product_version names that are lists or phrases ("1.0 | 1.1", "2.3.6 and
// below"). It understands:
//
//   - alternatives separated by "|", and lists joined by "," or "and";
//   - comparators <, <=, >, >=, = (and ≤ ≥), a lower bound pairing with the
//     upper bound that follows it (">" makes Introduced exclusive);
//   - "prior to X", "before X", "below X", "earlier than X" (X excluded);
//     "X and prior", "X and earlier", "X and below", "X or older", "up to X",
//     "through X" (X included); "X and later", "X or newer" (X onwards);
//     "A through B", "A to B", "A - B", "between A and B" (both included);
//     "A (including) and B (excluding)";
//   - words up to "version(s)" ("All versions", "All firmware versions",
//     "SCADA Web Server Version"), words before a first comparator ("BIOS <
//     V21.01") and a trailing parenthetical or "with …" qualifier, which are
//     dropped; "*" and "All versions" alone mean every version.
//
// A version itself may contain spaces ("V14 SP1 Update 10", "2017 R2") but
// must start like a version (see LooksLikeVersion); a parenthesis written
// against it ("02.07.07(10)") is part of it. It reports false when any part
// of the text is not understood; the caller then decides how to keep the
// product.
func readVersionText(text string) (Versions, bool) {
	s := strings.Join(strings.Fields(text), " ")
	if s == "" {
		return Versions{}, false
	}
	var spec Versions
	var lower *constraint
	flushLower := func() {
		if lower != nil {
			spec.Ranges = append(spec.Ranges, Range{Introduced: lower.version, IntroducedExclusive: lower.op == ">"})
			lower = nil
		}
	}
	for _, alt := range joinQualifiers(strings.Split(s, "|")) {
		cs, every, ok := readAlternative(alt)
		if !ok {
			return Versions{}, false
		}
		if every {
			return Versions{Every: true}, true
		}
		for _, c := range cs {
			switch c.op {
			case ">=", ">":
				flushLower()
				lower = &c
			case "<", "<=":
				r := Range{Fixed: c.version}
				if c.op == "<=" {
					r = Range{LastAffected: c.version}
				}
				if lower != nil {
					r.Introduced = lower.version
					r.IntroducedExclusive = lower.op == ">"
					lower = nil
				}
				spec.Ranges = append(spec.Ranges, r)
			case "between":
				flushLower()
				spec.Ranges = append(spec.Ranges, c.span)
			default:
				flushLower()
				spec.Exact = append(spec.Exact, c.version)
			}
		}
	}
	flushLower()
	return spec, len(spec.Exact)+len(spec.Ranges) > 0
}

// qualifierStart is an alternative that continues the one before it rather
// than standing alone: Siemens writes "4.5 | SP6 (including) and V4.5 SP6
// Hotfix 8 (excluding)" for "from 4.5 SP6 to 4.5 SP6 Hotfix 8".
var qualifierStart = regexp.MustCompile(`(?i)^\s*(?:sp|service\s+pack|upd(?:ate)?|hotfix|hf|patch|build)\s*\d`)

// joinQualifiers glues each "|" alternative that starts with a qualifier
// (SP6, Update 3, Hotfix 2) to the version before it.
func joinQualifiers(alts []string) []string {
	out := alts[:0:0]
	for _, a := range alts {
		if n := len(out); n > 0 && qualifierStart.MatchString(a) {
			out[n-1] = strings.TrimSpace(out[n-1]) + " " + strings.TrimSpace(a)
			continue
		}
		out = append(out, a)
	}
	return out
}

// constraint is one piece of a version text: an operator and a version, or a
// whole span for "A through B" phrases.
type constraint struct {
	op      string // "=", "<", "<=", ">", ">=", "between"
	version string
	span    Range
}

var (
	allPrefix    = regexp.MustCompile(`(?i)^(?:all\s+(?:[a-z]+\s+){0,2})?versions?\b[\s:]*`)
	everyText    = regexp.MustCompile(`(?i)^(?:\*|(?:all|any|all\s+versions?|every\s+version|all\s+releases)\s*(?:\(.*\))?$)`)
	comparator   = regexp.MustCompile(`<=|>=|≤|≥|<|>|=`)
	spanInclExc  = regexp.MustCompile(`(?i)^(?:between\s+)?(.+?)\s*\(including\)\s*(?:and|to|-)?\s*(.+?)\s*\(excluding\)$`)
	spanIncl     = regexp.MustCompile(`(?i)^(?:from\s+)?(.+?)\s+(?:through|thru|to|until|-|–)\s+(.+)$`)
	spanBetween  = regexp.MustCompile(`(?i)^between\s+(.+?)\s+and\s+(.+)$`)
	beforeX      = regexp.MustCompile(`(?i)^(?:prior\s+to|before|below|earlier\s+than|older\s+than|lower\s+than|less\s+than)\s+(.+)$`)
	uptoX        = regexp.MustCompile(`(?i)^(?:up\s+to(?:\s+and\s+including)?|through)\s+(.+)$`)
	xAndPrior    = regexp.MustCompile(`(?i)^(.+?)\s+(?:and|or|&)\s+(?:prior|earlier|older|below|before|lower|previous)(?:\s+(?:versions?|releases?))?$`)
	xAndLater    = regexp.MustCompile(`(?i)^(.+?)\s+(?:and|or|&)\s+(?:later|newer|above|higher|after|greater)(?:\s+(?:versions?|releases?))?$`)
	listSep      = regexp.MustCompile(`(?i)\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*`)
	trailingJoin = regexp.MustCompile(`(?i)[\s,]*(?:and|or|&)?[\s,]*$`)
	qualifier    = regexp.MustCompile(`(?i)\s+(?:\([^()]*\)|\bwith\b.*)$`)
)

// readAlternative reads one "|"-separated part of a version text.
func readAlternative(alt string) (cs []constraint, every, ok bool) {
	s := strings.TrimSpace(alt)
	if everyText.MatchString(s) {
		return nil, true, true
	}
	if rest := allPrefix.ReplaceAllString(s, ""); rest != s {
		if rest == "" {
			return nil, true, true
		}
		s = rest
	}
	if m := spanInclExc.FindStringSubmatch(s); m != nil {
		a, okA := cleanVersion(m[1])
		b, okB := cleanVersion(m[2])
		return []constraint{{op: "between", span: Range{Introduced: a, Fixed: b}}}, false, okA && okB
	}
	// Split before every comparator: ">= V2.0 and < V2.6" is two constraints.
	locs := comparator.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return readPhrase(s)
	}
	// Words before the first comparator name a component ("BIOS < V21.01")
	// and are dropped; a version there ("1.5 | 2.0 <= 2.8") is kept.
	var pieces []string
	if lead := s[:locs[0][0]]; strings.ContainsAny(lead, "0123456789") {
		pieces = append(pieces, lead)
	}
	for i, loc := range locs {
		end := len(s)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		pieces = append(pieces, s[loc[0]:end])
	}
	for _, p := range pieces {
		p = trailingJoin.ReplaceAllString(strings.TrimSpace(p), "")
		op := comparator.FindString(p)
		if op == "" || !strings.HasPrefix(p, op) {
			more, every, ok := readPhrase(p)
			if !ok || every {
				return nil, every, ok
			}
			cs = append(cs, more...)
			continue
		}
		v, ok := cleanVersion(strings.TrimPrefix(p, op))
		if !ok {
			return nil, false, false
		}
		switch op {
		case "≤":
			op = "<="
		case "≥":
			op = ">="
		}
		cs = append(cs, constraint{op: op, version: v})
	}
	return cs, false, true
}

// readPhrase reads a piece without comparators: a worded range or a list of
// versions.
func readPhrase(s string) ([]constraint, bool, bool) {
	s = strings.TrimSpace(s)
	if everyText.MatchString(s) {
		return nil, true, true
	}
	one := func(op, v string) ([]constraint, bool, bool) {
		v, ok := cleanVersion(v)
		return []constraint{{op: op, version: v}}, false, ok
	}
	span := func(a, b string) ([]constraint, bool, bool) {
		a, okA := cleanVersion(a)
		b, okB := cleanVersion(b)
		return []constraint{{op: "between", span: Range{Introduced: a, LastAffected: b}}}, false, okA && okB
	}
	if m := beforeX.FindStringSubmatch(s); m != nil {
		return one("<", m[1])
	}
	if m := uptoX.FindStringSubmatch(s); m != nil {
		return one("<=", m[1])
	}
	if m := xAndPrior.FindStringSubmatch(s); m != nil {
		return one("<=", m[1])
	}
	if m := xAndLater.FindStringSubmatch(s); m != nil {
		return one(">=", m[1])
	}
	if m := spanBetween.FindStringSubmatch(s); m != nil {
		return span(m[1], m[2])
	}
	if m := spanIncl.FindStringSubmatch(s); m != nil {
		return span(m[1], m[2])
	}
	if v, ok := cleanVersion(s); ok {
		return []constraint{{op: "=", version: v}}, false, true
	}
	var cs []constraint
	for p := range strings.SplitSeq(listSep.ReplaceAllString(s, "\x00"), "\x00") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, ok := cleanVersion(p)
		if !ok {
			return nil, false, false
		}
		cs = append(cs, constraint{op: "=", version: v})
	}
	return cs, false, len(cs) > 0
}

// cleanVersion trims an operand, drops a trailing qualifier ("(14.x
// series)", "with WinCC V7.4") and wrapping parentheses ("(R4.10)"), and
// checks that what remains looks like a version.
func cleanVersion(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if c := strings.TrimSpace(qualifier.ReplaceAllString(s, "")); c != "" {
		s = c
	}
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	s = strings.TrimRight(s, " ,;.")
	return s, LooksLikeVersion(s)
}

// versionQualifiers are the words that may follow the first word of a
// version: "V14 SP1 Update 10", "2017 R2 Patch 1", "1.2 build 0912".
var versionQualifiers = map[string]bool{
	"sp": true, "service": true, "pack": true, "update": true, "upd": true, "hf": true,
	"hotfix": true, "patch": true, "build": true, "release": true, "rev": true,
	"revision": true, "mr": true, "beta": true, "alpha": true, "rc": true, "lts": true,
	"fp": true, "cu": true,
}

// LooksLikeVersion says whether s can be a version: its first word starts
// with at most three letters and then a digit ("4.2", "V8.1", "R4.10", "BT02"), and
// every further word contains a digit or is a qualifier such as "SP" or
// "Update". Sentences, dates written in words and product names fail.
func LooksLikeVersion(s string) bool {
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 6 || len(s) > 64 {
		return false
	}
	if !firstWordVersion.MatchString(words[0]) {
		return false
	}
	for _, w := range words[1:] {
		if !strings.ContainsAny(w, "0123456789") && !versionQualifiers[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

var firstWordVersion = regexp.MustCompile(`^[A-Za-z]{0,3}[-._]?[0-9][^\s]*$`)
