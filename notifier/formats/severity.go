package formats

import (
	"math"
	"strings"

	"github.com/heed-dev/heed/subscribers/advisory"
)

// severityFromText maps the words publishers use (Red Hat's "Important",
// GitHub's "MODERATE", CVSS's "CRITICAL") to Heed's four severities. It
// returns "" for words it does not know, so the caller can try another source.
func severityFromText(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return advisory.Critical
	case "high", "important", "severe":
		return advisory.High
	case "medium", "moderate":
		return advisory.Medium
	case "low", "none", "informational", "info", "minor":
		return advisory.Low
	}
	return ""
}

// severityFromScore maps a CVSS base score with the CVSS v3 qualitative
// bands: 9.0 and up critical, 7.0 high, 4.0 medium, below that low.
func severityFromScore(score float64) string {
	switch {
	case score >= 9:
		return advisory.Critical
	case score >= 7:
		return advisory.High
	case score >= 4:
		return advisory.Medium
	}
	return advisory.Low
}

// severityRank orders severities so the highest of several can be kept.
func severityRank(s string) int {
	switch s {
	case advisory.Critical:
		return 4
	case advisory.High:
		return 3
	case advisory.Medium:
		return 2
	case advisory.Low:
		return 1
	}
	return 0
}

// higherSeverity returns the higher of two severities ("" is lowest).
func higherSeverity(a, b string) string {
	if severityRank(b) > severityRank(a) {
		return b
	}
	return a
}

// cvss3BaseScore computes the base score of a CVSS v3.0 or v3.1 vector
// ("CVSS:3.1/AV:N/AC:L/..."), following the specification's formulas. OSV
// records carry only the vector. It reports false for anything else,
// including vectors missing a base metric; temporal and environmental
// metrics are ignored because the base score does not use them.
func cvss3BaseScore(vector string) (float64, bool) {
	parts := strings.Split(strings.TrimSpace(vector), "/")
	if len(parts) < 2 || (parts[0] != "CVSS:3.0" && parts[0] != "CVSS:3.1") {
		return 0, false
	}
	m := map[string]string{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, ":")
		if !ok {
			return 0, false
		}
		m[k] = v
	}
	weights := map[string]map[string]float64{
		"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
		"AC": {"L": 0.77, "H": 0.44},
		"UI": {"N": 0.85, "R": 0.62},
		"C":  {"H": 0.56, "L": 0.22, "N": 0},
		"I":  {"H": 0.56, "L": 0.22, "N": 0},
		"A":  {"H": 0.56, "L": 0.22, "N": 0},
	}
	w := map[string]float64{}
	for k, table := range weights {
		x, ok := table[m[k]]
		if !ok {
			return 0, false
		}
		w[k] = x
	}
	changed := false
	switch m["S"] {
	case "U":
	case "C":
		changed = true
	default:
		return 0, false
	}
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	if changed {
		pr = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}
	}
	prW, ok := pr[m["PR"]]
	if !ok {
		return 0, false
	}
	iss := 1 - (1-w["C"])*(1-w["I"])*(1-w["A"])
	impact := 6.42 * iss
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	if impact <= 0 {
		return 0, true
	}
	exploitability := 8.22 * w["AV"] * w["AC"] * prW * w["UI"]
	if changed {
		return roundUp1(math.Min(1.08*(impact+exploitability), 10)), true
	}
	return roundUp1(math.Min(impact+exploitability, 10)), true
}

// roundUp1 is CVSS v3.1's Roundup: the smallest number with one decimal that
// is not below x, computed on integers to avoid floating point surprises.
func roundUp1(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}
