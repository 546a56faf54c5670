package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// plotMain draws docs/scaling.svg from the CSV lines of runs: on the left
// the cost of one advisory on one machine (k = 1) as the country grows, on
// the right the time to reach every organization hit as k instances share
// the country.
func plotMain(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("heed-sim plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "docs/scaling.csv", "CSV written by heed-sim -out")
	out := fs.String("out", "docs/scaling.svg", "SVG to write")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	f, err := os.Open(*in)
	if err != nil {
		fmt.Fprintf(stderr, "heed-sim plot: %v\n", err)
		return 1
	}
	defer f.Close()
	rows, err := readRows(f)
	if err != nil {
		fmt.Fprintf(stderr, "heed-sim plot: %s: %v\n", *in, err)
		return 1
	}
	svg := plot(rows)
	if err := os.WriteFile(*out, []byte(svg), 0o644); err != nil {
		fmt.Fprintf(stderr, "heed-sim plot: %v\n", err)
		return 1
	}
	return 0
}

// readRows reads the CSV into maps from column to value; later lines of
// the same (orgs, k, total_hits) replace earlier ones.
func readRows(r io.Reader) ([]map[string]float64, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) < 2 || strings.Join(recs[0], ",") != header {
		return nil, fmt.Errorf("want the header %q and at least one line", header)
	}
	var rows []map[string]float64
	at := map[[3]float64]int{}
	for n, rec := range recs[1:] {
		if strings.Join(rec, ",") == header {
			continue
		}
		row := map[string]float64{}
		for i, col := range recs[0] {
			v, err := strconv.ParseFloat(rec[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d, %s: %w", n+2, col, err)
			}
			row[col] = v
		}
		key := [3]float64{row["orgs"], row["k"], row["total_hits"]}
		if i, ok := at[key]; ok {
			rows[i] = row
			continue
		}
		at[key] = len(rows)
		rows = append(rows, row)
	}
	return rows, nil
}

// series is one line of a panel: a column of the rows (scaled), by x.
type series struct {
	name, col string
	scale     float64 // to milliseconds
	color     string
}

// panel is one log-log chart.
type panel struct {
	title, xLabel, xCol string
	rows                []map[string]float64
	lines               []series
}

func plot(rows []map[string]float64) string {
	// The right panel shows the largest country split over k > 1.
	var one, many []map[string]float64
	largest := 0.0
	var sixth []map[string]float64 // the advisory that hits 6%, not -everyone
	for _, r := range rows {
		if r["total_hits"] < r["orgs"]/2 {
			sixth = append(sixth, r)
		}
	}
	for _, r := range sixth {
		if r["k"] > 1 {
			largest = math.Max(largest, r["orgs"])
		}
	}
	for _, r := range sixth {
		switch {
		case r["k"] == 1:
			one = append(one, r)
		case r["orgs"] == largest:
			many = append(many, r)
		}
	}
	left := panel{title: "One machine: one advisory, 6% of organizations hit", xLabel: "organizations (10 items each)", xCol: "orgs", rows: one,
		lines: []series{
			{"match through SQLite", "match_ms", 1, "#1f77b4"},
			{"first mail accepted", "first_mail_ms", 1, "#2ca02c"},
			{"every organization hit mailed", "last_mail_s", 1000, "#d62728"},
			{"CPU, publish to last mail", "cpu_s", 1000, "#7f7f7f"},
		}}
	right := panel{title: count(largest) + " organizations over k instances", xLabel: "instances k (one partition each)", xCol: "k", rows: many,
		lines: []series{
			{"advisory at all k consumers", "fanout_ms", 1, "#9467bd"},
			{"match through SQLite", "match_ms", 1, "#1f77b4"},
			{"first mail accepted", "first_mail_ms", 1, "#2ca02c"},
			{"every organization hit mailed", "last_mail_s", 1000, "#d62728"},
			{"CPU, publish to last mail", "cpu_s", 1000, "#7f7f7f"},
		}}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="470" viewBox="0 0 1000 470" font-family="sans-serif" font-size="11">`+"\n")
	b.WriteString(`<rect width="1000" height="470" fill="white"/>` + "\n")
	left.draw(&b, 60, 40)
	right.draw(&b, 560, 40)
	b.WriteString(`<text x="500" y="462" text-anchor="middle" fill="#555">Measured by cmd/heed-sim on a shared 2-core machine; right: the instance with the most to mail, run for real. Log scales. See docs/SCALING.md.</text>` + "\n")
	b.WriteString("</svg>\n")
	return b.String()
}

const plotW, plotH = 380, 280

func (p panel) draw(b *strings.Builder, x0, y0 float64) {
	fmt.Fprintf(b, `<g><text x="%.0f" y="%.0f" font-size="13" font-weight="bold">%s</text>`+"\n", x0, y0-16, html.EscapeString(p.title))
	if len(p.rows) == 0 {
		fmt.Fprintf(b, `<text x="%.0f" y="%.0f">no runs</text></g>`+"\n", x0, y0+20)
		return
	}
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, r := range p.rows {
		xmin, xmax = math.Min(xmin, r[p.xCol]), math.Max(xmax, r[p.xCol])
		for _, s := range p.lines {
			if v := r[s.col] * s.scale; v > 0 {
				ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
			}
		}
	}
	lx0, lx1 := math.Floor(math.Log10(xmin)), math.Ceil(math.Log10(xmax))
	if lx1 == lx0 {
		lx1++
	}
	ly0, ly1 := math.Floor(math.Log10(math.Max(ymin, 0.1))), math.Ceil(math.Log10(math.Max(ymax, 1)))
	if ly1 == ly0 {
		ly1++
	}
	px := func(x float64) float64 { return x0 + (math.Log10(x)-lx0)/(lx1-lx0)*plotW }
	py := func(y float64) float64 { return y0 + plotH - (math.Log10(math.Max(y, 0.1))-ly0)/(ly1-ly0)*plotH }
	fmt.Fprintf(b, `<rect x="%.0f" y="%.0f" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", x0, y0, plotW, plotH)
	for e := ly0; e <= ly1; e++ {
		y := py(math.Pow(10, e))
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#eee"/><text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n",
			x0, y, x0+plotW, y, x0-4, y+4, msLabel(math.Pow(10, e)))
	}
	for _, r := range p.rows {
		x := px(r[p.xCol])
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#eee"/><text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`+"\n",
			x, y0, x, y0+plotH, x, y0+plotH+14, count(r[p.xCol]))
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle">%s</text>`+"\n", x0+plotW/2, y0+plotH+30, html.EscapeString(p.xLabel))
	for i, s := range p.lines {
		var pts []string
		for _, r := range p.rows {
			v := r[s.col] * s.scale
			if v <= 0 {
				continue
			}
			x, y := px(r[p.xCol]), py(v)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s" data-series="%s" data-x="%g" data-ms="%g"/>`+"\n",
				x, y, s.color, s.col, r[p.xCol], v)
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="%s" font-size="9">%s</text>`+"\n", x+5, y-4, s.color, msLabel(v))
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", strings.Join(pts, " "), s.color)
		ly := y0 + plotH + 48 + float64(i%3)*14
		lx := x0 + float64(i/3)*200
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2"/><text x="%.0f" y="%.0f">%s</text>`+"\n",
			lx, ly-4, lx+16, ly-4, s.color, lx+20, ly, html.EscapeString(s.name))
	}
	b.WriteString("</g>\n")
}

// msLabel writes a duration given in milliseconds for an axis or a point.
func msLabel(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v/1000, 'g', 3, 64) + " s"
	default:
		return strconv.FormatFloat(v, 'g', 3, 64) + " ms"
	}
}

// count writes 1000 as 1k and 1000000 as 1M.
func count(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 3, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', 3, 64) + "k"
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}
