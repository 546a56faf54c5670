package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	vers "github.com/heed-dev/heed/subscribers/version"
)

// cmdCompare says how two versions are ordered and under which scheme, so
// an operator can see why a version was or was not in a range.
func cmdCompare(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("compare", "heed compare [-scheme S] A B | heed compare [-scheme S] -", stderr)
	scheme := fs.String("scheme", vers.Generic, "version scheme: "+strings.Join(vers.Schemes, ", "))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !vers.Known(*scheme) {
		return usageError(fs, fmt.Sprintf("scheme %q is not one of %s", *scheme, strings.Join(vers.Schemes, ", ")))
	}
	switch {
	case fs.NArg() == 2:
		fmt.Fprintln(stdout, answer(*scheme, fs.Arg(0), fs.Arg(1)))
		return nil
	case fs.NArg() == 1 && fs.Arg(0) == "-":
		return comparePairs(*scheme, stdin, stdout)
	}
	return usageError(fs, "give two versions, or - to read pairs from standard input")
}

// comparePairs answers one line per input line: a pair separated by a tab
// (so versions may hold spaces), else by spaces. A line that is not a pair
// is answered with "?" and counted in the error.
func comparePairs(scheme string, stdin io.Reader, stdout io.Writer) error {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line, bad := 0, 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		var pair []string
		if strings.Contains(text, "\t") {
			pair = strings.Split(text, "\t")
		} else {
			pair = strings.Fields(text)
		}
		if len(pair) != 2 || strings.TrimSpace(pair[0]) == "" || strings.TrimSpace(pair[1]) == "" {
			bad++
			fmt.Fprintf(stdout, "? line %d: want two versions separated by a tab or spaces\n", line)
			continue
		}
		fmt.Fprintln(stdout, answer(scheme, pair[0], pair[1]))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read pairs: %w", err)
	}
	if bad > 0 {
		return fmt.Errorf("%s of %d not a pair of versions", count(bad, "line", "lines"), line)
	}
	return nil
}

// answer is "<", "=" or ">", the scheme that decided and, when the
// requested scheme could not order a version itself, why.
func answer(scheme, a, b string) string {
	e, _ := vers.Explain(scheme, a, b)
	s := [...]string{"<", "=", ">"}[e.Order+1] + " " + e.Scheme
	if e.Note != "" {
		s += " (" + e.Note + ")"
	}
	return s
}
