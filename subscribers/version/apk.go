package version

import "strings"

// This file orders Alpine (apk) package versions the way apk-tools 2.x
// (Alpine 3.x up to 3.22, and OSV's Alpine ecosystem) does. A version is
//
//	digits{.digits}...{letter}{_suffix{digits}}...{-rN}
//
// read token by token, each token's value compared in turn:
//
//   - numbers by value; after a dot, a number that starts with "0" counts
//     its extra leading zeros negatively and then its digits, so
//     1.00 < 1.0 < 1.01 < 1.1 (the Gentoo rule for leading zeros);
//   - a single lower-case letter after a number by its character; digits
//     may follow it (1.0a1);
//   - suffixes in the order _alpha < _beta < _pre < _rc < (none) < _cvs <
//     _svn < _git < _hg < _p, each with an optional number;
//   - the revision -rN by value.
//
// When the token values agree but the versions go on differently, a
// pre-release suffix makes its version the lower; otherwise the version
// whose next token comes earlier in the list above (a letter before a
// suffix before a revision before the end) is the higher: 1.0_rc1 < 1.0 <
// 1.0-r1 < 1.0_p1 < 1.0a < 1.0.1 and 1.0.0-r0 < 1.0.0a-r0. apk-tools 3
// differs only in corners (1.0 < 1.00, no digits after the letter, a ~hash
// token).

type apkKind int8

// The token kinds, in apk's order: a later kind is the lower version when
// two versions part.
const (
	apkInvalid apkKind = iota - 1
	apkDigitOrZero
	apkDigit
	apkLetter
	apkSuffix
	apkSuffixNum
	apkRevision
	apkEnd
)

var (
	apkPreSuffixes  = []string{"alpha", "beta", "pre", "rc"}
	apkPostSuffixes = []string{"cvs", "svn", "git", "hg", "p"}
)

// apkReader walks a version: kind is the kind of the token at s.
type apkReader struct {
	s    string
	kind apkKind
}

func newApkReader(s string) apkReader { return apkReader{s: s, kind: apkDigit} }

// advance reads the separator (if any) before the next token and sets its
// kind, refusing a kind that may not follow the current one.
func (r *apkReader) advance() {
	n := apkInvalid
	switch c := r.s[0]; {
	case c == 0:
		n = apkEnd
	case (r.kind == apkDigit || r.kind == apkDigitOrZero) && 'a' <= c && c <= 'z':
		n = apkLetter
	case r.kind == apkLetter && isDigit(c):
		n = apkDigit
	case r.kind == apkSuffix && isDigit(c):
		n = apkSuffixNum
	default:
		switch c {
		case '.':
			n = apkDigitOrZero
		case '_':
			n = apkSuffix
		case '-':
			if len(r.s) > 1 && r.s[1] == 'r' {
				n = apkRevision
				r.s = r.s[1:]
			}
		}
		r.s = r.s[1:]
	}
	if n < r.kind && !(n == apkDigitOrZero && r.kind == apkDigit || n == apkSuffix && r.kind == apkSuffixNum || n == apkDigit && r.kind == apkLetter) {
		n = apkInvalid
	}
	r.kind = n
}

// token returns the value of the token at s and moves to the next one.
func (r *apkReader) token() int64 {
	if r.s == "" {
		r.kind = apkEnd
		return 0
	}
	i, next := 0, apkInvalid
	var v int64
	switch r.kind {
	case apkDigitOrZero:
		if r.s[0] == '0' {
			for i+1 < len(r.s) && r.s[i+1] == '0' {
				i++
			}
			next, v = apkDigit, -int64(i)
			break
		}
		fallthrough
	case apkDigit, apkSuffixNum, apkRevision:
		for i < len(r.s) && isDigit(r.s[i]) {
			v = v*10 + int64(r.s[i]-'0')
			i++
		}
		if i >= 18 {
			r.kind = apkInvalid
			return -1
		}
	case apkLetter:
		v, i = int64(r.s[0]), 1
	case apkSuffix:
		v, i = apkSuffixValue(r.s)
		if i == 0 {
			r.kind = apkInvalid
			return -1
		}
	default:
		r.kind = apkInvalid
		return -1
	}
	r.s = r.s[i:]
	switch {
	case r.s == "":
		r.kind = apkEnd
	case next != apkInvalid:
		r.kind = next
	default:
		r.advance()
	}
	return v
}

// apkSuffixValue is the value of the suffix s starts with (pre-release ones
// negative) and its length, 0 when none does.
func apkSuffixValue(s string) (int64, int) {
	for k, w := range apkPreSuffixes {
		if strings.HasPrefix(s, w) {
			return int64(k - len(apkPreSuffixes)), len(w)
		}
	}
	for k, w := range apkPostSuffixes {
		if strings.HasPrefix(s, w) {
			return int64(k), len(w)
		}
	}
	return 0, 0
}

func validApk(s string) bool {
	r := newApkReader(s)
	for r.kind != apkEnd && r.kind != apkInvalid {
		r.token()
	}
	return r.kind == apkEnd
}

// compareApkValid is apk's comparison of two valid versions.
func compareApkValid(a, b string) int {
	ra, rb := newApkReader(a), newApkReader(b)
	var av, bv int64
	for ra.kind == rb.kind && ra.kind != apkEnd && ra.kind != apkInvalid && av == bv {
		av, bv = ra.token(), rb.token()
	}
	switch {
	case av < bv:
		return -1
	case av > bv:
		return 1
	case ra.kind == rb.kind:
		return 0
	}
	if ra.kind == apkSuffix {
		if t := ra; t.token() < 0 {
			return -1
		}
	}
	if rb.kind == apkSuffix {
		if t := rb; t.token() < 0 {
			return 1
		}
	}
	return sign(int(rb.kind) - int(ra.kind))
}

func compareAlpine(a, b string) (int, bool) {
	a, b = trimSpace(a), trimSpace(b)
	if !validApk(a) || !validApk(b) {
		return 0, false
	}
	return compareApkValid(a, b), true
}
