package version

import "strings"

// This file orders Alpine (apk) package versions the way apk-tools 2.x
// (Alpine 3.x up to 3.22, and OSV's Alpine ecosystem) does. Alpine's
// APKBUILD reference gives a package version as pkgver-rpkgrel, where pkgver
// is
//
//	digits{.digits}...{letter{digits}}{_suffix{digits}}...
//
// with a lower-case letter and suffixes from the list below, and pkgrel is
// the package's own revision N of -rN. Anything else is not an apk version
// and is compared generically. Two versions are compared part by part:
//
//   - the release numbers in turn: the first by value; after a dot, a number
//     that starts with "0" is below any that does not, one with more
//     leading zeros is below one with fewer, and then the value decides, so
//     1.00 < 1.0 < 1.01 < 1.1 (Gentoo's leading-zero rule, as apk keeps it);
//   - the letter by its character, then the digits after it by value;
//   - the suffixes in turn, _alpha < _beta < _pre < _rc < _cvs < _svn <
//     _git < _hg < _p, each then by its number;
//   - the revision by value.
//
// When everything so far agrees and one version goes on where the other
// stops or goes on differently, what comes next decides. A pre-release
// suffix (_alpha to _rc) makes its version the lower; otherwise the version
// that goes on with something earlier in this list is the higher: a further
// .number, digits after the letter, a letter, a further suffix, a suffix's
// number, a revision, nothing. Hence 1.0_rc1 < 1.0 < 1.0-r1 < 1.0_p1 < 1.0a
// < 1.0.1 and 1.0.0-r0 < 1.0.0a-r0. apk-tools 3 differs only in corners
// (1.0 < 1.00, no digits after the letter, a ~hash part).

// apkSuffixes are the suffix words, lowest first; the first apkPreSuffixes
// of them sort below the release itself.
var apkSuffixes = []string{"alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"}

const apkPreSuffixes = 4

// apkVersion is a parsed apk version. Every number is kept as its digits,
// so any length compares exactly; "" means the part is absent (a present
// number always has a digit).
type apkVersion struct {
	release      []string // the dot-separated numbers
	letter       byte     // 0 when there is none
	letterDigits string
	suffixes     []apkSuffix
	revision     string
}

type apkSuffix struct {
	rank   int // index in apkSuffixes
	number string
}

func (s apkSuffix) pre() bool { return s.rank < apkPreSuffixes }

// parseApk reads s as an apk version; ok is false for anything outside the
// format above (an upper-case letter, an unknown suffix, "-1" instead of
// "-r1", an empty number, trailing text).
func parseApk(s string) (v apkVersion, ok bool) {
	s = trimSpace(s)
	n := leadingDigits(s)
	if n == "" {
		return apkVersion{}, false
	}
	v.release, s = []string{n}, s[len(n):]
	for strings.HasPrefix(s, ".") {
		if n = leadingDigits(s[1:]); n == "" {
			return apkVersion{}, false
		}
		v.release, s = append(v.release, n), s[1+len(n):]
	}
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		v.letter = s[0]
		v.letterDigits = leadingDigits(s[1:])
		s = s[1+len(v.letterDigits):]
	}
	for strings.HasPrefix(s, "_") {
		word := s[1:]
		if i := strings.IndexFunc(word, func(r rune) bool { return r < 'a' || r > 'z' }); i >= 0 {
			word = word[:i]
		}
		rank := -1
		for i, w := range apkSuffixes {
			if w == word {
				rank = i
			}
		}
		if rank < 0 {
			return apkVersion{}, false
		}
		s = s[1+len(word):]
		suf := apkSuffix{rank: rank, number: leadingDigits(s)}
		v.suffixes, s = append(v.suffixes, suf), s[len(suf.number):]
	}
	if strings.HasPrefix(s, "-r") {
		if v.revision = leadingDigits(s[2:]); v.revision == "" {
			return apkVersion{}, false
		}
		s = s[2+len(v.revision):]
	}
	return v, s == ""
}

// compareApkDotted compares two release numbers that follow a dot.
func compareApkDotted(a, b string) int {
	za, zb := len(a)-len(strings.TrimLeft(a, "0")), len(b)-len(strings.TrimLeft(b, "0"))
	switch {
	case za > 0 && zb > 0 && za != zb:
		return sign(zb - za)
	case za > 0 && zb == 0:
		return -1
	case za == 0 && zb > 0:
		return 1
	}
	return compareDigits(a, b)
}

// present orders having a part above lacking it, for a part that outranks
// everything that could follow instead (see the package comment).
func present(a, b string) int {
	switch {
	case a != "" && b == "":
		return 1
	case a == "" && b != "":
		return -1
	}
	return 0
}

func (v apkVersion) compare(o apkVersion) int {
	for i := 0; i < len(v.release) && i < len(o.release); i++ {
		c := compareDigits(v.release[i], o.release[i])
		if i > 0 {
			c = compareApkDotted(v.release[i], o.release[i])
		}
		if c != 0 {
			return c
		}
	}
	if c := sign(len(v.release) - len(o.release)); c != 0 {
		return c
	}
	if c := sign(int(v.letter) - int(o.letter)); c != 0 {
		// A letter is above none: 0 is below every letter.
		return c
	}
	if c := present(v.letterDigits, o.letterDigits); c != 0 {
		return c
	}
	if c := compareDigits(v.letterDigits, o.letterDigits); c != 0 {
		return c
	}
	for i := 0; i < len(v.suffixes) && i < len(o.suffixes); i++ {
		s, t := v.suffixes[i], o.suffixes[i]
		if s.rank != t.rank {
			return sign(s.rank - t.rank)
		}
		if s.number != "" && t.number != "" {
			if c := compareDigits(s.number, t.number); c != 0 {
				return c
			}
		} else if s.number != "" {
			return numberAgainstNext(o, i)
		} else if t.number != "" {
			return -numberAgainstNext(v, i)
		}
	}
	if len(v.suffixes) > len(o.suffixes) {
		if v.suffixes[len(o.suffixes)].pre() {
			return -1
		}
		return 1
	}
	if len(v.suffixes) < len(o.suffixes) {
		if o.suffixes[len(v.suffixes)].pre() {
			return 1
		}
		return -1
	}
	if c := present(v.revision, o.revision); c != 0 {
		return c
	}
	return compareDigits(v.revision, o.revision)
}

// numberAgainstNext orders a version whose i-th suffix has a number against
// o, equal so far but whose i-th suffix has none: o's next suffix decides if
// it has one (a further suffix outranks a suffix's number unless it is a
// pre-release); otherwise the number makes its version the higher.
func numberAgainstNext(o apkVersion, i int) int {
	if i+1 < len(o.suffixes) && !o.suffixes[i+1].pre() {
		return -1
	}
	return 1
}

func compareAlpine(a, b string) (int, bool) {
	va, ok := parseApk(a)
	if !ok {
		return 0, false
	}
	vb, ok := parseApk(b)
	if !ok {
		return 0, false
	}
	return va.compare(vb), true
}
