package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/recording"
	"github.com/datashare/datashare/validator/report"
	"github.com/getkin/kin-openapi/openapi3filter"
)

const validateDescription = `Checks recorded traffic against the contract: each request against the operation it targets,
each response against what that operation documents for its status. FILE is a HAR 1.2 file (as
browsers' developer tools, Playwright, mitmproxy and Dev Proxy save them) or an NDJSON file with
one exchange per line:
  {"request":{"method":"GET","url":"...","headers":{...},"body":...},
   "response":{"status":200,"headers":{...},"body":...}}
Exchanges are matched to operations by path, under the path of the contract's servers (or
--base-path), whatever the host: traffic recorded against https://graph.microsoft.com/beta and
against this project's server both validate.

The report lists each violation, a summary and, for each operation, the documented statuses the
traffic showed and those it never did. Exit status: 0 when every exchange conforms, 1 when an
exchange breaks the contract or an entry is malformed (reported with its position; the run goes
on), 2 when the command cannot do its job (a file it cannot read, an invalid contract, a bad flag).
`

func runValidate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var (
		specPath, format, output, basePath string
		ignoreAuth                         bool
	)
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.StringVar(&specPath, "spec", "", "the OpenAPI 3.0 `file` to check against; empty means the embedded contract")
	format = "text"
	fs.Var(choice{&format, []string{"text", "json", "junit"}}, "format", "the `format` of the report: text, json or junit")
	fs.StringVar(&output, "output", "", "the `file` to write the report to; empty means standard output")
	fs.StringVar(&basePath, "base-path", "", "the `path` under which the operations are served, instead of the path of the contract's servers")
	fs.BoolVar(&ignoreAuth, "ignore-auth", false, "do not check credentials (exported recordings often leave out Authorization headers)")
	if err := parseFlagsArgs(fs, args, getenv, stdout, stderr, "datashare validate [flags] FILE...", validateDescription, true); err != nil {
		return err
	}
	write, err := reportWriter(format)
	if err != nil {
		return usageError{err}
	}
	if err := checkBasePath(basePath); err != nil {
		return usageError{err}
	}
	if fs.NArg() == 0 {
		return usageError{errors.New("validate: no traffic file given")}
	}
	for _, arg := range fs.Args() {
		// Parsing stops at the first file, so a flag after it would be read as a file.
		if strings.HasPrefix(arg, "-") && len(arg) > 1 {
			return usageError{fmt.Errorf("validate: flag %s after the files: put the flags first (a file whose name begins with - can be given as ./%s)", arg, arg)}
		}
	}

	doc, specName, err := loadContract(specPath)
	if err != nil {
		return usageError{err}
	}
	var opts []validator.Option
	if basePath != "" {
		opts = append(opts, validator.WithBasePath(basePath))
	}
	if ignoreAuth {
		opts = append(opts, validator.WithAuthenticator(openapi3filter.NoopAuthenticationFunc))
	}
	v, err := validator.New(doc, opts...)
	if err != nil {
		return usageError{fmt.Errorf("contract %s: %w", specName, err)}
	}

	var checked []report.Checked
	for _, file := range fs.Args() {
		entries, err := recording.ReadFile(file)
		if err != nil {
			return usageError{err}
		}
		for _, e := range entries {
			checked = append(checked, check(ctx, v, len(checked)+1, e))
		}
	}
	summary := report.Summarize(specName, v.Routes(), checked)

	if output == "" {
		err = write(stdout, summary)
	} else {
		err = writeFile(output, func(w io.Writer) error { return write(w, summary) })
	}
	if err != nil {
		// Without its report the run cannot say how the traffic stands: exit 2, not 1.
		return usageError{fmt.Errorf("writing the report: %w", err)}
	}
	if summary.Failed() {
		return errViolations
	}
	return nil
}

// check validates one entry of a recording.
func check(ctx context.Context, v *validator.Validator, index int, e recording.Entry) report.Checked {
	c := report.Checked{Index: index, Source: e.Source, Method: e.Exchange.Method, Status: e.Exchange.Status, Err: e.Err}
	if u := e.Exchange.URL; u != nil {
		c.URL, c.Path = u.String(), pathOf(u)
	}
	if e.Err == nil {
		c.Result = v.CheckExchange(ctx, e.Exchange)
	}
	return c
}

func pathOf(u *url.URL) string {
	if u.Path == "" {
		return "/"
	}
	return u.Path
}

func reportWriter(format string) (func(io.Writer, report.Summary) error, error) {
	switch format {
	case "text":
		return report.WriteText, nil
	case "json":
		return report.WriteJSON, nil
	case "junit":
		return report.WriteJUnit, nil
	}
	return nil, fmt.Errorf("unknown report format %q: want text, json or junit", format)
}

// writeFile creates the file at path and writes it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// choice is a string flag that takes one of a few values, so that a bad value, from the
// command line or from the environment, is refused while the flags are parsed and its message
// names where it came from.
type choice struct {
	value   *string
	choices []string
}

func (c choice) String() string {
	if c.value == nil {
		return ""
	}
	return *c.value
}

func (c choice) Set(s string) error {
	if !slices.Contains(c.choices, s) {
		return fmt.Errorf("want %s", orList(c.choices))
	}
	*c.value = s
	return nil
}

// orList writes items as "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// checkBasePath refuses a --base-path that is not a path from the root: with "beta" for
// "/beta", no request would ever match an operation.
func checkBasePath(p string) error {
	if p != "" && !strings.HasPrefix(p, "/") {
		return fmt.Errorf("--base-path %q: want a path that begins with /, such as /%s", p, p)
	}
	return nil
}
