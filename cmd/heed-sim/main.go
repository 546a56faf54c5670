// Command heed-sim measures what one advisory costs Heed as the country
// grows, and simulates the design past one machine (docs/SCALING.md):
// organizations partitioned over k Heed instances, each consuming every
// advisory from a JetStream stream replicated over a NATS cluster, each
// mailing only its own organizations.
//
//	heed-sim -orgs 1000,10000,100000 -k 1            cost per advisory on one machine
//	heed-sim -orgs 1000000 -k 10,20,50,100           1,000,000 organizations over k instances
//	heed-sim -orgs 1000000 -k 100 -everyone           an advisory that hits every one of them
//	heed-sim plot -in docs/scaling.csv -out docs/scaling.svg
//	heed-sim agency -orgs 20000 -k 4                  the agency view gathered from HEED_EVENTS of 4 real instances
//
// Each run prints one CSV line (see header); -out appends them to a file.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(runMain(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "plot" {
		return plotMain(args[1:], stderr)
	}
	if len(args) > 0 && args[0] == "agency" {
		return agencyMain(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("heed-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	orgsList := fs.String("orgs", "1000,10000,100000", "sizes of the country, comma-separated")
	kList := fs.String("k", "1", "numbers of Heed instances, comma-separated")
	items := fs.Int("items", 10, "inventory items per organization")
	everyone := fs.Bool("everyone", false, "the advisory hits every organization (default: 6%)")
	nodes := fs.Int("nodes", 3, "NATS servers in the cluster (the stream has as many replicas)")
	out := fs.String("out", "", "append the CSV lines to this file")
	dir := fs.String("dir", "", "work directory (default: a temporary one, removed)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the runs (not of the warm-up) to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	sizes, err := ints(*orgsList)
	if err != nil {
		fmt.Fprintf(stderr, "heed-sim: -orgs: %v\n", err)
		return 2
	}
	ks, err := ints(*kList)
	if err != nil {
		fmt.Fprintf(stderr, "heed-sim: -k: %v\n", err)
		return 2
	}
	if *items < 1 || *nodes < 1 {
		fmt.Fprintln(stderr, "heed-sim: -items and -nodes must be at least 1")
		return 2
	}
	c, work, cleanup, err := setUp(*dir, *nodes)
	if err != nil {
		fmt.Fprintf(stderr, "heed-sim: %v\n", err)
		return 1
	}
	defer cleanup()
	var sink io.Writer = io.Discard
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "heed-sim: %v\n", err)
			return 1
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			fmt.Fprintf(stderr, "heed-sim: %v\n", err)
			return 1
		}
		if fi.Size() == 0 {
			fmt.Fprintln(f, header)
		}
		sink = f
	}
	// A first advisory pays for the cluster's first stream and the
	// process's warm-up; it is not reported.
	if _, err := run(ctx, c, nation{orgs: 100, itemsPerOrg: *items}, 1, work, 0); err != nil {
		fmt.Fprintf(stderr, "heed-sim: warm-up: %v\n", err)
		return 1
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "heed-sim: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "heed-sim: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintln(stdout, header)
	seq := 0
	for _, orgs := range sizes {
		for _, k := range ks {
			if k < 1 || k > orgs {
				fmt.Fprintf(stderr, "heed-sim: k=%d for %d organizations: skipped\n", k, orgs)
				continue
			}
			seq++
			fmt.Fprintf(stderr, "heed-sim: %d organizations over %d instances...\n", orgs, k)
			r, err := run(ctx, c, nation{orgs: orgs, itemsPerOrg: *items, everyone: *everyone}, k, work, seq)
			if err != nil {
				fmt.Fprintf(stderr, "heed-sim: %d organizations, k=%d: %v\n", orgs, k, err)
				return 1
			}
			fmt.Fprintln(stdout, r.row())
			fmt.Fprintln(sink, r.row())
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(fmt.Sprintf("%s/heed-%d.db%s", work, seq, suffix))
			}
		}
	}
	return 0
}

// ints reads a comma-separated list of positive integers.
func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// setUp starts the cluster in the work directory dir, or in a temporary one
// when dir is "" (removed by cleanup, which also stops the cluster).
func setUp(dir string, nodes int) (c *cluster, work string, cleanup func(), err error) {
	work = dir
	if work == "" {
		if work, err = os.MkdirTemp("", "heed-sim-"); err != nil {
			return nil, "", nil, err
		}
	}
	if c, err = startCluster(nodes, work); err != nil {
		if dir == "" {
			os.RemoveAll(work)
		}
		return nil, "", nil, err
	}
	return c, work, func() {
		c.shutdown()
		if dir == "" {
			os.RemoveAll(work)
		}
	}, nil
}
