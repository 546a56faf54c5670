package version

import "strings"

// This file orders RubyGems versions the way Gem::Version does:
//
//   - a version is digits, then "." and alphanumeric runs, then optionally
//     "-" and a dot-separated pre-release ("1.2.3", "3.0.0.rc2",
//     "1.0.0-beta.1"); surrounding space is ignored and a blank version is
//     "0";
//   - every "-" counts as ".pre." ("1.0-rc1" is 1.0.pre.rc1);
//   - the segments are the runs of digits (numbers) and of letters
//     (strings): "3.0.0.rc2" is 3, 0, 0, "rc", 2;
//   - zeros are dropped from the end of the numeric part before the first
//     string and from the end of the whole, so 1.0.0.rc2 = 1.rc2 and
//     1.0 = 1;
//   - segments compare pairwise, a missing one counting as 0; a string is
//     lower than a number (so every pre-release is below its release:
//     3.0.0.rc2 < 3.0.0), numbers by value, strings byte by byte ("RC" <
//     "rc").

// gemSegment is a run of digits (num) or of letters.
type gemSegment struct {
	text string
	num  bool
}

// parseGem returns the canonical segments of a RubyGems version.
func parseGem(s string) ([]gemSegment, bool) {
	s = strings.Trim(s, " \t\n\r\f\v")
	if !validGem(s) {
		return nil, false
	}
	s = strings.ReplaceAll(s, "-", ".pre.")
	var segs []gemSegment
	for i := 0; i < len(s); {
		c := s[i]
		if !isDigit(c) && !isASCIILetter(c) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) == isDigit(c) && (isDigit(s[j]) || isASCIILetter(s[j])) {
			j++
		}
		segs = append(segs, gemSegment{text: s[i:j], num: isDigit(c)})
		i = j
	}
	// Drop the zeros that end the numeric part, then those that end the
	// string part.
	firstString := len(segs)
	for i, sg := range segs {
		if !sg.num {
			firstString = i
			break
		}
	}
	release := dropGemZeros(segs[:firstString])
	pre := dropGemZeros(segs[firstString:])
	return append(release[:len(release):len(release)], pre...), true
}

func dropGemZeros(segs []gemSegment) []gemSegment {
	for len(segs) > 0 && segs[len(segs)-1].num && allZero(segs[len(segs)-1].text) {
		segs = segs[:len(segs)-1]
	}
	return segs
}

// validGem is Gem::Version's pattern: [0-9]+(\.[0-9a-zA-Z]+)* then
// optionally -[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*, or nothing at all.
func validGem(s string) bool {
	if s == "" {
		return true
	}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && (isDigit(s[j]) || isASCIILetter(s[j])) {
			j++
		}
		if j == i+1 {
			return false
		}
		i = j
	}
	if i == len(s) {
		return true
	}
	if s[i] != '-' {
		return false
	}
	for _, id := range strings.Split(s[i+1:], ".") {
		if id == "" {
			return false
		}
		for k := 0; k < len(id); k++ {
			if !isDigit(id[k]) && !isASCIILetter(id[k]) && id[k] != '-' {
				return false
			}
		}
	}
	return true
}

func compareGemSegments(a, b []gemSegment) int {
	zero := gemSegment{text: "0", num: true}
	for i := 0; i < len(a) || i < len(b); i++ {
		x, y := zero, zero
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		var c int
		switch {
		case x.num && y.num:
			c = compareDigits(x.text, y.text)
		case x.num:
			c = 1
		case y.num:
			c = -1
		default:
			c = strings.Compare(x.text, y.text)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func compareGem(a, b string) (int, bool) {
	return both(a, b, parseGem, compareGemSegments)
}
