package version

import "strings"

// pep440 is a parsed PEP 440 version. Numbers stay digit strings.
type pep440 struct {
	epoch   string
	release []string
	pre     int // 0 none, 1 a, 2 b, 3 rc
	preN    string
	post    bool
	postN   string
	dev     bool
	devN    string
	local   []string
}

// parsePEP440 accepts the forms PEP 440 says to normalize: any case, a
// leading "v", "alpha"/"beta"/"c"/"pre"/"preview" spellings, "-", "_" or "."
// separators, implicit numbers ("1.0a" = "1.0a0"), "rev"/"r" for post and
// the implicit post release "1.0-1".
func parsePEP440(s string) (pep440, bool) {
	s = strings.ToLower(trimSpace(s))
	s = strings.TrimPrefix(s, "v")
	var v pep440
	if i := strings.IndexByte(s, '+'); i >= 0 {
		for _, seg := range strings.FieldsFunc(s[i+1:], isPEPSep) {
			if !isAlnum(seg) {
				return pep440{}, false
			}
			v.local = append(v.local, seg)
		}
		if v.local == nil || !validLocal(s[i+1:]) {
			return pep440{}, false
		}
		s = s[:i]
	}
	if i := strings.IndexByte(s, '!'); i >= 0 {
		if !allDigits(s[:i]) {
			return pep440{}, false
		}
		v.epoch, s = s[:i], s[i+1:]
	}
	// Release: N(.N)*
	for {
		n := leadingDigits(s)
		if n == "" {
			return pep440{}, false
		}
		v.release = append(v.release, n)
		s = s[len(n):]
		if len(s) > 1 && s[0] == '.' && isDigit(s[1]) {
			s = s[1:]
			continue
		}
		break
	}
	// Pre-release: [sep](a|b|rc and their spellings)[sep][N].
	if r := cutSep(s); r != "" {
		for _, p := range []struct {
			word string
			kind int
		}{{"alpha", 1}, {"beta", 2}, {"preview", 3}, {"pre", 3}, {"rc", 3}, {"a", 1}, {"b", 2}, {"c", 3}} {
			if strings.HasPrefix(r, p.word) {
				v.pre = p.kind
				v.preN, s = optNumber(cutSep(r[len(p.word):]))
				break
			}
		}
	}
	// Post-release: "-N", or [sep](post|rev|r)[sep][N].
	if len(s) > 1 && s[0] == '-' && isDigit(s[1]) {
		v.post = true
		v.postN, s = optNumber(s[1:])
	} else if r := cutSep(s); r != "" {
		for _, w := range []string{"post", "rev", "r"} {
			if strings.HasPrefix(r, w) {
				v.post = true
				v.postN, s = optNumber(cutSep(r[len(w):]))
				break
			}
		}
	}
	// Development release: [sep]dev[sep][N].
	if r := cutSep(s); strings.HasPrefix(r, "dev") {
		v.dev = true
		v.devN, s = optNumber(cutSep(r[3:]))
	}
	if s != "" {
		return pep440{}, false
	}
	return v, true
}

// cutSep drops one optional separator: before a label, and after one
// whether a number follows it or not ("1.0rc-1" is 1.0rc1, "1.0rc." is
// 1.0rc0).
func cutSep(s string) string {
	if s != "" && isPEPSep(rune(s[0])) {
		return s[1:]
	}
	return s
}

// optNumber returns the leading digits of s ("0" if none) and the rest.
func optNumber(s string) (string, string) {
	n := leadingDigits(s)
	if n == "" {
		return "0", s
	}
	return n, s[len(n):]
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i]
}

func isPEPSep(r rune) bool { return r == '.' || r == '-' || r == '_' }

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && !('a' <= s[i] && s[i] <= 'z') {
			return false
		}
	}
	return s != ""
}

// validLocal rejects empty segments ("1.0+a..b") and trailing separators.
func validLocal(s string) bool {
	prevSep := true
	for i := 0; i < len(s); i++ {
		sep := isPEPSep(rune(s[i]))
		if sep && prevSep {
			return false
		}
		prevSep = sep
	}
	return !prevSep
}

// compare follows PEP 440's ordering: epoch, release (trailing zeros
// ignored), then dev-only releases before pre-releases before the release
// before post-releases, dev releases of each before it, and a local label
// after the same public version.
func (v pep440) compare(o pep440) int {
	if c := compareDigits(v.epoch, o.epoch); c != 0 {
		return c
	}
	n := max(len(v.release), len(o.release))
	for i := 0; i < n; i++ {
		a, b := "0", "0"
		if i < len(v.release) {
			a = v.release[i]
		}
		if i < len(o.release) {
			b = o.release[i]
		}
		if c := compareDigits(a, b); c != 0 {
			return c
		}
	}
	if c := sign(v.preRank() - o.preRank()); c != 0 {
		return c
	}
	if v.pre != 0 {
		if c := compareDigits(v.preN, o.preN); c != 0 {
			return c
		}
	}
	if v.post != o.post {
		if v.post {
			return 1
		}
		return -1
	}
	if c := compareDigits(v.postN, o.postN); c != 0 {
		return c
	}
	if v.dev != o.dev {
		if v.dev {
			return -1
		}
		return 1
	}
	if c := compareDigits(v.devN, o.devN); c != 0 {
		return c
	}
	return compareLocal(v.local, o.local)
}

// preRank places a dev-only release (1.0.dev1) before any pre-release and
// a final or post release after all of them.
func (v pep440) preRank() int {
	switch {
	case v.pre != 0:
		return v.pre
	case !v.post && v.dev:
		return 0
	}
	return 4
}

// compareLocal: numeric segments compare by value and sort after
// alphanumeric ones; a shorter label that is a prefix sorts first.
func compareLocal(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		na, nb := allDigits(a[i]), allDigits(b[i])
		var c int
		switch {
		case na && nb:
			c = compareDigits(a[i], b[i])
		case na:
			c = 1
		case nb:
			c = -1
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}

func validPEP440(v string) bool {
	_, ok := parsePEP440(v)
	return ok
}
