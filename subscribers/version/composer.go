package version

import (
	"regexp"
	"strings"
)

// This file orders Packagist versions the way Composer does: each version
// is first normalized (composer/semver 3.3's VersionParser::normalize), then
// the normalized forms are compared with PHP's version_compare.
//
// Normalizing: surrounding space, an "as" alias, an "@stability" flag and
// "+build" metadata are dropped; a leading "v" too. Up to four numbers are
// padded to four (1.2 is 1.2.0.0); a date-like version (20230102, 2023.01.02,
// at most one group of up to three digits after the date) keeps its numbers. A stability suffix, with any
// separator, is spelled out: a/alpha, b/beta, RC/rc, p/pl/patch, and a
// trailing "dev" becomes "-dev" (5.0.0-RC is 5.0.0.0-RC; 1.0-dev is
// 1.0.0.0-dev). A numeric branch ("2.1.x-dev") becomes 2.1.9999999.9999999-dev.
// Named branches ("dev-main") are refused: Composer does not order them.
//
// version_compare cuts both strings into parts at ".", "-", "_", "+" and
// between digits and letters, and compares them part by part: numbers by
// value, words by rank, dev < alpha = a < beta = b < RC = rc < a number <
// pl = p (any word is ranked by the first of these it starts with, others
// below dev). When one runs out, the other is higher if its next part is a
// number and otherwise ranked against a number: so 5.0.0-RC < 5.0.0 <
// 5.0.0-patch1, and 1.0-dev < 1.0a1.

var (
	composerClassical = regexp.MustCompile(`(?i)^v?(\d{1,5})(\.\d+)?(\.\d+)?(\.\d+)?` + composerModifier + `$`)
	composerDate      = regexp.MustCompile(`(?i)^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)` + composerModifier + `$`)
	composerDevSuffix = regexp.MustCompile(`(?i)^(.*?)[.-]?dev$`)
	composerBranch    = regexp.MustCompile(`(?i)^v?(\d+)(\.(?:\d+|[x*]))?(\.(?:\d+|[x*]))?(\.(?:\d+|[x*]))?$`)
	composerFlag      = regexp.MustCompile(`(?i)@(?:stable|RC|beta|alpha|dev)$`)
	composerAlias     = regexp.MustCompile(`^([^,\s]+) +as +[^,\s]+$`)
	composerBuild     = regexp.MustCompile(`^([^,\s+]+)\+[^\s]+$`)
	composerNonDigit  = regexp.MustCompile(`\D`)
)

const composerModifier = `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?`

// normalizeComposer is VersionParser::normalize for versions (not branches).
func normalizeComposer(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if m := composerAlias.FindStringSubmatch(v); m != nil {
		v = m[1]
	}
	v = composerFlag.ReplaceAllString(v, "")
	if v == "master" || v == "trunk" || v == "default" || len(v) >= 4 && strings.EqualFold(v[:4], "dev-") {
		return "", false
	}
	if m := composerBuild.FindStringSubmatch(v); m != nil {
		v = m[1]
	}
	var norm string
	var mod []string
	if m := composerClassical.FindStringSubmatch(v); m != nil {
		norm = m[1]
		for _, n := range m[2:5] {
			if n == "" {
				n = ".0"
			}
			norm += n
		}
		mod = m[5:]
	} else if m := composerDate.FindStringSubmatch(v); m != nil {
		norm = composerNonDigit.ReplaceAllString(m[1], ".")
		mod = m[2:]
	}
	if mod != nil {
		if mod[0] != "" {
			if mod[0] == "stable" {
				return norm, true
			}
			norm += "-" + composerStability(mod[0]) + strings.TrimLeft(mod[1], ".-")
		}
		if mod[2] != "" {
			norm += "-dev"
		}
		return norm, true
	}
	if m := composerDevSuffix.FindStringSubmatch(v); m != nil {
		if b := composerBranch.FindStringSubmatch(strings.TrimSpace(m[1])); b != nil {
			var norm string
			for _, p := range b[1:] {
				if p == "" {
					p = ".x"
				}
				norm += p
			}
			norm = strings.NewReplacer("x", "9999999", "X", "9999999", "*", "9999999").Replace(norm)
			return norm + "-dev", true
		}
	}
	return "", false
}

func composerStability(s string) string {
	switch s = strings.ToLower(s); s {
	case "a", "alpha":
		return "alpha"
	case "b", "beta":
		return "beta"
	case "p", "pl", "patch":
		return "patch"
	case "rc":
		return "RC"
	}
	return s
}

// phpVersionParts is version_compare's canonical form, cut at its dots:
// "-", "_" and "+" become dots, a dot goes between a digit and a non-digit,
// and any other character that is not a letter or digit becomes a dot
// (unless it follows a digit, where it is kept as a word of its own).
func phpVersionParts(s string) []string {
	if s == "" {
		return nil
	}
	isdig := func(c byte) bool { return isDigit(c) }
	isndig := func(c byte) bool { return !isDigit(c) && c != '.' }
	buf := []byte{s[0]}
	dot := func() {
		if buf[len(buf)-1] != '.' {
			buf = append(buf, '.')
		}
	}
	lp := s[0]
	for i := 1; i < len(s); i++ {
		p := s[i]
		switch {
		case p == '-' || p == '_' || p == '+':
			dot()
		case isndig(lp) && isdig(p) || isdig(lp) && isndig(p):
			dot()
			buf = append(buf, p)
		case !isDigit(p) && !isASCIILetter(p):
			dot()
		default:
			buf = append(buf, p)
		}
		lp = p
	}
	return strings.Split(string(buf), ".")
}

// phpSpecialRank ranks a word by the first special form it starts with.
func phpSpecialRank(w string) int {
	for _, f := range []struct {
		prefix string
		rank   int
	}{{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2}, {"RC", 3}, {"rc", 3}, {"#", 4}, {"pl", 5}, {"p", 5}} {
		if strings.HasPrefix(w, f.prefix) {
			return f.rank
		}
	}
	return -1
}

// phpNumber stands for a number when a number meets a word.
const phpNumber = "#N#"

func phpCompareParts(a, b []string) int {
	i := 0
	for ; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		dx, dy := x != "" && isDigit(x[0]), y != "" && isDigit(y[0])
		var c int
		switch {
		case dx && dy:
			c = compareDigits(leadingDigits(x), leadingDigits(y))
		case dx:
			c = sign(phpSpecialRank(phpNumber) - phpSpecialRank(y))
		case dy:
			c = sign(phpSpecialRank(x) - phpSpecialRank(phpNumber))
		default:
			c = sign(phpSpecialRank(x) - phpSpecialRank(y))
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case i < len(a):
		if a[i] != "" && isDigit(a[i][0]) {
			return 1
		}
		return phpCompareParts(a[i:], []string{phpNumber})
	case i < len(b):
		if b[i] != "" && isDigit(b[i][0]) {
			return -1
		}
		return phpCompareParts([]string{phpNumber}, b[i:])
	}
	return 0
}

func compareComposer(a, b string) (int, bool) {
	return both(a, b, func(v string) ([]string, bool) {
		n, ok := normalizeComposer(v)
		return phpVersionParts(n), ok
	}, phpCompareParts)
}
