package report_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/report"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata with the reports written")

// shelf is the contract of the scenario: books under /api, with a range ("4XX") and "default"
// among the documented statuses, and an operation that the traffic never calls.
const shelf = `
openapi: 3.0.3
info: {title: Shelf, version: "1"}
servers: [{url: /api}]
paths:
  /books:
    get:
      operationId: listBooks
      responses:
        "200":
          description: the books
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Book"}}
        default: {$ref: "#/components/responses/Error"}
    post:
      operationId: createBook
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Book"}
      responses:
        "201":
          description: the book created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Book"}
        "4XX": {$ref: "#/components/responses/Error"}
  /books/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getBook
      responses:
        "200":
          description: the book
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Book"}
        "404": {$ref: "#/components/responses/Error"}
    delete:
      operationId: deleteBook
      responses:
        "204": {description: deleted}
        default: {$ref: "#/components/responses/Error"}
components:
  schemas:
    Book:
      type: object
      required: [title]
      properties:
        title: {type: string}
  responses:
    Error:
      description: an error
      content:
        application/json:
          schema:
            type: object
            required: [message]
            properties:
              message: {type: string}
`

// newValidator builds a validator for an OpenAPI document in YAML.
func newValidator(t testing.TB, spec string) *validator.Validator {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatalf("loading the contract: %v", err)
	}
	v, err := validator.New(doc)
	if err != nil {
		t.Fatalf("validator.New() = %v, want no error", err)
	}
	return v
}

// entry is an entry of recorded traffic, before it is checked.
type entry struct {
	source       string
	method, url  string
	requestBody  string
	status       int
	responseBody string
	err          error // the entry could not be read
}

// check validates entries with v as a traffic validator would, and numbers them from 1.
func check(t testing.TB, v *validator.Validator, entries []entry) []report.Checked {
	t.Helper()
	var out []report.Checked
	for i, e := range entries {
		c := report.Checked{Index: i + 1, Source: e.source, Method: e.method, URL: e.url, Status: e.status, Err: e.err}
		if e.err != nil {
			out = append(out, c)
			continue
		}
		u, err := url.Parse(e.url)
		if err != nil {
			t.Fatalf("url.Parse(%q) = %v", e.url, err)
		}
		c.Path = u.Path
		ex := validator.Exchange{Method: e.method, URL: u, Status: e.status, RequestHeader: http.Header{}, ResponseHeader: http.Header{}}
		if e.requestBody != "" {
			ex.RequestBody = []byte(e.requestBody)
			ex.RequestHeader.Set("Content-Type", "application/json")
		}
		if e.responseBody != "" {
			ex.ResponseBody = []byte(e.responseBody)
			ex.ResponseHeader.Set("Content-Type", "application/json")
		}
		c.Result = v.CheckExchange(context.Background(), ex)
		out = append(out, c)
	}
	return out
}

// scenario returns the report of a recording of ten entries of traffic to the shelf contract,
// read from two files: some obey it, some break it on either side or both, one has an
// undocumented status, two target no operation, one has no response and one is malformed.
func scenario(t testing.TB) report.Summary {
	t.Helper()
	const host = "https://shelf.example"
	v := newValidator(t, shelf)
	checked := check(t, v, []entry{
		{source: "traffic.har#1", method: "GET", url: host + "/api/books?limit=2&sort=title", status: 200, responseBody: `[{"title":"Dune"}]`},
		{source: "traffic.har#2", method: "POST", url: host + "/api/books", requestBody: `{"title":7}`, status: 201, responseBody: `{"title":7}`},
		{source: "traffic.har#3", method: "POST", url: host + "/api/books", requestBody: `{"title":"Emma"}`, status: 422, responseBody: `{"message":"a book with this title exists"}`},
		{source: "traffic.har#4", method: "GET", url: host + "/api/books/12", status: 404, responseBody: `{"message":"no such book"}`},
		{source: "traffic.har#5", method: "GET", url: host + "/api/books/12", status: 418, responseBody: `{"message":"I'm a teapot"}`},
		{source: "traffic.har#6", method: "PATCH", url: host + "/api/books/12", requestBody: `{"title":"Emma"}`, status: 405},
		{source: "traffic.ndjson:1", method: "GET", url: host + "/api/authors", status: 404},
		{source: "traffic.ndjson:2", err: errors.New(`line 2: invalid character 'x' looking for beginning of value`)},
		{source: "traffic.ndjson:3", method: "GET", url: host + "/api/books/abc"},
		{source: "traffic.ndjson:4", method: "GET", url: host + "/api/books", status: 503, responseBody: `{"message":"down for maintenance"}`},
	})
	return report.Summarize("shelf.yaml", v.Routes(), checked)
}

// golden compares got with the golden file testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("updating %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v (run the test with -update to write it)", path, err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("report differs from %s (-want +got):\n%s", path, diff)
	}
}

// write returns what a writer of reports writes for s, and fails the test if it fails.
func write(t *testing.T, w func(io.Writer, report.Summary) error, s report.Summary) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := w(&b, s); err != nil {
		t.Fatalf("writing the report: %v", err)
	}
	return b.Bytes()
}

var errWrite = errors.New("disk full")

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }
