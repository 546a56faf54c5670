package version

import "strings"

// This file orders Alpine (apk) package versions the way apk-tools does.
// A version is
//
//	digits{.digits}...{letter}{_suffix{digits}}...{~hash}{-rN}
//
// read as a list of tokens, each of a kind. Two versions compare token by
// token while their kinds agree: numbers by value (but a number after a dot
// that starts with "0" compares as a string, as Gentoo does: 1.01 < 1.1),
// the letter by its character, suffixes in the order
//
//	_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p
//
// the commit hash as a string, the revision -rN by value. Where the kinds
// part, a pre-release suffix (_alpha to _rc) makes its version the lower;
// otherwise the version whose token kind comes earlier in the list above is
// the higher, so a letter or a suffix is above the end of the version and
// a revision only above the end: 1.0.0-r0 < 1.0.0a-r0 and
// 1.0_rc1 < 1.0 < 1.0-r1 < 1.0_p1.

type apkKind uint8

const (
	apkInitial apkKind = iota
	apkDigit
	apkLetter
	apkSuffix
	apkSuffixNum
	apkHash
	apkRevision
	apkEnd
)

// apkSuffixes in their order; "" stands for no suffix, between the pre- and
// post-release ones.
var apkSuffixes = []string{"alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p"}

const apkNoSuffix = 4

type apkToken struct {
	kind   apkKind
	text   string // digits, letter, suffix word or hash
	suffix int    // index in apkSuffixes
}

// parseApk splits s into tokens, or reports that apk would refuse it.
func parseApk(s string) ([]apkToken, bool) {
	s = trimSpace(s)
	var toks []apkToken
	// take cuts the leading run of bytes that in accepts.
	take := func(in func(byte) bool) string {
		n := 0
		for n < len(s) && in(s[n]) {
			n++
		}
		t := s[:n]
		s = s[n:]
		return t
	}
	first := take(isDigit)
	if first == "" {
		return nil, false
	}
	toks = append(toks, apkToken{kind: apkInitial, text: first})
	for s != "" {
		prev := toks[len(toks)-1].kind
		var t apkToken
		switch c := s[0]; {
		case 'a' <= c && c <= 'z':
			if prev > apkDigit {
				return nil, false
			}
			t = apkToken{kind: apkLetter, text: s[:1]}
			s = s[1:]
		case c == '.' || isDigit(c):
			if c == '.' {
				if prev > apkDigit {
					return nil, false
				}
				s = s[1:]
			}
			switch prev {
			case apkInitial, apkDigit:
				t.kind = apkDigit
			case apkSuffix:
				t.kind = apkSuffixNum
			default:
				return nil, false
			}
			if t.text = take(isDigit); t.text == "" {
				return nil, false
			}
		case c == '_':
			if prev > apkSuffixNum {
				return nil, false
			}
			s = s[1:]
			t = apkToken{kind: apkSuffix, text: take(func(c byte) bool { return 'a' <= c && c <= 'z' }), suffix: -1}
			for i, w := range apkSuffixes {
				if w != "" && w == t.text {
					t.suffix = i
				}
			}
			if t.suffix < 0 {
				return nil, false
			}
		case c == '~':
			if prev >= apkHash {
				return nil, false
			}
			s = s[1:]
			t = apkToken{kind: apkHash, text: take(isHexDigit)}
			if t.text == "" {
				return nil, false
			}
		case c == '-':
			if prev >= apkRevision || !strings.HasPrefix(s, "-r") {
				return nil, false
			}
			s = s[2:]
			if t = (apkToken{kind: apkRevision, text: take(isDigit)}); t.text == "" {
				return nil, false
			}
		default:
			return nil, false
		}
		toks = append(toks, t)
	}
	return toks, true
}

func isHexDigit(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// compareApkTokens is apk's version comparison on two valid versions.
func compareApkTokens(a, b []apkToken) int {
	end := apkToken{kind: apkEnd}
	for i := 0; ; i++ {
		x, y := end, end
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x.kind != y.kind {
			switch {
			case x.kind == apkSuffix && x.suffix < apkNoSuffix:
				return -1
			case y.kind == apkSuffix && y.suffix < apkNoSuffix:
				return 1
			}
			return sign(int(y.kind) - int(x.kind))
		}
		if x.kind == apkEnd {
			return 0
		}
		if c := x.compare(y); c != 0 {
			return c
		}
	}
}

// compare orders two tokens of the same kind.
func (t apkToken) compare(o apkToken) int {
	switch t.kind {
	case apkDigit:
		if t.text[0] == '0' || o.text[0] == '0' {
			return strings.Compare(t.text, o.text)
		}
		return compareDigits(t.text, o.text)
	case apkInitial, apkSuffixNum, apkRevision:
		return compareDigits(t.text, o.text)
	case apkSuffix:
		return sign(t.suffix - o.suffix)
	}
	return strings.Compare(t.text, o.text)
}

func compareAlpine(a, b string) (int, bool) {
	return both(a, b, parseApk, compareApkTokens)
}
