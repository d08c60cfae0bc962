package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// junitName is the name of the testsuites element of the JUnit reports.
const junitName = "datashare validate"

// WriteJUnit writes s as JUnit XML, as CI systems (Jenkins, GitLab, GitHub Actions) read it:
//
//   - a testsuites element named "datashare validate" that counts the exchanges (tests), those
//     that break the contract (failures) and the malformed entries (errors);
//   - one testsuite per input file, named after the Source of its entries without their
//     position ("traffic.har#3" and "traffic.ndjson:12" belong to "traffic.har" and
//     "traffic.ndjson"), in the order the files were read, with the same counts and a
//     property "spec" that names the contract;
//   - one testcase per entry, whose classname is the operationId of the operation it targets
//     ("no operation" when none) and whose name is "#3 POST /books → 201" ("no response"
//     instead of a status when there was none; "#7 traffic.ndjson:7" for a malformed entry
//     without a method);
//   - in the testcase of an entry that breaks the contract, a failure of type "contract"
//     whose message counts the violations ("2 violations") and whose text lists them as
//     WriteText does;
//   - in the testcase of a malformed entry, an error of type "malformed" with the message
//     "malformed entry" and the error as text.
func WriteJUnit(w io.Writer, s Summary) error {
	doc := junitSuites{Name: junitName}
	suites := map[string]int{}
	for _, c := range s.Checked {
		file := sourceFile(c.Source)
		i, ok := suites[file]
		if !ok {
			i = len(doc.Suites)
			suites[file] = i
			doc.Suites = append(doc.Suites, junitSuite{
				Name:       file,
				Properties: []junitProperty{{Name: "spec", Value: s.Spec}},
			})
		}
		suite := &doc.Suites[i]
		tc := junitCase{Classname: "no operation", Name: caseName(c)}
		if r := c.Result.Route; r != nil {
			tc.Classname = r.OperationID
			if tc.Classname == "" {
				tc.Classname = r.Method + " " + r.Path
			}
		}
		suite.Tests++
		switch lines := violationLines(c); {
		case c.Err != nil:
			suite.Errors++
			tc.Error = &junitProblem{Message: "malformed entry", Type: "malformed", Text: xmlText(c.Err.Error())}
		case len(lines) > 0:
			suite.Failures++
			tc.Failure = &junitProblem{Message: count(len(lines), "violation"), Type: "contract", Text: xmlText(strings.Join(lines, "\n"))}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	for _, suite := range doc.Suites {
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Errors += suite.Errors
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("writing the JUnit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing the JUnit report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("writing the JUnit report: %w", err)
	}
	return nil
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

// junitProblem is a failure or an error of a testcase.
type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// caseName names the testcase of an entry: "#3 POST /books → 201".
func caseName(c Checked) string {
	if c.Method == "" && c.Err != nil {
		return fmt.Sprintf("#%d %s", c.Index, c.Source)
	}
	status := "no response"
	if c.Status != 0 {
		status = statusText(c.Status)
	}
	return fmt.Sprintf("#%d %s %s → %s", c.Index, c.Method, c.Path, status)
}

// sourceFile returns the file part of the source of an entry: what precedes its position,
// the digits after the last "#" or ":" ("traffic.har#3", `C:\traffic.ndjson:12`). A source
// without a position is the file; an empty one is "traffic".
func sourceFile(source string) string {
	if i := strings.LastIndexAny(source, "#:"); i >= 0 && isDigits(source[i+1:]) {
		source = source[:i]
	}
	if source == "" {
		return "traffic"
	}
	return source
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// xmlText returns s with what XML 1.0 cannot carry (invalid UTF-8, control characters other
// than tab and line breaks) replaced by U+FFFD, for use as CDATA, which is written as is.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if isXMLChar(r) {
			return r
		}
		return utf8.RuneError
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

// isXMLChar reports whether r is a character of XML 1.0 (production Char).
func isXMLChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
