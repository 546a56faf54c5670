package version

import "strings"

// rpmVersion is [epoch:]version[-release].
type rpmVersion struct {
	epoch, version, release string
}

// parseRPM splits an RPM EVR. The epoch must be digits and there must be
// no whitespace. An empty version is accepted, as rpm orders it too
// ("~" < "" < "^"): Valid refuses a blank one before this is asked.
func parseRPM(s string) (rpmVersion, bool) {
	s = trimSpace(s)
	if strings.ContainsAny(s, " \t\r\n") {
		return rpmVersion{}, false
	}
	var v rpmVersion
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if !allDigits(s[:i]) {
			return rpmVersion{}, false
		}
		v.epoch, s = s[:i], s[i+1:]
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.release, s = s[i+1:], s[:i]
	}
	v.version = s
	return v, true
}

func isAlnumByte(c byte) bool { return isDigit(c) || isASCIILetter(c) }

// rpmvercmp is rpm's segment comparison: separators are skipped, "~" sorts
// before everything (even the end), "^" after the end but before anything
// else, digit segments compare numerically and beat letter segments, letter
// segments compare as bytes, and the longer remainder wins.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnumByte(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnumByte(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ta, tb := i < len(a) && a[i] == '~', j < len(b) && b[j] == '~'
		if ta || tb {
			if !ta {
				return 1
			}
			if !tb {
				return -1
			}
			i++
			j++
			continue
		}
		ca, cb := i < len(a) && a[i] == '^', j < len(b) && b[j] == '^'
		if ca || cb {
			switch {
			case i >= len(a):
				return -1
			case j >= len(b):
				return 1
			case !ca:
				return 1
			case !cb:
				return -1
			}
			i++
			j++
			continue
		}
		if i >= len(a) || j >= len(b) {
			break
		}
		si, sj := i, j
		num := isDigit(a[i])
		same := isASCIILetter
		if num {
			same = isDigit
		}
		for i < len(a) && same(a[i]) {
			i++
		}
		for j < len(b) && same(b[j]) {
			j++
		}
		if j == sj {
			// Segments of different kinds: the numeric one is newer.
			if num {
				return 1
			}
			return -1
		}
		var c int
		if num {
			c = compareDigits(a[si:i], b[sj:j])
		} else {
			c = strings.Compare(a[si:i], b[sj:j])
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i >= len(a):
		return -1
	}
	return 1
}

// compare orders by epoch (missing = 0), version, then release. A missing
// release sorts before any release, which keeps the order total; rpm
// itself would ignore the release when one side lacks it.
func (v rpmVersion) compare(o rpmVersion) int {
	if c := compareDigits(v.epoch, o.epoch); c != 0 {
		return c
	}
	if c := rpmvercmp(v.version, o.version); c != 0 {
		return c
	}
	return rpmvercmp(v.release, o.release)
}

func compareRPM(a, b string) (int, bool) {
	return both(a, b, parseRPM, rpmVersion.compare)
}
