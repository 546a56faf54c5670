package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heed-dev/heed/notifier"
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

// TestAgencyViewMatchesEveryPartition runs the agency simulation on a
// small country: three real Heed instances on a three-server JetStream
// cluster publish their case events into one stream, organizations answer
// through their mails' links, some leave; the view gathered from the
// stream shows, for every instance, what its database says, with answers,
// silent, overdue and closed cases all present.
func TestAgencyViewMatchesEveryPartition(t *testing.T) {
	dir := t.TempDir()
	c, err := startCluster(3, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.shutdown()
	res, err := runAgency(context.Background(), c, nation{orgs: 600, itemsPerOrg: 10}, 3, dir)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res.print(&out)
	t.Logf("\n%s", out.String())
	if res.Hits != 36 || res.Mails != 72 || res.Answers != 36 || res.Deactivated != 1 || len(res.Partitions) != 3 {
		t.Errorf("%d hit, %d mails, %d answers, %d left, %d partitions; want 36 hit by each of two advisories, half answered, one left, 3",
			res.Hits, res.Mails, res.Answers, res.Deactivated, len(res.Partitions))
	}
	var all notifier.AgencyCounts
	for _, p := range res.Partitions {
		if !p.matches() {
			t.Errorf("%s: view %v, database %v", p.Source, p.View, p.Truth)
		}
		for _, adv := range []string{"AGENCY-1", "AGENCY-2"} {
			c := p.View[adv]
			all.Opened += c.Opened
			all.Answered += c.Answered
			all.Silent += c.Silent
			all.Overdue += c.Overdue
			all.Closed += c.Closed
		}
	}
	if all.Opened+all.Closed != 72 || all.Answered == 0 || all.Silent == 0 || all.Overdue == 0 || all.Closed != 2 {
		t.Errorf("counts in all: %+v; want every case, some answered, silent and overdue, the leaver's two closed", all)
	}
	if !strings.Contains(out.String(), "matches its database") || res.Stored.N != int(res.Events) || res.One.N == 0 ||
		res.Replay.Events != int(res.Events)+res.One.N {
		t.Errorf("live %d of %d events, %d answers one at a time, replay read %d", res.Stored.N, res.Events, res.One.N, res.Replay.Events)
	}
}
