package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

const usage = `datashare is a contract server and validator for the Microsoft Graph beta resource
dataShareOutgoingFlow (industryData): a stateful stand-in for https://graph.microsoft.com/beta
that validates every request and response against its OpenAPI contract.

Usage:
  datashare <command> [flags]

Commands:
  serve     run the contract server
  validate  check recorded traffic (HAR or NDJSON files) against the contract
  proxy     run a reverse proxy that checks live traffic against the contract
  help      show this help

Run 'datashare <command> --help' for the flags of a command. Every flag can also be set with
an environment variable: DATASHARE_ and the flag in capitals for serve (--addr:
DATASHARE_ADDR), with the command in between for the others (DATASHARE_PROXY_ADDR). A flag
on the command line wins over its variable.
`

// usageError is an error in the command line: the command cannot do its job.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// run is the whole program: main only calls it with the process's arguments, environment and
// standard streams, and turns its error into an exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("no command given")}
	}
	switch cmd := args[1]; cmd {
	case "serve":
		return serve(ctx, args[2:], getenv, stdout, stderr)
	case "validate":
		return runValidate(ctx, args[2:], getenv, stdout, stderr)
	case "proxy":
		return runProxy(ctx, args[2:], getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError{fmt.Errorf("unknown command %q", cmd)}
	}
}

// errViolations says that validate found traffic that breaks the contract; its report says
// how, so nothing more is printed.
var errViolations = errors.New("the traffic breaks the contract")

// exitCode reports err on stderr and returns the exit status: 0 for success (or help asked
// for), 1 when validate found violations or a command failed, 2 for a bad command line or a
// command that cannot do its job (such as an unreadable file).
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errViolations):
		return 1
	}
	fmt.Fprintf(stderr, "datashare: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// parseFlags parses args into fs, then sets each flag the command line left alone from its
// environment variable, DATASHARE_ and the flag name in capitals with - as _. Asked for help, it
// prints the usage on stdout and returns flag.ErrHelp; a bad command line gets the usage on
// stderr and a usageError.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string, stdout, stderr io.Writer, synopsis, description string) error {
	return parseFlagsArgs(fs, args, getenv, stdout, stderr, synopsis, description, false)
}

// parseFlagsArgs is parseFlags for a command that takes arguments after its flags when
// allowArgs is true.
func parseFlagsArgs(fs *flag.FlagSet, args []string, getenv func(string) string, stdout, stderr io.Writer, synopsis, description string, allowArgs bool) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs, synopsis, description)
			return err
		}
		printUsage(stderr, fs, synopsis, description)
		return usageError{err}
	}
	if fs.NArg() > 0 && !allowArgs {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := envName(fs, f.Name)
		if value := getenv(name); value != "" {
			if e := f.Value.Set(value); e != nil {
				err = usageError{fmt.Errorf("invalid value %q for %s: %w", value, name, e)}
			}
		}
	})
	return err
}

// envName is the environment variable of a flag of a command: DATASHARE_ and the flag name in
// capitals for serve (DATASHARE_ADDR), with the command's name in between for the others
// (DATASHARE_PROXY_ADDR), so that one environment can hold the settings of several commands.
func envName(fs *flag.FlagSet, flagName string) string {
	prefix := "DATASHARE_"
	if fs.Name() != "serve" {
		prefix += strings.ToUpper(fs.Name()) + "_"
	}
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// printUsage prints the usage of a command: its synopsis, description and flags, each with
// the environment variable that also sets it.
func printUsage(w io.Writer, fs *flag.FlagSet, synopsis, description string) {
	fmt.Fprintf(w, "Usage:\n  %s\n\n%s\nFlags:\n", synopsis, description)
	fs.VisitAll(func(f *flag.Flag) {
		name, help := flag.UnquoteUsage(f)
		if name == "" {
			fmt.Fprintf(w, "  --%s\n", f.Name)
		} else {
			fmt.Fprintf(w, "  --%s %s\n", f.Name, name)
		}
		fmt.Fprintf(w, "        %s\n", strings.ReplaceAll(help, "\n", "\n        "))
		fmt.Fprintf(w, "        (default %q; environment %s)\n", f.DefValue, envName(fs, f.Name))
	})
}
