package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/datashare/datashare/validator"
)

// Sides of an exchange, as the reports name them.
const (
	sideRequest  = "request"
	sideResponse = "response"
)

// WriteText writes s for people to read:
//
//   - one line per violation, `#3 POST /api/books 201 response body "title": must be a
//     string`: the index of the entry, its method, path and status ("-" without a response),
//     the side (request or response), where the violation is, the quoted target when there is
//     one, and the reason;
//   - one line per malformed entry, `#7 traffic.ndjson:7: malformed: <error>`;
//   - after a blank line when there are lines above, "Coverage:" and the coverage of each
//     operation of the contract, `  listBooks GET /books: seen 200; never 404, default`, with
//     "; undocumented 418" when responses had statuses the operation does not document (no
//     coverage block when the contract has no operations);
//   - a last line that sums up, `8 exchanges, 5 violations, 1 malformed` (the malformed count
//     only when there are some).
//
// Line breaks in reasons and errors become spaces, so that each finding takes one line.
func WriteText(w io.Writer, s Summary) error {
	var b bytes.Buffer
	for _, c := range s.Checked {
		if c.Err != nil {
			b.WriteString(malformedLine(c) + "\n")
		}
		for _, line := range violationLines(c) {
			b.WriteString(line + "\n")
		}
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	if len(s.Coverage) > 0 {
		b.WriteString("Coverage:\n")
		for _, cov := range s.Coverage {
			b.WriteString("  " + coverageLine(cov) + "\n")
		}
	}
	b.WriteString(totals(s) + "\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("writing the text report: %w", err)
	}
	return nil
}

// malformedLine describes an entry that could not be read.
func malformedLine(c Checked) string {
	return fmt.Sprintf("#%d %s: malformed: %s", c.Index, c.Source, oneLine(c.Err.Error()))
}

// violationLines describes the violations of an entry, one line each.
func violationLines(c Checked) []string {
	var lines []string
	prefix := fmt.Sprintf("#%d %s %s %s ", c.Index, c.Method, c.Path, statusText(c.Status))
	for _, v := range c.Result.Request {
		lines = append(lines, prefix+sideRequest+" "+violationText(v))
	}
	for _, v := range c.Result.Response {
		lines = append(lines, prefix+sideResponse+" "+violationText(v))
	}
	return lines
}

// violationText describes v: `body "title": must be a string`, or `body: is required` when it
// has no target.
func violationText(v validator.Violation) string {
	if v.Target == "" {
		return v.In + ": " + oneLine(v.Reason)
	}
	return fmt.Sprintf("%s %q: %s", v.In, v.Target, oneLine(v.Reason))
}

// oneLine puts s on one line, so that every line of a report stands for one finding: when s
// has line breaks, its runs of white space become single spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// statusText returns a status in words: its number, or "-" when there was no response.
func statusText(status int) string {
	if status == 0 {
		return "-"
	}
	return strconv.Itoa(status)
}

// coverageLine describes the coverage of one operation:
// `listBooks GET /books: seen 200; never default; undocumented 418`.
func coverageLine(c Coverage) string {
	var b strings.Builder
	if c.OperationID != "" {
		b.WriteString(c.OperationID + " ")
	}
	fmt.Fprintf(&b, "%s %s: seen %s; never %s", c.Method, c.Path, listOrNone(c.Seen), listOrNone(c.Never))
	if len(c.Undocumented) > 0 {
		codes := make([]string, len(c.Undocumented))
		for i, s := range c.Undocumented {
			codes[i] = strconv.Itoa(s)
		}
		b.WriteString("; undocumented " + strings.Join(codes, ", "))
	}
	return b.String()
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

// totals sums up s: "3 exchanges, 1 violation, 1 malformed".
func totals(s Summary) string {
	out := count(s.Exchanges(), "exchange") + ", " + count(s.Violations(), "violation")
	if n := s.Malformed(); n > 0 {
		out += fmt.Sprintf(", %d malformed", n)
	}
	return out
}

// count returns "1 exchange" or "n exchanges".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
