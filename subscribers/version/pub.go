package version

import (
	"strconv"
	"strings"
)

// This file orders Dart (pub) versions the way package pub_semver's
// Version.compareTo does. It is SemVer with one documented difference:
// build metadata takes part in the order.
//
//   - exactly Major.Minor.Patch, then optionally "-" and a dot-separated
//     pre-release, then optionally "+" and a dot-separated build;
//   - numbers by value; a pre-release is below its release
//     (1.0.0-pre+build < 1.0.0);
//   - then a version with a build is above the same version without one
//     (1.0.0 < 1.0.0+1), and builds compare like pre-releases;
//   - pre-release and build identifiers that read as integers (Dart's
//     int.tryParse: decimal, "-" signed, or 0x hexadecimal, within 64 bits)
//     compare by value and below the others, which compare by code unit.

type pubVersion struct {
	major, minor, patch string
	pre, build          []string
}

func parsePub(s string) (pubVersion, bool) {
	s = trimSpace(s)
	var v pubVersion
	s, build, okBuild := cutIdents(s, '+')
	s, pre, okPre := cutIdents(s, '-')
	if !okBuild || !okPre {
		return pubVersion{}, false
	}
	v.pre, v.build = pre, build
	nums := strings.Split(s, ".")
	if len(nums) != 3 {
		return pubVersion{}, false
	}
	for _, n := range nums {
		if !allDigits(n) {
			return pubVersion{}, false
		}
	}
	v.major, v.minor, v.patch = nums[0], nums[1], nums[2]
	return v, true
}

func (v pubVersion) compare(o pubVersion) int {
	for _, p := range [][2]string{{v.major, o.major}, {v.minor, o.minor}, {v.patch, o.patch}} {
		if c := compareDigits(p[0], p[1]); c != 0 {
			return c
		}
	}
	if (len(v.pre) == 0) != (len(o.pre) == 0) {
		if len(v.pre) == 0 {
			return 1
		}
		return -1
	}
	if c := comparePubParts(v.pre, o.pre); c != 0 {
		return c
	}
	return comparePubParts(v.build, o.build)
}

// comparePubParts compares identifier lists; a missing identifier is below
// a present one, so an empty list is below any other.
func comparePubParts(a, b []string) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			return -1
		case i >= len(b):
			return 1
		}
		na, okA := dartInt(a[i])
		nb, okB := dartInt(b[i])
		var c int
		switch {
		case okA && okB:
			if na < nb {
				c = -1
			} else if na > nb {
				c = 1
			}
		case okA:
			c = -1
		case okB:
			c = 1
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// dartInt is Dart's int.tryParse for the characters an identifier may hold.
func dartInt(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	base := 10
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		body, base = body[2:], 16
	}
	if body == "" || strings.HasPrefix(body, "-") {
		return 0, false
	}
	if neg {
		body = "-" + body
	}
	n, err := strconv.ParseInt(body, base, 64)
	return n, err == nil
}

func comparePub(a, b string) (int, bool) {
	return both(a, b, parsePub, pubVersion.compare)
}
