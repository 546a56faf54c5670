package templates

import (
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	"time"
)

// The uptake curve answers the agency's question "who has acted, and how
// fast?": from the first mail to now, the share of an advisory's cases
// answered, stacked by answer, with the due date marked. It is drawn as a
// step chart of rectangles (one per answer status per interval between
// answers), each carrying its numbers as data-* attributes, so that the
// picture and its data are one and a test can read them back.

// UptakeAnswer is one answer given to a case.
type UptakeAnswer struct {
	Status string
	At     time.Time
}

// Uptake is what the curve is drawn from.
type Uptake struct {
	Lang  string
	Start time.Time // the first mail; zero: no mail yet, nothing to draw
	Now   time.Time
	Due   time.Time // the due date marked; zero: none
	// Cases holds each case's answers, oldest first; a case without answers
	// is silent.
	Cases [][]UptakeAnswer
}

// The chart's geometry, in SVG user units.
const (
	uptakeW, uptakeH   = 720, 280
	plotLeft, plotTop  = 52, 16
	plotRight, plotBot = 700, 230
)

// uptakeColors colours the answer statuses, most settled darkest.
var uptakeColors = map[string]string{
	"patched": "#1e8e3e", "mitigated": "#58b368", "not_affected": "#8fb3e0", "scheduled": "#f0b429",
}

// uptakeStep is one interval between answers: how many cases were in each
// status from From to To.
type uptakeStep struct {
	From, To time.Time
	Counts   map[string]int
}

// steps counts, for each interval between successive answers, each case's
// latest answer at the interval's start. Answers before Start count from
// Start.
func (u Uptake) steps() []uptakeStep {
	times := []time.Time{u.Start}
	for _, as := range u.Cases {
		for _, a := range as {
			if a.At.After(u.Start) && a.At.Before(u.Now) {
				times = append(times, a.At)
			}
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	times = slices.CompactFunc(times, func(a, b time.Time) bool { return a.Equal(b) })
	out := make([]uptakeStep, 0, len(times))
	for i, t := range times {
		to := u.Now
		if i+1 < len(times) {
			to = times[i+1]
		}
		counts := map[string]int{}
		for _, as := range u.Cases {
			status := ""
			for _, a := range as {
				if !a.At.After(t) {
					status = a.Status
				}
			}
			if status != "" {
				counts[status]++
			}
		}
		out = append(out, uptakeStep{From: t, To: to, Counts: counts})
	}
	return out
}

// UptakeSVG draws the uptake curve as a standalone SVG document (also
// inlined in the advisory's page). Every text in it is escaped.
func UptakeSVG(u Uptake) string {
	v := newView(u.Lang, time.UTC)
	var b strings.Builder
	esc := htmltemplate.HTMLEscapeString
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="uptake" viewBox="0 0 %d %d" width="%d" height="%d" role="img" font-family="sans-serif" font-size="12">`,
		uptakeW, uptakeH, uptakeW, uptakeH)
	fmt.Fprintf(&b, `<title>%s</title>`, esc(v.t("op.uptake")))
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#fafafa" stroke="#ccc"/>`, plotLeft, plotTop, plotRight-plotLeft, plotBot-plotTop)
	for _, pct := range []int{0, 25, 50, 75, 100} {
		y := plotBot - float64(pct)/100*(plotBot-plotTop)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/><text x="%d" y="%.1f" text-anchor="end">%d%%</text>`,
			plotLeft, y, plotRight, y, plotLeft-6, y+4, pct)
	}
	total := len(u.Cases)
	if u.Start.IsZero() || total == 0 || !u.Now.After(u.Start) {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555">%s</text></svg>`,
			(plotLeft+plotRight)/2, (plotTop+plotBot)/2, esc(v.t("op.uptake_none")))
		return b.String()
	}
	end := u.Now
	if u.Due.After(end) {
		end = u.Due // the due date is still ahead: show how far
	}
	x := func(t time.Time) float64 {
		return plotLeft + float64(t.Sub(u.Start))/float64(end.Sub(u.Start))*(plotRight-plotLeft)
	}
	unit := float64(plotBot-plotTop) / float64(total) // the height of one case
	statuses := v.Statuses()
	for _, s := range u.steps() {
		y := float64(plotBot)
		for _, st := range statuses {
			n := s.Counts[st]
			if n == 0 {
				continue
			}
			h := float64(n) * unit
			y -= h
			fmt.Fprintf(&b, `<rect class="band" data-status="%s" data-from="%s" data-to="%s" data-cases="%d" data-total="%d" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"><title>%s</title></rect>`,
				st, s.From.UTC().Format(time.RFC3339), s.To.UTC().Format(time.RFC3339), n, total,
				x(s.From), y, x(s.To)-x(s.From), h, uptakeColors[st], esc(fmt.Sprintf("%s: %d/%d", v.Status(st), n, total)))
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`, plotLeft, plotBot+16, esc(v.Day(u.Start)))
	fmt.Fprintf(&b, `<text x="%.2f" y="%d" text-anchor="end">%s</text>`, x(u.Now), plotBot+16, esc(v.t("op.now")))
	if !u.Due.IsZero() && !u.Due.Before(u.Start) {
		dx := x(u.Due)
		fmt.Fprintf(&b, `<line class="due" data-at="%s" x1="%.2f" y1="%d" x2="%.2f" y2="%d" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4"/>`,
			u.Due.UTC().Format(time.RFC3339), dx, plotTop, dx, plotBot)
		fmt.Fprintf(&b, `<text x="%.2f" y="%d" text-anchor="end" fill="#c0392b">%s</text>`, dx-4, plotTop+14, esc(v.t("op.due", v.Day(u.Due))))
	}
	lx := plotLeft
	for _, st := range statuses {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`,
			lx, uptakeH-26, uptakeColors[st], lx+16, uptakeH-16, esc(v.Status(st)))
		lx += 150
	}
	b.WriteString(`</svg>`)
	return b.String()
}
