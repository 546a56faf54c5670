// Command heed runs the Heed advisory notification service and its operator
// tools. Run "heed help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=..."; otherwise
// the module version recorded by the Go toolchain is shown.
var version = ""

const usage = `heed: security advisories in, reminders out, until every affected organization answers.

Usage:
  heed serve [-config FILE] [-cpuprofile FILE] [-memprofile FILE] [-trace FILE]   run the service (embedded NATS and no relay by default)
  heed publish [-config FILE] [-subject S] [-nkey FILE] [-signature FILE.sig] FILE...  publish advisory documents to NATS
  heed publisher key [-config FILE] -out FILE NAME  write a publisher's NKey seed for the embedded NATS server
  heed events key [-config FILE] -out FILE         write the events reader's NKey seed (embedded NATS with publishers)
  heed events view [-config FILE] [-nkey FILE] [-by-instance] [-json]   the agency view: each advisory's organizations opened, answered, silent, overdue, closed, over every Heed publishing events
  heed org add [-config FILE] -name NAME -contact EMAIL [-contact EMAIL] [-escalation EMAIL] [-language en|ja] [-timezone TZ]
  heed org list [-config FILE]
  heed org import [-config FILE] FILE.csv       create or update organizations by external_id (all rows or none)
  heed org deactivate|activate [-config FILE] ID   stop following an organization (its open cases close, no mail) or resume
  heed org delete [-config FILE] ID             delete an organization that has no cases
  heed inventory import [-config FILE] -org ID FILE.csv|FILE.json
  heed kev import [-config FILE] FILE.json        CISA's known exploited vulnerabilities: mark and mail the cases they name
  heed token add [-config FILE] -role ROLE [-name NAME] [-publisher P]   on the server's host: make a token, print it once
  heed token list [-config FILE]
  heed token revoke [-config FILE] NAME
  heed cases [-config FILE] [-advisory ID] [-org ID] [-state STATE]
  heed delivery forget-journal [-config FILE]    go on without a delivery journal lost for good (its mails are sent again)
  heed advisory inspect FILE...                  show the normalized advisory as JSON
  heed advisory match [-config FILE] FILE        show who an advisory would hit, sending nothing
  heed compare [-scheme S] A B                   order two versions: <, = or > and the scheme used (- reads "A B" lines)
  heed version

Every command takes -h. Without -config, built-in defaults are used (see config.example.toml).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks an error already explained by a usage message.
var errUsage = errors.New("usage")

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		err = cmdServe(ctx, rest, stdout, stderr)
	case "publish":
		err = cmdPublish(ctx, rest, stdout, stderr)
	case "org":
		err = sub(ctx, "org", rest, stdout, stderr, map[string]command{"add": cmdOrgAdd, "list": cmdOrgList, "import": cmdOrgImport,
			"deactivate": cmdOrgDeactivate, "activate": cmdOrgActivate, "delete": cmdOrgDelete})
	case "inventory":
		err = sub(ctx, "inventory", rest, stdout, stderr, map[string]command{"import": cmdInventoryImport})
	case "kev":
		err = sub(ctx, "kev", rest, stdout, stderr, map[string]command{"import": cmdKEVImport})
	case "token":
		err = sub(ctx, "token", rest, stdout, stderr, map[string]command{"add": cmdTokenAdd, "list": cmdTokenList, "revoke": cmdTokenRevoke})
	case "publisher":
		err = sub(ctx, "publisher", rest, stdout, stderr, map[string]command{"key": cmdPublisherKey})
	case "events":
		err = sub(ctx, "events", rest, stdout, stderr, map[string]command{"key": cmdEventsKey, "view": cmdEventsView})
	case "cases":
		err = cmdCases(ctx, rest, stdout, stderr)
	case "delivery":
		err = sub(ctx, "delivery", rest, stdout, stderr, map[string]command{"forget-journal": cmdDeliveryForgetJournal})
	case "advisory":
		err = sub(ctx, "advisory", rest, stdout, stderr, map[string]command{"inspect": cmdInspect, "match": cmdMatch})
	case "compare":
		err = cmdCompare(rest, os.Stdin, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "heed", buildVersion())
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "heed: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintln(stderr, "heed:", err)
		return 1
	}
}

type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

func sub(ctx context.Context, name string, args []string, stdout, stderr io.Writer, cmds map[string]command) error {
	if len(args) == 0 || cmds[args[0]] == nil {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, usageOf(name))
			return nil
		}
		fmt.Fprintf(stderr, "heed %s: expected one of the subcommands below\n\n%s", name, usageOf(name))
		return errUsage
	}
	return cmds[args[0]](ctx, args[1:], stdout, stderr)
}

// usageOf returns the usage lines of one command's subcommands.
func usageOf(name string) string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for line := range strings.Lines(usage) {
		if strings.HasPrefix(line, "  heed "+name+" ") {
			b.WriteString(line)
		}
	}
	b.WriteString("\nEach takes -h. Run \"heed help\" for every command.\n")
	return b.String()
}

// newFlags returns a flag set whose -h prints a usage line and the flags,
// if it has any.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n", synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprint(stderr, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args, turning flag errors into errUsage (already printed).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// usageError prints what is wrong, then the command's usage, and returns
// errUsage (exit code 2).
func usageError(fs *flag.FlagSet, msg string) error {
	fmt.Fprintf(fs.Output(), "heed %s: %s\n\n", fs.Name(), msg)
	fs.Usage()
	return errUsage
}

// count writes n and the noun, singular when n is one: "1 case", "2 cases".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
