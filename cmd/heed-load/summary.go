package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// pair is one fan-out and the wire baselines measured after it: go-smtp's
// plain client (Raw) and Heed's own relay client alone (Relay).
type pair struct {
	Fanout fanout
	Raw    raw
	Relay  raw
}

// figures are the numbers the summary prints of a pair, or their medians
// over the pairs of a -repeat run.
type figures struct {
	rate, rawRate, ratio float64 // mails a second; the ratio in %
	// The relay client alone: mails a second, and the fan-out's rate as
	// a share of it in %.
	relayRate, relayRatio float64
	took, firstMail       float64 // s, ms
	// Processor time a mail, µs: Heed and the sink during the fan-out, the
	// client (heed-load) and the sink during the raw and the relay runs.
	heed, sink, rawClient, rawSink, relayClient, relaySink float64
	// Cores busy: the machine's, and other processes' (not heed, the sink
	// or heed-load), during the fan-out, the raw and the relay runs.
	busy, others, rawBusy, rawOthers, relayBusy, relayOthers float64
	peakRSS, startRSS                                        float64 // MB
}

func figuresOf(p pair) figures {
	f, r, rl := p.Fanout, p.Raw, p.Relay
	return figures{
		rate: f.Rate, rawRate: r.Rate, ratio: 100 * f.Rate / r.Rate,
		relayRate: rl.Rate, relayRatio: 100 * f.Rate / rl.Rate,
		took: f.Took.Seconds(), firstMail: ms(f.FirstMail),
		heed: perMail(f.CPU.Heed, f.Mails), sink: perMail(f.CPU.Sink, f.Mails),
		rawClient: perMail(r.CPU.Load, r.Mails), rawSink: perMail(r.CPU.Sink, r.Mails),
		relayClient: perMail(rl.CPU.Load, rl.Mails), relaySink: perMail(rl.CPU.Sink, rl.Mails),
		busy: f.CPU.cores(f.CPU.Busy), others: f.CPU.cores(f.CPU.others()),
		rawBusy: r.CPU.cores(r.CPU.Busy), rawOthers: r.CPU.cores(r.CPU.others()),
		relayBusy: rl.CPU.cores(rl.CPU.Busy), relayOthers: rl.CPU.cores(rl.CPU.others()),
		peakRSS: float64(f.PeakRSS) / 1e6, startRSS: float64(f.StartRSS) / 1e6,
	}
}

// medianFigures is each figure's median over the pairs (the peak RSS:
// the highest).
func medianFigures(pairs []pair) figures {
	all := make([]figures, len(pairs))
	for i, p := range pairs {
		all[i] = figuresOf(p)
	}
	var m figures
	medians := m.medianed()
	for k, dst := range medians {
		v := make([]float64, len(all))
		for i := range all {
			v[i] = *all[i].medianed()[k]
		}
		slices.Sort(v)
		if n := len(v); n%2 == 0 {
			*dst = (v[n/2-1] + v[n/2]) / 2
		} else {
			*dst = v[n/2]
		}
	}
	for _, f := range all {
		m.peakRSS = max(m.peakRSS, f.peakRSS)
	}
	return m
}

// medianed are the figures of f whose median a -repeat run prints: all
// but the peak RSS, which is the highest.
func (f *figures) medianed() []*float64 {
	return []*float64{&f.rate, &f.rawRate, &f.ratio, &f.relayRate, &f.relayRatio, &f.took, &f.firstMail,
		&f.heed, &f.sink, &f.rawClient, &f.rawSink, &f.relayClient, &f.relaySink,
		&f.busy, &f.others, &f.rawBusy, &f.rawOthers, &f.relayBusy, &f.relayOthers, &f.startRSS}
}

func printSummary(w io.Writer, o options, r result) {
	ob := r.Onboarding
	fmt.Fprintf(w, "heed-load: %d organizations, %d inventory items, %d SMTP connections (smtp.max_conns)\n", ob.Orgs, ob.Items, o.conns)
	fmt.Fprintf(w, "  load average before/after: %s / %s\n", r.Load[0], r.Load[1])
	if ob.Reused != "" {
		fmt.Fprintf(w, "  onboarding:  a copy of the onboarded database in %s (copied in %.1f s)\n", ob.Reused, ob.CopyTook.Seconds())
	} else {
		fmt.Fprintf(w, "  onboarding:  organizations imported in %.1f s (%d requests); inventories uploaded in %.1f s (%.0f a second)\n",
			ob.OrgsTook.Seconds(), ob.OrgImportRequests, ob.InventoriesTook.Seconds(), float64(ob.Orgs)/ob.InventoriesTook.Seconds())
	}
	if len(r.Pairs) == 0 {
		return
	}
	first := r.Pairs[0]
	f, raw := first.Fanout, first.Raw
	fmt.Fprintf(w, "  fan-out:     %d mails of %d bytes on average; raw SMTP and relay alone: %d mails of %d bytes over %d connections each\n",
		f.Mails, f.Bytes/int64(max(f.Mails, 1)), raw.Mails, raw.Size, raw.Conns)
	exact := true
	for i, p := range r.Pairs {
		if len(p.Fanout.Problems) > 0 {
			exact = false
			fmt.Fprintf(w, "               fan-out %d: NOT exactly one mail per primary contact: %s\n", i+1, strings.Join(p.Fanout.Problems, "; "))
		}
	}
	if exact {
		fmt.Fprintln(w, "               every primary contact got exactly one mail of each fan-out, nobody else got one")
	}
	fig := figuresOf(first)
	if len(r.Pairs) > 1 {
		for i, p := range r.Pairs {
			printPair(w, i+1, figuresOf(p))
		}
		fig = medianFigures(r.Pairs)
		fmt.Fprintf(w, "  medians of the %d pairs:\n", len(r.Pairs))
	}
	printFigures(w, fig, f.CPU.Cores, f.CPU.Local)
	if r.HeapProfile != "" {
		fmt.Fprintf(w, "  heap:        %s\n", r.HeapProfile)
	}
	for i, l := range r.FirstMail {
		round := ""
		if len(r.FirstMail) > 1 {
			round = fmt.Sprintf(" (round %d)", i+1)
		}
		fmt.Fprintf(w, "  first mail of %d single-organization advisories%s: p50 %.0f ms, p99 %.0f ms, max %.0f ms (target p99 < 100 ms)\n",
			l.Runs, round, ms(l.P50), ms(l.P99), ms(l.Max))
		fmt.Fprintf(w, "               slowest: %s\n", strings.Join(l.Slowest, ", "))
		for _, p := range l.Problems {
			fmt.Fprintln(w, "               NOT as expected:", p)
		}
	}
}

// printPair is one pair of a -repeat run on one line.
func printPair(w io.Writer, n int, f figures) {
	fmt.Fprintf(w, "  pair %d:      %.0f mails/s (%.2f s), raw %.0f/s: %.1f %%, relay alone %.0f/s: %.1f %%; "+
		"µs a mail: heed %.0f, sink %.0f | raw client %.0f, sink %.0f | relay client %.0f, sink %.0f; cores busy %.2f | %.2f | %.2f\n",
		n, f.rate, f.took, f.rawRate, f.ratio, f.relayRate, f.relayRatio, f.heed, f.sink, f.rawClient, f.rawSink,
		f.relayClient, f.relaySink, f.busy, f.rawBusy, f.relayBusy)
}

// printFigures is the body of the summary: rates, the ratio, and where the
// machine's CPU went in each phase.
func printFigures(w io.Writer, f figures, cores int, local bool) {
	fmt.Fprintf(w, "  fan-out:     %.0f mails/s (%.2f s from the publish to the last mail)\n", f.rate, f.took)
	fmt.Fprintf(w, "  raw SMTP:    %.0f mails/s (go-smtp's client)\n", f.rawRate)
	fmt.Fprintf(w, "  relay alone: %.0f mails/s (Heed's relay client, notifier/relay, without Heed)\n", f.relayRate)
	fmt.Fprintf(w, "  ratio:       %.1f %% of raw loopback go-smtp (target >= 50 %%)\n", f.ratio)
	fmt.Fprintf(w, "               %.1f %% of Heed's own relay client alone: what Heed adds over its wire path\n", f.relayRatio)
	fmt.Fprintf(w, "  first mail:  %.0f ms after the publish\n", f.firstMail)
	fmt.Fprintf(w, "  CPU a mail:  fan-out: heed %.0f µs, sink %.0f µs; raw: client %.0f µs, sink %.0f µs; relay alone: client %.0f µs, sink %.0f µs\n",
		f.heed, f.sink, f.rawClient, f.rawSink, f.relayClient, f.relaySink)
	fmt.Fprintln(w, "               (processor time; the machine's other load disturbs it less than the rates)")
	if f.busy == 0 {
		fmt.Fprintln(w, "  machine:     its use unknown (no /proc/stat)")
	} else {
		others := func(v float64) string {
			if !local {
				return ""
			}
			return fmt.Sprintf(", %.2f by other processes", v)
		}
		fmt.Fprintf(w, "  machine:     %d cores; busy %.2f during the fan-out%s; %.2f during the raw run%s; %.2f during the relay run%s\n",
			cores, f.busy, others(f.others), f.rawBusy, others(f.rawOthers), f.relayBusy, others(f.relayOthers))
	}
	fmt.Fprintf(w, "  peak RSS:    %.0f MB during the fan-out (target < 300 MB; %.0f MB just before the publish)\n", f.peakRSS, f.startRSS)
}
