package report_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/report"
)

// statuses is a contract whose operations document exact statuses, ranges and "default" in
// every combination that matters to coverage.
const statuses = `
openapi: 3.0.3
info: {title: Statuses, version: "1"}
paths:
  /things:
    get:
      operationId: getThings
      responses:
        "200": {description: ok}
        "404": {description: not found}
        "4XX": {description: a client error}
        default: {description: anything else}
    post:
      operationId: makeThing
      responses:
        "201": {description: made}
        "5XX": {description: a server error}
  /other:
    get:
      operationId: getOther
      responses:
        "200": {description: ok}
`

func TestSummarizeCoverage(t *testing.T) {
	t.Parallel()
	v := newValidator(t, statuses)
	route := func(method, path string) *validator.Route {
		r, _, err := v.FindRoute(method, path)
		if err != nil {
			t.Fatalf("FindRoute(%s, %s) = %v", method, path, err)
		}
		return r
	}
	getThings, makeThing := route("GET", "/things"), route("POST", "/things")
	// exchange is an entry that targets route and got a response with status.
	exchange := func(r *validator.Route, status int) report.Checked {
		return report.Checked{Method: r.Method, Path: r.Path, Status: status, Result: validator.Result{Route: r}}
	}
	never := []report.Coverage{
		{OperationID: "getOther", Method: "GET", Path: "/other", Never: []string{"200"}},
		{OperationID: "getThings", Method: "GET", Path: "/things", Never: []string{"200", "404", "4XX", "default"}},
		{OperationID: "makeThing", Method: "POST", Path: "/things", Never: []string{"201", "5XX"}},
	}
	// with returns never with the coverage of some operations replaced.
	with := func(covs ...report.Coverage) []report.Coverage {
		out := append([]report.Coverage(nil), never...)
		for _, c := range covs {
			for i := range out {
				if out[i].OperationID == c.OperationID {
					out[i] = c
				}
			}
		}
		return out
	}

	tests := []struct {
		name    string
		checked []report.Checked
		want    []report.Coverage
	}{
		{
			name: "operations never called have every status never seen",
			want: never,
		},
		{
			name:    "a documented status counts for itself, not for its range",
			checked: []report.Checked{exchange(getThings, 404), exchange(getThings, 200)},
			want: with(report.Coverage{OperationID: "getThings", Method: "GET", Path: "/things", Exchanges: 2,
				Seen: []string{"200", "404"}, Never: []string{"4XX", "default"}}),
		},
		{
			name:    "a range counts for a status it covers that is not documented itself",
			checked: []report.Checked{exchange(getThings, 409)},
			want: with(report.Coverage{OperationID: "getThings", Method: "GET", Path: "/things", Exchanges: 1,
				Seen: []string{"4XX"}, Never: []string{"200", "404", "default"}}),
		},
		{
			name:    "default counts for a status nothing more specific covers",
			checked: []report.Checked{exchange(getThings, 302), exchange(getThings, 503)},
			want: with(report.Coverage{OperationID: "getThings", Method: "GET", Path: "/things", Exchanges: 2,
				Seen: []string{"default"}, Never: []string{"200", "404", "4XX"}}),
		},
		{
			name:    "default covers a status outside the ranges",
			checked: []report.Checked{exchange(getThings, 999)},
			want: with(report.Coverage{OperationID: "getThings", Method: "GET", Path: "/things", Exchanges: 1,
				Seen: []string{"default"}, Never: []string{"200", "404", "4XX"}}),
		},
		{
			name:    "statuses neither documented nor covered by a range nor default are undocumented, sorted once each",
			checked: []report.Checked{exchange(makeThing, 418), exchange(makeThing, 503), exchange(makeThing, 400), exchange(makeThing, 418)},
			want: with(report.Coverage{OperationID: "makeThing", Method: "POST", Path: "/things", Exchanges: 4,
				Seen: []string{"5XX"}, Never: []string{"201"}, Undocumented: []int{400, 418}}),
		},
		{
			name:    "an exchange without a response counts as an exchange but shows no status",
			checked: []report.Checked{exchange(makeThing, 0), exchange(makeThing, 0)},
			want: with(report.Coverage{OperationID: "makeThing", Method: "POST", Path: "/things", Exchanges: 2,
				Never: []string{"201", "5XX"}}),
		},
		{
			name: "requests to no operation and malformed entries count for no operation",
			checked: []report.Checked{
				{Method: "GET", Path: "/nowhere", Status: 404, Result: validator.Result{Request: []validator.Violation{{In: validator.InPath, Keyword: validator.KeywordNoOperation}}}},
				{Err: errors.New("unexpected end of JSON input")},
			},
			want: never,
		},
		{
			name: "a route equal to one of the contract counts for it",
			checked: []report.Checked{{Method: "GET", Path: "/other", Status: 200, Result: validator.Result{
				Route: &validator.Route{OperationID: "getOther", Method: "GET", Path: "/other"}}}},
			want: with(report.Coverage{OperationID: "getOther", Method: "GET", Path: "/other", Exchanges: 1,
				Seen: []string{"200"}}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := report.Summarize("statuses.yaml", v.Routes(), tt.checked)
			if diff := cmp.Diff(tt.want, got.Coverage); diff != "" {
				t.Errorf("Summarize().Coverage differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummarizeScenarioCoverage(t *testing.T) {
	t.Parallel()
	want := []report.Coverage{
		{OperationID: "listBooks", Method: "GET", Path: "/api/books", Exchanges: 2, Seen: []string{"200", "default"}},
		{OperationID: "createBook", Method: "POST", Path: "/api/books", Exchanges: 2, Seen: []string{"201", "4XX"}},
		{OperationID: "deleteBook", Method: "DELETE", Path: "/api/books/{id}", Never: []string{"204", "default"}},
		{OperationID: "getBook", Method: "GET", Path: "/api/books/{id}", Exchanges: 3, Seen: []string{"404"}, Never: []string{"200"}, Undocumented: []int{418}},
	}
	if diff := cmp.Diff(want, scenario(t).Coverage); diff != "" {
		t.Errorf("Summarize().Coverage differs (-want +got):\n%s", diff)
	}
}

func TestSummaryCounts(t *testing.T) {
	t.Parallel()
	violation := validator.Violation{In: validator.InBody, Keyword: "type", Reason: "must be a string"}
	tests := []struct {
		name    string
		summary report.Summary
		want    counts
	}{
		{
			name: "no traffic passes",
			want: counts{},
		},
		{
			name:    "traffic that obeys the contract passes",
			summary: report.Summary{Checked: []report.Checked{{Status: 200}, {Status: 0}}},
			want:    counts{Exchanges: 2},
		},
		{
			name: "violations of requests and responses all count",
			summary: report.Summary{Checked: []report.Checked{
				{Result: validator.Result{Request: []validator.Violation{violation}, Response: []validator.Violation{violation, violation}}},
				{Result: validator.Result{Response: []validator.Violation{violation}}},
			}},
			want: counts{Exchanges: 2, Violations: 4, Failed: true},
		},
		{
			name:    "a malformed entry alone fails",
			summary: report.Summary{Checked: []report.Checked{{Status: 200}, {Err: errors.New("not JSON")}}},
			want:    counts{Exchanges: 2, Malformed: 1, Failed: true},
		},
		{
			name:    "the scenario",
			summary: scenario(t),
			want:    counts{Exchanges: 10, Violations: 6, Malformed: 1, Failed: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.summary
			got := counts{Exchanges: s.Exchanges(), Violations: s.Violations(), Malformed: s.Malformed(), Failed: s.Failed()}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("counts differ (-want +got):\n%s", diff)
			}
		})
	}
}

type counts struct {
	Exchanges, Violations, Malformed int
	Failed                           bool
}
