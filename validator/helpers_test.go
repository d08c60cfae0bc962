package validator_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/datashare/datashare/validator"
)

// The test contract, testdata/library.yaml, serves its operations under /v2.
const (
	contract = "testdata/library.yaml"
	base     = "/v2"

	bookID    = "0b5e0b52-8c1a-4e2b-9a55-3f3e0d8c2a11"
	authorID  = "5f0c6a1e-2b7d-4c11-8e3a-9d4b7c6e5f10"
	authorID2 = "7a9d2c4e-1f3b-4a5c-8d6e-0b1c2d3e4f50"
	bearer    = "Bearer s3cr3t-t0ken"
	apiKey    = "k3y-0f-the-library"
)

// loadDoc loads a fresh copy of the test contract: a Validator must own its document.
func loadDoc(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(contract)
	if err != nil {
		t.Fatalf("loading %s: %v", contract, err)
	}
	return doc
}

// newValidator builds a Validator for the test contract.
func newValidator(t testing.TB, opts ...validator.Option) *validator.Validator {
	t.Helper()
	v, err := validator.New(loadDoc(t), opts...)
	if err != nil {
		t.Fatalf("validator.New(%s) = %v, want no error", contract, err)
	}
	return v
}

// capture records every error the validator hands to its error handler, and renders it as the
// test contract's Error schema says, except for errors that are neither a RequestError nor a
// ResponseError: those get Echo's default rendering, {"message": ...}, which the contract does
// not allow.
type capture struct {
	mu   sync.Mutex
	errs []error
}

func (c *capture) handle(ctx echo.Context, err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
	renderError(ctx, err)
}

// errors returns the errors captured so far.
func (c *capture) errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

// errorBody is the Error schema of the test contract.
type errorBody struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Details []detail `json:"details,omitempty"`
}

type detail struct {
	In      string `json:"in"`
	Target  string `json:"target,omitempty"`
	Keyword string `json:"keyword"`
}

const (
	codeInvalidRequest    = "invalidRequest"
	codeContractViolation = "contractViolation"
)

func renderError(c echo.Context, err error) {
	var reqErr *validator.RequestError
	var respErr *validator.ResponseError
	switch {
	case errors.As(err, &reqErr):
		body := errorBody{Code: codeInvalidRequest, Message: "the request breaks the contract"}
		for _, v := range reqErr.Violations {
			body.Details = append(body.Details, detail{In: v.In, Target: v.Target, Keyword: v.Keyword})
		}
		_ = c.JSON(reqErr.Status(), body)
	case errors.As(err, &respErr):
		_ = c.JSON(http.StatusInternalServerError, errorBody{Code: codeContractViolation, Message: "the response breaks the contract"})
	default:
		c.Echo().DefaultHTTPErrorHandler(err, c)
	}
}

// violation is the part of a validator.Violation that the tests compare.
type violation struct {
	In, Target, Keyword string
}

func violationsOf(vs []validator.Violation) []violation {
	out := make([]violation, 0, len(vs))
	for _, v := range vs {
		out = append(out, violation{In: v.In, Target: v.Target, Keyword: v.Keyword})
	}
	return out
}

// handlers holds the handler of each operation, by operationId.
type handlers map[string]echo.HandlerFunc

// validHandlers returns handlers that answer every operation as the contract says.
func validHandlers() handlers {
	return handlers{
		"listBooks": func(c echo.Context) error {
			c.Response().Header().Set("X-Rate-Limit", "41")
			return c.JSON(http.StatusOK, map[string]any{"items": []any{book()}})
		},
		"createBook": func(c echo.Context) error {
			var b map[string]any
			if err := json.NewDecoder(c.Request().Body).Decode(&b); err != nil {
				return err
			}
			b["id"] = bookID
			c.Response().Header().Set("Location", "https://api.example.com/v2/books/"+bookID)
			c.Response().Header().Set("X-Rate-Limit", "40")
			return c.JSON(http.StatusCreated, b)
		},
		"getBook": func(c echo.Context) error {
			return c.JSON(http.StatusOK, book())
		},
		"updateBook": func(c echo.Context) error {
			return c.JSON(http.StatusOK, book())
		},
		"deleteBook": func(c echo.Context) error {
			return c.NoContent(http.StatusNoContent)
		},
		"createLoan": func(c echo.Context) error {
			var l map[string]any
			if err := json.NewDecoder(c.Request().Body).Decode(&l); err != nil {
				return err
			}
			l["id"] = authorID2
			return c.JSON(http.StatusCreated, l)
		},
		"getStatus": func(c echo.Context) error {
			return c.JSON(http.StatusOK, map[string]any{"status": "open"})
		},
	}
}

// book is a valid Book, as a response carries it.
func book() map[string]any {
	return map[string]any{
		"id":        bookID,
		"title":     "The Name of the Rose",
		"genre":     "fiction",
		"authorIds": []any{authorID},
		"publisher": map[string]any{"name": "Harcourt", "country": "US"},
	}
}

// register adds a route for every operation of the contract under prefix, with the handler of
// h, or the valid one when h has none.
func register(e *echo.Echo, prefix string, h handlers) {
	valid := validHandlers()
	pick := func(op string) echo.HandlerFunc {
		if f, ok := h[op]; ok {
			return f
		}
		return valid[op]
	}
	e.GET(prefix+"/books", pick("listBooks"))
	e.POST(prefix+"/books", pick("createBook"))
	e.GET(prefix+"/books/:bookId", pick("getBook"))
	e.PATCH(prefix+"/books/:bookId", pick("updateBook"))
	e.DELETE(prefix+"/books/:bookId", pick("deleteBook"))
	e.POST(prefix+"/loans", pick("createLoan"))
	e.GET(prefix+"/status", pick("getStatus"))
}

// server is an Echo instance behind a Validator of the test contract.
type server struct {
	e    *echo.Echo
	v    *validator.Validator
	errs *capture
	logs *bytes.Buffer // the JSON log of the validator
}

// newServer builds a server whose validator has opts, besides a capturing error handler and a
// JSON logger, and whose operations are served by h or, where h has none, validHandlers.
func newServer(t testing.TB, h handlers, opts ...validator.Option) *server {
	t.Helper()
	s := &server{errs: &capture{}, logs: &bytes.Buffer{}}
	logger := slog.New(slog.NewJSONHandler(s.logs, nil))
	opts = append([]validator.Option{validator.WithErrorHandler(s.errs.handle), validator.WithLogger(logger)}, opts...)
	s.v = newValidator(t, opts...)
	s.e = echo.New()
	s.e.Use(s.v.Middleware())
	register(s.e, base, h)
	return s
}

// request describes a request to send.
type request struct {
	method, target string
	header         map[string]string
	body           string
}

// do sends r to h and returns the response.
func do(h http.Handler, r request) *httptest.ResponseRecorder {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.target, body)
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// withJSON returns the headers of an authorized request with a JSON body.
func withJSON() map[string]string {
	return map[string]string{"Authorization": bearer, "Content-Type": "application/json"}
}

// logLine is one line of the validator's JSON log.
type logLine struct {
	Level     string `json:"level"`
	Msg       string `json:"msg"`
	Operation string `json:"operation"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status"`
	In        string `json:"in"`
	Target    string `json:"target"`
	Keyword   string `json:"keyword"`
	Reason    string `json:"reason"`
	Response  string `json:"response"`
}

// logLines parses the JSON log in buf.
func logLines(t testing.TB, buf *bytes.Buffer) []logLine {
	t.Helper()
	var lines []logLine
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	for dec.More() {
		var l logLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("decoding the log %q: %v", buf.String(), err)
		}
		lines = append(lines, l)
	}
	return lines
}
