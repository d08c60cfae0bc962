package validator_test

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/datashare/datashare/validator"
)

// libraryRoutes are the operations of the test contract, by path then method.
var libraryRoutes = []route{
	{"listBooks", http.MethodGet, "/books"},
	{"createBook", http.MethodPost, "/books"},
	{"deleteBook", http.MethodDelete, "/books/{bookId}"},
	{"getBook", http.MethodGet, "/books/{bookId}"},
	{"updateBook", http.MethodPatch, "/books/{bookId}"},
	{"createLoan", http.MethodPost, "/loans"},
	{"getStatus", http.MethodGet, "/status"},
}

type route struct {
	OperationID, Method, Path string
}

// routesUnder returns libraryRoutes under each prefix in turn.
func routesUnder(prefixes ...string) []route {
	var out []route
	for _, p := range prefixes {
		for _, r := range libraryRoutes {
			out = append(out, route{r.OperationID, r.Method, p + r.Path})
		}
	}
	return out
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		servers openapi3.Servers // nil: the document's, both /v2
		opts    []validator.Option
		want    []route
	}{
		{
			name: "servers with the same base path give each operation once",
			want: routesUnder("/v2"),
		},
		{
			name:    "servers with different base paths give each operation under each",
			servers: openapi3.Servers{{URL: "https://api.example.com/v2"}, {URL: "http://localhost:9000/library/v2/"}},
			want:    routesUnder("/library/v2", "/v2"),
		},
		{
			name:    "server without a path serves at the root",
			servers: openapi3.Servers{{URL: "https://api.example.com"}},
			want:    routesUnder(""),
		},
		{
			name:    "document without servers serves at the root",
			servers: openapi3.Servers{},
			want:    routesUnder(""),
		},
		{
			name: "base path option replaces the servers",
			opts: []validator.Option{validator.WithBasePath("/library/")},
			want: routesUnder("/library"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := loadDoc(t)
			if tt.servers != nil {
				doc.Servers = tt.servers
			}
			v, err := validator.New(doc, tt.opts...)
			if err != nil {
				t.Fatalf("validator.New() = %v, want no error", err)
			}
			var got []route
			for _, r := range v.Routes() {
				got = append(got, route{r.OperationID, r.Method, r.Path})
				if op := r.Operation(); op == nil || op.OperationID != r.OperationID {
					t.Errorf("route %s %s: Operation() = %v, want the operation %q", r.Method, r.Path, op, r.OperationID)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Routes() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBasePaths proves that requests are validated under each base path of the document, or
// only under the one WithBasePath sets, and pass unchecked elsewhere.
func TestBasePaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		servers openapi3.Servers // nil: the document's, both /v2
		opts    []validator.Option
		checked []string // prefixes under which an invalid request is refused
		passed  []string // prefixes under which it reaches the handler
	}{
		{
			name:    "both servers' base path",
			checked: []string{"/v2"},
			passed:  []string{"/library"},
		},
		{
			name:    "servers with different base paths",
			servers: openapi3.Servers{{URL: "https://api.example.com/v2"}, {URL: "http://localhost:9000/library"}},
			checked: []string{"/v2", "/library"},
		},
		{
			name:    "base path option overrides the servers",
			opts:    []validator.Option{validator.WithBasePath("/library")},
			checked: []string{"/library"},
			passed:  []string{"/v2"},
		},
		{
			name:    "base path option with a trailing slash",
			opts:    []validator.Option{validator.WithBasePath("/library/")},
			checked: []string{"/library"},
			passed:  []string{"/v2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := loadDoc(t)
			if tt.servers != nil {
				doc.Servers = tt.servers
			}
			v, err := validator.New(doc, append(tt.opts, validator.WithErrorHandler(renderError))...)
			if err != nil {
				t.Fatalf("validator.New() = %v, want no error", err)
			}
			e := echo.New()
			e.Use(v.Middleware())
			for _, prefix := range append(append([]string(nil), tt.checked...), tt.passed...) {
				register(e, prefix, nil)
			}
			// An invalid request that the valid handler answers as the contract says.
			invalid := func(prefix string) request {
				return request{method: http.MethodGet, target: prefix + "/books?limit=500", header: map[string]string{"Authorization": bearer, "X-Branch": "ROM"}}
			}
			for _, prefix := range tt.checked {
				if rec := do(e, invalid(prefix)); rec.Code != http.StatusBadRequest {
					t.Errorf("GET %s/books?limit=500: status %d, want %d (checked)", prefix, rec.Code, http.StatusBadRequest)
				}
			}
			for _, prefix := range tt.passed {
				if rec := do(e, invalid(prefix)); rec.Code != http.StatusOK {
					t.Errorf("GET %s/books?limit=500: status %d, want %d (not checked)", prefix, rec.Code, http.StatusOK)
				}
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	const undeclaredParameter = `
openapi: 3.0.3
info: {title: Broken, version: "1"}
paths:
  /books/{bookId}:
    get:
      operationId: getBook
      responses:
        '200': {description: The book.}
`
	// /a/b under /x and /b under /x/a are the same route, /x/a/b.
	const collidingRoutes = `
openapi: 3.0.3
info: {title: Colliding, version: "1"}
servers:
  - url: https://example.com/x
  - url: https://example.com/x/a
paths:
  /a/b:
    get:
      operationId: first
      responses:
        '200': {description: OK.}
  /b:
    get:
      operationId: second
      responses:
        '200': {description: OK.}
`
	tests := []struct {
		name string
		doc  string // empty: no document
		opts []validator.Option
	}{
		{name: "no document"},
		{name: "path parameter not declared", doc: undeclaredParameter},
		{name: "operations with the same route", doc: collidingRoutes},
		{name: "unknown mode", doc: "testdata", opts: []validator.Option{validator.WithMode(validator.Mode(7))}},
		{name: "negative mode", doc: "testdata", opts: []validator.Option{validator.WithMode(validator.Mode(-1))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var doc *openapi3.T
			switch tt.doc {
			case "":
			case "testdata":
				doc = loadDoc(t)
			default:
				var err error
				if doc, err = openapi3.NewLoader().LoadFromData([]byte(tt.doc)); err != nil {
					t.Fatalf("loading the document: %v", err)
				}
			}
			v, err := validator.New(doc, tt.opts...)
			if err == nil {
				t.Errorf("validator.New() = %v, nil; want an error", v)
			}
			if v != nil {
				t.Errorf("validator.New() returned a Validator with the error %v, want nil", err)
			}
		})
	}
}

func TestNewWithoutDocumentCheck(t *testing.T) {
	t.Parallel()
	// A path parameter not declared: only the document check refuses it.
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: Unchecked, version: "1"}
paths:
  /books/{bookId}:
    get:
      operationId: getBook
      responses:
        '200': {description: The book.}
`))
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	if _, err := validator.New(doc); err == nil {
		t.Fatal("validator.New(document with an undeclared path parameter) = nil error, want one")
	}
	v, err := validator.New(doc, validator.WithoutDocumentCheck())
	if err != nil {
		t.Fatalf("validator.New(document, WithoutDocumentCheck()) = %v, want no error", err)
	}
	if got := len(v.Routes()); got != 1 {
		t.Errorf("len(Routes()) = %d, want 1", got)
	}
}

func TestModeNames(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		mode validator.Mode
		name string
	}{
		{validator.Enforce, "enforce"},
		{validator.Report, "report"},
		{validator.Off, "off"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.mode.String(); got != tt.name {
				t.Errorf("Mode(%d).String() = %q, want %q", int(tt.mode), got, tt.name)
			}
			got, err := validator.ParseMode(tt.name)
			if err != nil || got != tt.mode {
				t.Errorf("ParseMode(%q) = %v, %v; want %v, nil", tt.name, got, err, tt.mode)
			}
			text, err := tt.mode.MarshalText()
			if err != nil || string(text) != tt.name {
				t.Errorf("%v.MarshalText() = %q, %v; want %q, nil", tt.mode, text, err, tt.name)
			}
			var m validator.Mode = -1
			if err := m.UnmarshalText(text); err != nil || m != tt.mode {
				t.Errorf("UnmarshalText(%q) gives %v, %v; want %v, nil", text, m, err, tt.mode)
			}
			v := newValidator(t, validator.WithMode(tt.mode))
			if got := v.Mode(); got != tt.mode {
				t.Errorf("New(WithMode(%v)).Mode() = %v, want %v", tt.mode, got, tt.mode)
			}
		})
	}
}

func TestModeRejectsUnknownNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "strict", "enforced", " off", "2"} {
		if m, err := validator.ParseMode(name); err == nil {
			t.Errorf("ParseMode(%q) = %v, nil; want an error", name, m)
		}
		m := validator.Report
		if err := m.UnmarshalText([]byte(name)); err == nil {
			t.Errorf("UnmarshalText(%q) = nil, want an error", name)
		}
		if m != validator.Report {
			t.Errorf("UnmarshalText(%q) changed the mode to %v, want it left %v", name, m, validator.Report)
		}
	}
}

func TestModeStringOfUnknownMode(t *testing.T) {
	t.Parallel()
	for m, want := range map[validator.Mode]string{3: "Mode(3)", -1: "Mode(-1)"} {
		if got := m.String(); got != want {
			t.Errorf("Mode(%d).String() = %q, want %q", int(m), got, want)
		}
	}
}

// TestModeAsFlagAndConfig proves that a Mode works as a flag and as a JSON config value.
func TestModeAsFlagAndConfig(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var m validator.Mode
	fs.TextVar(&m, "response-validation", validator.Enforce, "what to do with responses that break the contract")
	if err := fs.Parse([]string{"-response-validation=report"}); err != nil {
		t.Fatalf("parsing -response-validation=report: %v", err)
	}
	if m != validator.Report {
		t.Errorf("-response-validation=report gives %v, want %v", m, validator.Report)
	}
	if err := fs.Parse([]string{"-response-validation=loud"}); err == nil {
		t.Error("parsing -response-validation=loud = nil error, want one")
	}

	var cfg struct {
		Mode validator.Mode `json:"mode"`
	}
	if err := json.Unmarshal([]byte(`{"mode":"off"}`), &cfg); err != nil || cfg.Mode != validator.Off {
		t.Errorf(`json.Unmarshal({"mode":"off"}) gives %v, %v; want %v, nil`, cfg.Mode, err, validator.Off)
	}
	out, err := json.Marshal(cfg)
	if err != nil || string(out) != `{"mode":"off"}` {
		t.Errorf("json.Marshal(%+v) = %s, %v; want %s, nil", cfg, out, err, `{"mode":"off"}`)
	}
}
