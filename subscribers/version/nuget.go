package version

import "strings"

// This file orders NuGet versions the way NuGet.Versioning's default
// comparer does:
//
//   - Major.Minor.Patch with an optional fourth number (Revision); missing
//     numbers are 0, so 1.0 = 1.0.0 = 1.0.0.0;
//   - an optional "-" and dot-separated release labels, then an optional
//     "+" and build metadata, which never takes part in the order
//     (1.0.0 = 1.0.0+beta);
//   - a release is higher than its pre-releases; labels compare one by
//     one, numeric labels by value and below alphanumeric ones,
//     alphanumeric labels ignoring case ("1.0.0-RC1" = "1.0.0-rc1"), and a
//     shorter list of labels is lower.
//
// A leading "v", which NuGet itself refuses, is accepted because
// advisories write it.

type nugetVersion struct {
	nums   [4]string
	labels []string
}

func parseNuGet(s string) (nugetVersion, bool) {
	s = trimSpace(s)
	if s != "" && (s[0] == 'v' || s[0] == 'V') {
		s = s[1:]
	}
	var v nugetVersion
	s, _, okBuild := cutIdents(s, '+')
	s, labels, okPre := cutIdents(s, '-')
	if !okBuild || !okPre {
		return nugetVersion{}, false
	}
	v.labels = labels
	nums := strings.Split(s, ".")
	if len(nums) > 4 {
		return nugetVersion{}, false
	}
	for i := range v.nums {
		v.nums[i] = "0"
		if i < len(nums) {
			if !allDigits(nums[i]) {
				return nugetVersion{}, false
			}
			v.nums[i] = nums[i]
		}
	}
	return v, true
}

func (v nugetVersion) compare(o nugetVersion) int {
	for i := range v.nums {
		if c := compareDigits(v.nums[i], o.nums[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(v.labels) == 0 && len(o.labels) == 0:
		return 0
	case len(v.labels) == 0:
		return 1
	case len(o.labels) == 0:
		return -1
	}
	for i := 0; i < len(v.labels) && i < len(o.labels); i++ {
		a, b := v.labels[i], o.labels[i]
		na, nb := allDigits(a), allDigits(b)
		var c int
		switch {
		case na && nb:
			c = compareDigits(a, b)
		case na:
			c = -1
		case nb:
			c = 1
		default:
			c = strings.Compare(strings.ToUpper(a), strings.ToUpper(b))
		}
		if c != 0 {
			return c
		}
	}
	return sign(len(v.labels) - len(o.labels))
}

func compareNuGet(a, b string) (int, bool) {
	return both(a, b, parseNuGet, nugetVersion.compare)
}
