package report_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/report"
)

func TestWriteJUnitGolden(t *testing.T) {
	t.Parallel()
	golden(t, "scenario.junit.golden", write(t, report.WriteJUnit, scenario(t)))
}

// junit is what CI systems read of a JUnit report.
type junit struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Classname string        `xml:"classname,attr"`
			Name      string        `xml:"name,attr"`
			Failure   *junitProblem `xml:"failure"`
			Error     *junitProblem `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// parseJUnit parses a JUnit report back.
func parseJUnit(t *testing.T, out []byte) junit {
	t.Helper()
	if !bytes.HasPrefix(out, []byte(xml.Header)) {
		t.Errorf("report does not start with the XML header:\n%s", out)
	}
	var got junit
	if err := xml.Unmarshal(out, &got); err != nil {
		t.Fatalf("parsing the report: %v\n%s", err, out)
	}
	return got
}

func TestWriteJUnit(t *testing.T) {
	t.Parallel()
	got := parseJUnit(t, write(t, report.WriteJUnit, scenario(t)))

	// counts are the counts of testsuites and of each testsuite, with its name and properties.
	type counts struct {
		Name                    string
		Tests, Failures, Errors int
		Spec                    string
	}
	gotCounts := []counts{{got.Name, got.Tests, got.Failures, got.Errors, ""}}
	for _, s := range got.Suites {
		c := counts{Name: s.Name, Tests: s.Tests, Failures: s.Failures, Errors: s.Errors}
		for _, p := range s.Properties {
			if p.Name == "spec" {
				c.Spec = p.Value
			}
		}
		gotCounts = append(gotCounts, c)
	}
	wantCounts := []counts{
		{"datashare validate", 10, 5, 1, ""},
		{"traffic.har", 6, 3, 0, "shelf.yaml"},
		{"traffic.ndjson", 4, 2, 1, "shelf.yaml"},
	}
	if diff := cmp.Diff(wantCounts, gotCounts); diff != "" {
		t.Errorf("counts differ (-want +got):\n%s", diff)
	}

	// A testcase in one value: its class and name, then what went wrong.
	type testcase struct {
		Classname, Name string
		Failure, Error  *junitProblem
	}
	var cases []testcase
	for _, s := range got.Suites {
		for _, c := range s.Cases {
			cases = append(cases, testcase{c.Classname, c.Name, c.Failure, c.Error})
		}
	}
	contract := func(message, text string) *junitProblem {
		return &junitProblem{Message: message, Type: "contract", Text: text}
	}
	want := []testcase{
		{Classname: "listBooks", Name: "#1 GET /api/books → 200"},
		{Classname: "createBook", Name: "#2 POST /api/books → 201", Failure: contract("2 violations",
			"#2 POST /api/books 201 request body \"title\": must be a string\n"+
				"#2 POST /api/books 201 response body \"title\": must be a string")},
		{Classname: "createBook", Name: "#3 POST /api/books → 422"},
		{Classname: "getBook", Name: "#4 GET /api/books/12 → 404"},
		{Classname: "getBook", Name: "#5 GET /api/books/12 → 418", Failure: contract("1 violation",
			`#5 GET /api/books/12 418 response status "418": is not a status the operation documents`)},
		{Classname: "no operation", Name: "#6 PATCH /api/books/12 → 405", Failure: contract("1 violation",
			`#6 PATCH /api/books/12 405 request method "PATCH": is not a method of the operations at this path`)},
		{Classname: "no operation", Name: "#7 GET /api/authors → 404", Failure: contract("1 violation",
			`#7 GET /api/authors 404 request path "/api/authors": is not the path of an operation of the contract`)},
		{Classname: "no operation", Name: "#8 traffic.ndjson:2", Error: &junitProblem{Message: "malformed entry", Type: "malformed",
			Text: "line 2: invalid character 'x' looking for beginning of value"}},
		{Classname: "getBook", Name: "#9 GET /api/books/abc → no response", Failure: contract("1 violation",
			`#9 GET /api/books/abc - request path "id": is not well-formed: an invalid integer`)},
		{Classname: "listBooks", Name: "#10 GET /api/books → 503"},
	}
	if diff := cmp.Diff(want, cases); diff != "" {
		t.Errorf("testcases differ (-want +got):\n%s", diff)
	}
}

func TestWriteJUnitSuites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sources []string
		want    []string
	}{
		{
			name:    "entries of a file share its suite, in the order files are read",
			sources: []string{"b.har#1", "a.ndjson:1", "b.har#2", "a.ndjson:2"},
			want:    []string{"b.har", "a.ndjson"},
		},
		{
			name:    "a Windows path keeps its drive",
			sources: []string{`C:\rec\traffic.ndjson:12`, `C:\rec\traffic.har`},
			want:    []string{`C:\rec\traffic.ndjson`, `C:\rec\traffic.har`},
		},
		{
			name:    "only digits after the last # or : are a position",
			sources: []string{"dump#final.har#3", "stdin:7"},
			want:    []string{"dump#final.har", "stdin"},
		},
		{
			name:    "a # or : with nothing after it is part of the name",
			sources: []string{"notes#", "x:"},
			want:    []string{"notes#", "x:"},
		},
		{
			name:    "entries without a source share one suite",
			sources: []string{"", ""},
			want:    []string{"traffic"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s report.Summary
			for i, src := range tt.sources {
				s.Checked = append(s.Checked, report.Checked{Index: i + 1, Source: src, Method: "GET", Path: "/", Status: 200})
			}
			var names []string
			for _, suite := range parseJUnit(t, write(t, report.WriteJUnit, s)).Suites {
				names = append(names, suite.Name)
			}
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("testsuite names differ (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteJUnitEscapes(t *testing.T) {
	t.Parallel()
	s := report.Summary{
		Spec: `a "quoted" & <odd> name`,
		Checked: []report.Checked{
			{Index: 1, Source: "t.har#1", Method: "GET", Path: "/a&b", Status: 400, Result: validator.Result{Response: []validator.Violation{
				{In: validator.InBody, Target: "x]]>y", Keyword: "pattern", Reason: "must match the pattern ^<[a-z]+>$"},
			}}},
			{Index: 2, Source: "t.har#2", Err: errors.New("bad byte \x00 and \xff in ]]> entry")},
		},
	}
	got := parseJUnit(t, write(t, report.WriteJUnit, s))
	if len(got.Suites) != 1 || len(got.Suites[0].Cases) != 2 {
		t.Fatalf("got %+v, want one suite of two testcases", got)
	}
	suite := got.Suites[0]
	if diff := cmp.Diff(s.Spec, suite.Properties[0].Value); diff != "" {
		t.Errorf("spec property differs (-want +got):\n%s", diff)
	}
	wantFailure := `#1 GET /a&b 400 response body "x]]>y": must match the pattern ^<[a-z]+>$`
	if f := suite.Cases[0].Failure; f == nil || f.Text != wantFailure {
		t.Errorf("failure = %+v, want text %q", f, wantFailure)
	}
	wantError := "bad byte \uFFFD and \uFFFD in ]]> entry"
	if e := suite.Cases[1].Error; e == nil || e.Text != wantError {
		t.Errorf("error = %+v, want text %q", e, wantError)
	}
}

func TestWriteJUnitError(t *testing.T) {
	t.Parallel()
	if err := report.WriteJUnit(failingWriter{}, scenario(t)); !errors.Is(err, errWrite) {
		t.Errorf("WriteJUnit(failing writer) = %v, want %v", err, errWrite)
	}
}
