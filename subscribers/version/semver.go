package version

import "strings"

// semver is a parsed Semantic Versioning 2.0 version. Numbers stay digit
// strings so that huge components compare without overflow.
type semver struct {
	major, minor, patch string
	pre                 string // dot-separated identifiers, "" for a release
}

// parseSemver accepts SemVer 2.0 leniently, the way advisories write it: a
// leading "v", missing minor or patch ("1.2" = "1.2.0") and leading zeros
// are accepted. Build metadata after "+" is validated and then ignored, as
// the specification says it must be for precedence.
func parseSemver(s string) (semver, bool) {
	s = trimSpace(s)
	if s != "" && (s[0] == 'v' || s[0] == 'V') {
		s = s[1:]
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if !validIdents(s[i+1:]) {
			return semver{}, false
		}
		s = s[:i]
	}
	var v semver
	if i := strings.IndexByte(s, '-'); i >= 0 {
		v.pre = s[i+1:]
		if !validIdents(v.pre) {
			return semver{}, false
		}
		s = s[:i]
	}
	parts := [3]*string{&v.major, &v.minor, &v.patch}
	for i := 0; i < 3; i++ {
		num, rest, more := strings.Cut(s, ".")
		if !allDigits(num) {
			return semver{}, false
		}
		*parts[i] = num
		s = rest
		if !more {
			break
		}
		if i == 2 {
			return semver{}, false // a fourth component
		}
	}
	for _, p := range parts {
		if *p == "" {
			*p = "0"
		}
	}
	return v, true
}

// cutIdents cuts s at the first sep into what precedes it and the
// dot-separated identifiers that follow it (nil when there is no sep). ok
// is false when the identifiers are not validIdents.
func cutIdents(s string, sep byte) (rest string, ids []string, ok bool) {
	i := strings.IndexByte(s, sep)
	if i < 0 {
		return s, nil, true
	}
	if !validIdents(s[i+1:]) {
		return s, nil, false
	}
	return s[:i], strings.Split(s[i+1:], "."), true
}

// validIdents reports whether s is a non-empty dot-separated list of
// non-empty [0-9A-Za-z-] identifiers.
func validIdents(s string) bool {
	if s == "" {
		return false
	}
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !isDigit(c) && !isASCIILetter(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

func (v semver) compare(o semver) int {
	if c := compareDigits(v.major, o.major); c != 0 {
		return c
	}
	if c := compareDigits(v.minor, o.minor); c != 0 {
		return c
	}
	if c := compareDigits(v.patch, o.patch); c != 0 {
		return c
	}
	switch {
	case v.pre == o.pre:
		return 0
	case v.pre == "":
		return 1
	case o.pre == "":
		return -1
	}
	return comparePrerelease(v.pre, o.pre)
}

// comparePrerelease applies SemVer 2.0 rule 11: identifiers compared left
// to right, numeric ones by value and lower than alphanumeric ones,
// alphanumeric ones in ASCII order, a shorter list lower when it is a
// prefix of the other.
func comparePrerelease(a, b string) int {
	for {
		ia, ra, moreA := strings.Cut(a, ".")
		ib, rb, moreB := strings.Cut(b, ".")
		na, nb := allDigits(ia), allDigits(ib)
		var c int
		switch {
		case na && nb:
			c = compareDigits(ia, ib)
		case na:
			c = -1
		case nb:
			c = 1
		default:
			c = strings.Compare(ia, ib)
		}
		if c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = ra, rb
	}
}

func compareSemver(a, b string) (int, bool) {
	return both(a, b, parseSemver, semver.compare)
}

// compareGo orders Go module versions. They are semver with a "v" prefix;
// pseudo-versions (v0.0.0-20191109021931-daa7c04131f5) are pre-releases
// whose timestamp sorts them in commit order, and "+incompatible" is build
// metadata, so the semver ordering is already right. The "v" is optional
// here because advisories drop it.
func compareGo(a, b string) (int, bool) {
	return compareSemver(a, b)
}
