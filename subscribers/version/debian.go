package version

import "strings"

// debVersion is [epoch:]upstream[-revision] as Debian policy 5.6.12 defines.
type debVersion struct {
	epoch, upstream, revision string
}

// parseDebian splits a Debian version. The epoch must be digits, the
// upstream part must start with a digit and use only alphanumerics and
// . + ~ - : (a hyphen only when there is a revision, a colon only when
// there is an epoch); the revision uses alphanumerics and + . ~.
func parseDebian(s string) (debVersion, bool) {
	s = trimSpace(s)
	var v debVersion
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if !allDigits(s[:i]) {
			return debVersion{}, false
		}
		v.epoch, s = s[:i], s[i+1:]
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.revision, s = s[i+1:], s[:i]
		if v.revision == "" || !debChars(v.revision, "+.~") {
			return debVersion{}, false
		}
	}
	v.upstream = s
	if s == "" || !isDigit(s[0]) || !debChars(s, ".+~-:") {
		return debVersion{}, false
	}
	return v, true
}

func debChars(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !isASCIILetter(c) && strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

// debOrder is dpkg's character weight: "~" before the end of the string,
// the end before letters, letters before other characters.
func debOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case isDigit(c):
		return 0
	case isASCIILetter(c):
		return int(c)
	case c == '~':
		return -1
	}
	return int(c) + 256
}

// debCompareString is dpkg's verrevcmp: alternate non-digit parts, compared
// by debOrder, and digit parts, compared numerically.
func debCompareString(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isDigit(a[i]) || j < len(b) && !isDigit(b[j]) {
			ac, bc := debOrder(a, i), debOrder(b, j)
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		si := i
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		sj := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := compareDigits(a[si:min(i, len(a))], b[sj:min(j, len(b))]); c != 0 {
			return c
		}
	}
	return 0
}

func (v debVersion) compare(o debVersion) int {
	if c := compareDigits(v.epoch, o.epoch); c != 0 {
		return c
	}
	if c := debCompareString(v.upstream, o.upstream); c != 0 {
		return c
	}
	return debCompareString(v.revision, o.revision)
}

func compareDebian(a, b string) (int, bool) {
	return both(a, b, parseDebian, debVersion.compare)
}
