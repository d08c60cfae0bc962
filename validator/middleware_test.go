package validator_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/datashare/datashare/validator"
)

// TestPassThrough proves that the middleware leaves alone the requests of routes that are not
// operations of the document, and their responses, whatever they are.
func TestPassThrough(t *testing.T) {
	t.Parallel()
	undocumented := func(c echo.Context) error {
		c.Response().Header().Set("X-Undocumented", "yes")
		return c.String(http.StatusTeapot, "not in the contract")
	}
	tests := []struct {
		name   string
		route  func(e *echo.Echo) // registers the undocumented route, if any
		req    request
		status int
	}{
		{
			name:   "path outside the document",
			route:  func(e *echo.Echo) { e.GET("/healthz", undocumented) },
			req:    request{method: http.MethodGet, target: "/healthz"},
			status: http.StatusTeapot,
		},
		{
			name:   "method the document does not give the path",
			route:  func(e *echo.Echo) { e.PUT(base+"/books", undocumented) },
			req:    request{method: http.MethodPut, target: base + "/books", header: map[string]string{"Content-Type": "text/plain"}, body: "x"},
			status: http.StatusTeapot,
		},
		{
			name:   "documented path under another prefix",
			route:  func(e *echo.Echo) { e.GET("/v1/books", undocumented) },
			req:    request{method: http.MethodGet, target: "/v1/books?limit=-1"},
			status: http.StatusTeapot,
		},
		{
			name:   "no route at all",
			req:    request{method: http.MethodGet, target: base + "/shelves"},
			status: http.StatusNotFound,
		},
	}
	for _, tt := range tests {
		for _, mode := range []validator.Mode{validator.Enforce, validator.Report, validator.Off} {
			t.Run(tt.name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				s := newServer(t, nil, validator.WithMode(mode))
				if tt.route != nil {
					tt.route(s.e)
				}
				want := func() *httptest.ResponseRecorder {
					e := echo.New()
					register(e, base, nil)
					if tt.route != nil {
						tt.route(e)
					}
					return do(e, tt.req)
				}()

				got := do(s.e, tt.req)

				if got.Code != tt.status {
					t.Errorf("%s %s: status %d, want %d", tt.req.method, tt.req.target, got.Code, tt.status)
				}
				if got.Code != want.Code {
					t.Errorf("%s %s: status %d, want %d as without the validator", tt.req.method, tt.req.target, got.Code, want.Code)
				}
				if diff := cmp.Diff(want.Header(), got.Header()); diff != "" {
					t.Errorf("headers differ from those without the validator (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want.Body.String(), got.Body.String()); diff != "" {
					t.Errorf("body differs from the one without the validator (-want +got):\n%s", diff)
				}
				if errs := s.errs.errors(); len(errs) > 0 {
					t.Errorf("validator's error handler got %v, want nothing", errs)
				}
				if s.logs.Len() > 0 {
					t.Errorf("validator logged %s, want nothing", s.logs)
				}
			})
		}
	}
}

// TestPathParameterSpanningSegments proves that a request whose path parameter Echo matched
// across a slash is not found: in OpenAPI a path parameter is one segment.
func TestPathParameterSpanningSegments(t *testing.T) {
	t.Parallel()
	for _, mode := range []validator.Mode{validator.Enforce, validator.Report, validator.Off} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			called := false
			s := newServer(t, handlers{"getBook": func(c echo.Context) error {
				called = true
				return c.JSON(http.StatusOK, book())
			}}, validator.WithMode(mode))

			rec := do(s.e, request{method: http.MethodGet, target: base + "/books/" + bookID + "/pages", header: map[string]string{"X-API-Key": apiKey}})

			if rec.Code != http.StatusNotFound {
				t.Errorf("GET %s/books/{bookId}/pages: status %d, want %d; body %s", base, rec.Code, http.StatusNotFound, rec.Body)
			}
			if called {
				t.Error("the handler of getBook was called")
			}
		})
	}
}

// TestDefaultErrorHandler proves that, without WithErrorHandler, the errors of the middleware
// reach the HTTPErrorHandler of the Echo instance.
func TestDefaultErrorHandler(t *testing.T) {
	t.Parallel()
	broken := handlers{"getBook": func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"title": 1})
	}}
	tests := []struct {
		name       string
		mode       validator.Mode
		req        request
		wantStatus int
		wantErr    func(error) bool
	}{
		{
			name:       "request error in enforce mode",
			mode:       validator.Enforce,
			req:        request{method: http.MethodGet, target: base + "/books/nope", header: map[string]string{"X-API-Key": apiKey}},
			wantStatus: http.StatusBadRequest,
			wantErr:    isRequestError,
		},
		{
			name:       "request error in report mode",
			mode:       validator.Report,
			req:        request{method: http.MethodGet, target: base + "/books/nope", header: map[string]string{"X-API-Key": apiKey}},
			wantStatus: http.StatusBadRequest,
			wantErr:    isRequestError,
		},
		{
			name:       "request error in off mode",
			mode:       validator.Off,
			req:        request{method: http.MethodGet, target: base + "/books/nope", header: map[string]string{"X-API-Key": apiKey}},
			wantStatus: http.StatusBadRequest,
			wantErr:    isRequestError,
		},
		{
			name:       "response error in enforce mode",
			mode:       validator.Enforce,
			req:        request{method: http.MethodGet, target: base + "/books/" + bookID, header: map[string]string{"X-API-Key": apiKey}},
			wantStatus: http.StatusInternalServerError,
			wantErr:    isResponseError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := &capture{}
			v := newValidator(t, validator.WithMode(tt.mode))
			e := echo.New()
			e.HTTPErrorHandler = func(err error, c echo.Context) { errs.handle(c, err) }
			e.Use(v.Middleware())
			register(e, base, broken)

			rec := do(e, tt.req)

			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			got := errs.errors()
			if len(got) != 1 || !tt.wantErr(got[0]) {
				t.Errorf("Echo's error handler got %v, want one error of the middleware", got)
			}
		})
	}
}

func isRequestError(err error) bool {
	var e *validator.RequestError
	return errors.As(err, &e)
}

func isResponseError(err error) bool {
	var e *validator.ResponseError
	return errors.As(err, &e)
}

// TestOffModeValidatesRequests proves that Off turns off response validation only.
func TestOffModeValidatesRequests(t *testing.T) {
	t.Parallel()
	errs := &capture{}
	v := newValidator(t, validator.WithMode(validator.Off), validator.WithErrorHandler(errs.handle))
	e := echo.New()
	// The error handler of the Echo instance too: see TestOffModeUsesErrorHandler.
	e.HTTPErrorHandler = func(err error, c echo.Context) { errs.handle(c, err) }
	e.Use(v.Middleware())
	register(e, base, nil)

	rec := do(e, request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction","isbn":"1"}`})

	if rec.Code != http.StatusBadRequest {
		t.Errorf("status %d, want %d; body %s", rec.Code, http.StatusBadRequest, rec.Body)
	}
	got := errs.errors()
	var reqErr *validator.RequestError
	if len(got) != 1 || !errors.As(got[0], &reqErr) {
		t.Fatalf("error handlers got %v, want one *validator.RequestError", got)
	}
	want := []violation{{validator.InBody, "isbn", validator.KeywordAdditional}}
	if diff := cmp.Diff(want, violationsOf(reqErr.Violations)); diff != "" {
		t.Errorf("violations mismatch (-want +got):\n%s", diff)
	}
}

// TestOffModeUsesErrorHandler proves that the hook of WithErrorHandler renders the errors of
// the middleware in Off mode too, as its documentation says.
func TestOffModeUsesErrorHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    handlers
		req  request
	}{
		{
			name: "request error",
			req:  request{method: http.MethodGet, target: base + "/books/nope", header: map[string]string{"X-API-Key": apiKey}},
		},
		{
			name: "error of the handler",
			h:    handlers{"getBook": func(echo.Context) error { return echo.NewHTTPError(http.StatusNotFound, "no such book") }},
			req:  request{method: http.MethodGet, target: base + "/books/" + bookID, header: map[string]string{"X-API-Key": apiKey}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, tt.h, validator.WithMode(validator.Off))
			do(s.e, tt.req)
			if got := s.errs.errors(); len(got) != 1 {
				t.Errorf("hook of WithErrorHandler got %v, want the error", got)
			}
		})
	}
}

// TestConcurrentUse hits one Validator from many goroutines with valid and invalid requests
// and responses; run it with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := newServer(t, handlers{
		// Breaks the contract when asked to.
		"getBook": func(c echo.Context) error {
			if c.QueryParam("broken") != "" {
				return c.JSON(http.StatusOK, map[string]any{"id": bookID, "title": "T", "genre": "poetry"})
			}
			return c.JSON(http.StatusOK, book())
		},
	})
	type call struct {
		req      request
		status   int
		wantCode string // the code of the Error body, if any
	}
	calls := []call{
		{request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction","authorIds":["` + authorID + `"]}`}, http.StatusCreated, ""},
		{request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"poetry"}`}, http.StatusBadRequest, codeInvalidRequest},
		{request{method: http.MethodPost, target: base + "/books", header: map[string]string{"Content-Type": "application/json"}, body: `{}`}, http.StatusUnauthorized, codeInvalidRequest},
		{request{method: http.MethodGet, target: base + "/books?limit=5", header: map[string]string{"Authorization": bearer, "X-Branch": "ROM"}}, http.StatusOK, ""},
		{request{method: http.MethodGet, target: base + "/books?limit=500", header: map[string]string{"Authorization": bearer, "X-Branch": "ROM"}}, http.StatusBadRequest, codeInvalidRequest},
		{request{method: http.MethodGet, target: base + "/books/" + bookID, header: map[string]string{"X-API-Key": apiKey}}, http.StatusOK, ""},
		{request{method: http.MethodGet, target: base + "/books/" + bookID + "?broken=1", header: map[string]string{"X-API-Key": apiKey}}, http.StatusInternalServerError, codeContractViolation},
		{request{method: http.MethodPatch, target: base + "/books/" + bookID, header: withJSON(), body: `{"title":"U"}`}, http.StatusOK, ""},
		{request{method: http.MethodDelete, target: base + "/books/" + bookID, header: map[string]string{"Authorization": bearer}}, http.StatusNoContent, ""},
		{request{method: http.MethodGet, target: base + "/status"}, http.StatusOK, ""},
	}
	const goroutines = 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range 2 * len(calls) {
				c := calls[(g+i)%len(calls)]
				rec := do(s.e, c.req)
				if rec.Code != c.status {
					t.Errorf("%s %s: status %d, want %d; body %s", c.req.method, c.req.target, rec.Code, c.status, rec.Body)
					continue
				}
				if c.wantCode == "" {
					continue
				}
				var body errorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code != c.wantCode {
					t.Errorf("%s %s: body %s, want an Error with code %q", c.req.method, c.req.target, rec.Body, c.wantCode)
				}
			}
		})
	}
	wg.Wait()

	// Each goroutine sent each call twice.
	var reqErrs, respErrs int
	for _, err := range s.errs.errors() {
		switch {
		case isRequestError(err):
			reqErrs++
		case isResponseError(err):
			respErrs++
		}
	}
	if want := 3 * 2 * goroutines; reqErrs != want {
		t.Errorf("error handler got %d request errors, want %d", reqErrs, want)
	}
	if want := 1 * 2 * goroutines; respErrs != want {
		t.Errorf("error handler got %d response errors, want %d", respErrs, want)
	}
	if got, want := strings.Count(s.logs.String(), "\n"), 2*goroutines; got != want {
		t.Errorf("%d log lines, want %d (one per broken response)", got, want)
	}
}

func BenchmarkMiddleware(b *testing.B) {
	v := newValidator(b, validator.WithErrorHandler(func(c echo.Context, err error) {
		b.Errorf("error handler got %v, want none", err)
		renderError(c, err)
	}))
	e := echo.New()
	e.Use(v.Middleware())
	register(e, base, nil)
	body := fmt.Sprintf(`{"title":"The Island of the Day Before","genre":"fiction","authorIds":[%q,%q],"publisher":{"name":"Harcourt","country":"US"}}`, authorID, authorID2)

	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, base+"/books", strings.NewReader(body))
		req.Header.Set("Authorization", bearer)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d, want %d; body %s", rec.Code, http.StatusCreated, rec.Body)
		}
	}
}
