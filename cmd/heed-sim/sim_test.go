package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimulationMailsEachPartitionOnce runs the simulation on a small
// country, on a real three-server JetStream cluster: with one instance and
// with three, the instance run for real mails exactly the organizations of
// its own partition that the advisory hits, once each, and the other
// instances' consumers get the advisory.
func TestSimulationMailsEachPartitionOnce(t *testing.T) {
	out := filepath.Join(t.TempDir(), "runs.csv")
	var stdout, stderr bytes.Buffer
	code := runMain(context.Background(), []string{"-orgs", "300", "-k", "1,3", "-nodes", "3", "-out", out, "-dir", t.TempDir()}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := readRows(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d runs, want 2:\n%s", len(rows), stdout.String())
	}
	n := nation{orgs: 300, itemsPerOrg: 10}
	for _, r := range rows {
		k := int(r["k"])
		most := 0
		for _, h := range n.hits(k) {
			most = max(most, h)
		}
		if r["total_hits"] != 18 || int(r["part_hits"]) != most || r["repeated"] != 0 || r["foreign"] != 0 {
			t.Errorf("k=%d: %v; want 18 hits in all (6%%), %d in the instance run, no repeat, nobody else", k, r, most)
		}
		// Every tenth organization runs the product; 60% of those are hit.
		if r["candidates"] < r["part_hits"] || k == 1 && r["candidates"] != 30 || r["part_items"] != r["part_orgs"]*10 {
			t.Errorf("k=%d: %v candidates for %v hits of %v organizations", k, r["candidates"], r["part_hits"], r["part_orgs"])
		}
		if k > 1 && r["fanout_ms"] <= 0 {
			t.Errorf("k=%d: fan-out to the other consumers not measured: %v", k, r)
		}
	}
}

// TestPlotDrawsEveryRun draws the SVG from measured lines: each run is a
// point of each series, in the panel of its k.
func TestPlotDrawsEveryRun(t *testing.T) {
	csv := header + "\n" +
		"1000,10,1,1000,10000,60,60,60,100,0.6,0.7,0.0,78.2,0.10,627,0.05,7.9,0,0\n" +
		"10000,10,1,10000,100000,600,600,600,1000,5.0,4.0,0.0,90.0,0.60,1000,0.40,79.0,0,0\n" +
		"1000000,10,10,100000,1000000,6100,6100,60000,10000,50.0,30.0,12.0,300.0,4.00,1525,3.50,790.0,0,0\n" +
		"1000000,10,20,50000,500000,3100,3100,60000,5000,25.0,15.0,15.0,200.0,2.00,1550,1.80,395.0,0,0\n"
	rows, err := readRows(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	svg := plot(rows)
	for _, want := range []string{
		`data-series="match_ms" data-x="1000" data-ms="0.7"`,
		`data-series="last_mail_s" data-x="10000" data-ms="600"`,
		`data-series="fanout_ms" data-x="20" data-ms="15"`,
		`data-series="last_mail_s" data-x="10" data-ms="4000"`,
		"1M organizations over k instances",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %s", want)
		}
	}
	if _, err := readRows(strings.NewReader("orgs,k\n1,1\n")); err == nil {
		t.Error("a CSV with another header was read")
	}
}
