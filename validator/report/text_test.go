package report_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/report"
)

func TestWriteTextGolden(t *testing.T) {
	t.Parallel()
	golden(t, "scenario.txt.golden", write(t, report.WriteText, scenario(t)))
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	bodyType := validator.Violation{In: validator.InBody, Target: "title", Keyword: "type", Reason: "must be a string"}
	tests := []struct {
		name    string
		summary report.Summary
		want    string
	}{
		{
			name: "no traffic and no operations is the summary line alone",
			want: "0 exchanges, 0 violations\n",
		},
		{
			name:    "one exchange and one violation are singular",
			summary: report.Summary{Checked: []report.Checked{{Index: 3, Method: "POST", Path: "/api/books", Status: 201, Result: validator.Result{Response: []validator.Violation{bodyType}}}}},
			want:    "#3 POST /api/books 201 response body \"title\": must be a string\n\n1 exchange, 1 violation\n",
		},
		{
			name: "a violation without a target has no quoted target, an exchange without a response has -",
			summary: report.Summary{Checked: []report.Checked{{Index: 1, Method: "POST", Path: "/api/books", Result: validator.Result{Request: []validator.Violation{
				{In: validator.InBody, Keyword: validator.KeywordMissing, Reason: "is required"},
			}}}}},
			want: "#1 POST /api/books - request body: is required\n\n1 exchange, 1 violation\n",
		},
		{
			name: "request violations come before response violations",
			summary: report.Summary{Checked: []report.Checked{{Index: 2, Method: "PUT", Path: "/x", Status: 200, Result: validator.Result{
				Response: []validator.Violation{bodyType},
				Request:  []validator.Violation{{In: validator.InQuery, Target: "limit", Keyword: "maximum", Reason: "must be at most 100"}},
			}}}},
			want: "#2 PUT /x 200 request query \"limit\": must be at most 100\n" +
				"#2 PUT /x 200 response body \"title\": must be a string\n\n" +
				"1 exchange, 2 violations\n",
		},
		{
			name: "malformed entries are counted only when there are some, on one line each",
			summary: report.Summary{Checked: []report.Checked{
				{Index: 1, Source: "a.ndjson:1", Method: "GET", Path: "/", Status: 200},
				{Index: 2, Source: "a.ndjson:2", Err: errors.New("invalid character '}'\n  after object key")},
			}},
			want: "#2 a.ndjson:2: malformed: invalid character '}' after object key\n\n2 exchanges, 0 violations, 1 malformed\n",
		},
		{
			name: "coverage lists each operation, with none for empty lists and undocumented statuses when any",
			summary: report.Summary{Coverage: []report.Coverage{
				{OperationID: "listBooks", Method: "GET", Path: "/books", Exchanges: 3, Seen: []string{"200", "404"}, Never: []string{"400", "500"}},
				{OperationID: "getBook", Method: "GET", Path: "/books/{id}", Exchanges: 1, Never: []string{"200"}, Undocumented: []int{418, 503}},
				{OperationID: "deleteBook", Method: "DELETE", Path: "/books/{id}", Seen: []string{"204", "default"}},
				{Method: "HEAD", Path: "/books", Never: []string{"200"}},
			}},
			want: "Coverage:\n" +
				"  listBooks GET /books: seen 200, 404; never 400, 500\n" +
				"  getBook GET /books/{id}: seen none; never 200; undocumented 418, 503\n" +
				"  deleteBook DELETE /books/{id}: seen 204, default; never none\n" +
				"  HEAD /books: seen none; never 200\n" +
				"0 exchanges, 0 violations\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(write(t, report.WriteText, tt.summary))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("WriteText() differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteTextError(t *testing.T) {
	t.Parallel()
	if err := report.WriteText(failingWriter{}, scenario(t)); !errors.Is(err, errWrite) {
		t.Errorf("WriteText(failing writer) = %v, want %v", err, errWrite)
	}
}
