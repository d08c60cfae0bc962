package validator_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/datashare/datashare/validator"
)

// createdHeaders sets the headers a 201 of createBook requires.
func createdHeaders(c echo.Context) {
	c.Response().Header().Set("Location", "https://api.example.com/v2/books/"+bookID)
	c.Response().Header().Set("X-Rate-Limit", "40")
}

// brokenResponses are handlers of createBook whose responses break the contract, each with the
// status it sends and the violations it commits.
var brokenResponses = []struct {
	name       string
	handler    echo.HandlerFunc
	wantStatus int // of the broken response
	want       []violation
}{
	{
		name: "success body with an extra property",
		handler: func(c echo.Context) error {
			createdHeaders(c)
			b := book()
			b["isbn"] = "978-0-15-144647-6"
			return c.JSON(http.StatusCreated, b)
		},
		wantStatus: http.StatusCreated,
		want:       []violation{{validator.InBody, "isbn", validator.KeywordAdditional}},
	},
	{
		name: "success body with a property of the wrong type",
		handler: func(c echo.Context) error {
			createdHeaders(c)
			b := book()
			b["title"] = 1984
			return c.JSON(http.StatusCreated, b)
		},
		wantStatus: http.StatusCreated,
		want:       []violation{{validator.InBody, "title", "type"}},
	},
	{
		name: "success missing a required response header",
		handler: func(c echo.Context) error {
			c.Response().Header().Set("X-Rate-Limit", "40")
			return c.JSON(http.StatusCreated, book())
		},
		wantStatus: http.StatusCreated,
		want:       []violation{{validator.InHeader, "Location", validator.KeywordMissing}},
	},
	{
		name: "error rendered with a status the operation does not document",
		handler: func(echo.Context) error {
			return echo.NewHTTPError(http.StatusConflict, "a book with this title exists")
		},
		wantStatus: http.StatusConflict,
		want:       []violation{{validator.InStatus, "409", validator.KeywordStatus}},
	},
	{
		name: "error rendered into a body the operation does not document",
		handler: func(echo.Context) error {
			// Echo renders {"message": ...}: the Error schema requires a code.
			return echo.NewHTTPError(http.StatusBadRequest, "the catalogue is closed")
		},
		wantStatus: http.StatusBadRequest,
		want:       []violation{{validator.InBody, "code", validator.KeywordRequiredKey}},
	},
}

// reference serves r with the handlers h on an Echo instance without the validator, with the
// same error rendering: what the client would get if nothing checked the contract.
func reference(h handlers, r request) *httptest.ResponseRecorder {
	e := echo.New()
	register(e, base, h)
	return do(e, r)
}

func TestResponseValidationModes(t *testing.T) {
	t.Parallel()
	req := request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction"}`}
	for _, br := range brokenResponses {
		h := handlers{"createBook": br.handler}
		ref := reference(h, req)
		if ref.Code != br.wantStatus {
			t.Fatalf("%s: without the validator the status is %d, want %d: the test handler is wrong", br.name, ref.Code, br.wantStatus)
		}
		for _, mode := range []validator.Mode{validator.Enforce, validator.Report, validator.Off} {
			t.Run(br.name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				s := newServer(t, h, validator.WithMode(mode))

				rec := do(s.e, req)

				var respErrs []*validator.ResponseError
				for _, err := range s.errs.errors() {
					var re *validator.ResponseError
					if errors.As(err, &re) {
						respErrs = append(respErrs, re)
					}
				}
				logs := logLines(t, s.logs)

				if mode == validator.Enforce {
					if rec.Code != http.StatusInternalServerError {
						t.Errorf("status %d, want %d (the rendering of the ResponseError)", rec.Code, http.StatusInternalServerError)
					}
					var got errorBody
					if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Code != codeContractViolation {
						t.Errorf("body %s, want the rendering of the ResponseError (code %q)", rec.Body, codeContractViolation)
					}
					if ref.Body.Len() > 0 && strings.Contains(rec.Body.String(), ref.Body.String()) {
						t.Errorf("body %s contains the broken body %s", rec.Body, ref.Body)
					}
					if loc := rec.Header().Get("Location"); loc != "" {
						t.Errorf("replacement has the Location %q of the broken response, want none", loc)
					}
					if len(respErrs) != 1 {
						t.Fatalf("error handler got %d *validator.ResponseError (all: %v), want 1", len(respErrs), s.errs.errors())
					}
					re := respErrs[0]
					if re.OperationID != "createBook" || re.Status != br.wantStatus {
						t.Errorf("ResponseError{OperationID: %q, Status: %d}, want {%q, %d}", re.OperationID, re.Status, "createBook", br.wantStatus)
					}
					if diff := cmp.Diff(br.want, violationsOf(re.Violations)); diff != "" {
						t.Errorf("violations mismatch (-want +got):\n%s", diff)
					}
				} else {
					if rec.Code != ref.Code {
						t.Errorf("status %d, want %d as sent by the handler", rec.Code, ref.Code)
					}
					if diff := cmp.Diff(ref.Body.String(), rec.Body.String()); diff != "" {
						t.Errorf("body differs from the one the handler sent (-want +got):\n%s", diff)
					}
					if diff := cmp.Diff(ref.Header(), rec.Header()); diff != "" {
						t.Errorf("headers differ from the ones the handler sent (-want +got):\n%s", diff)
					}
					if len(respErrs) > 0 {
						t.Errorf("error handler got %v, want no *validator.ResponseError in %v mode", respErrs, mode)
					}
				}

				var wantLogs []logLine
				action := map[validator.Mode]string{validator.Enforce: "replaced", validator.Report: "sent anyway"}[mode]
				if mode != validator.Off {
					for _, v := range br.want {
						wantLogs = append(wantLogs, logLine{
							Level: "ERROR", Msg: "response breaks the contract",
							Operation: "createBook", Method: http.MethodPost, Path: base + "/books", Status: br.wantStatus,
							In: v.In, Target: v.Target, Keyword: v.Keyword, Response: action,
						})
					}
				}
				for i := range logs {
					if logs[i].Reason == "" {
						t.Errorf("log line %d has no reason: %+v", i, logs[i])
					}
					logs[i].Reason = ""
				}
				if diff := cmp.Diff(wantLogs, logs); diff != "" {
					t.Errorf("log mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestResponseViolations(t *testing.T) {
	t.Parallel()
	rateLimit := func(v string) func(echo.Context) {
		return func(c echo.Context) { c.Response().Header().Set("X-Rate-Limit", v) }
	}
	tests := []struct {
		name       string
		op         string
		req        request
		handler    echo.HandlerFunc
		wantStatus int // of the broken response
		want       []violation
	}{
		{
			name: "undocumented status is a violation",
			op:   "createBook",
			req:  request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction"}`},
			handler: func(c echo.Context) error {
				createdHeaders(c)
				return c.JSON(http.StatusAccepted, book())
			},
			wantStatus: http.StatusAccepted,
			want:       []violation{{validator.InStatus, "202", validator.KeywordStatus}},
		},
		{
			name: "body on a documented no-content 204 is a violation",
			op:   "deleteBook",
			req:  request{method: http.MethodDelete, target: base + "/books/" + bookID, header: map[string]string{"Authorization": bearer}},
			handler: func(c echo.Context) error {
				return c.String(http.StatusNoContent, "gone")
			},
			wantStatus: http.StatusNoContent,
			want:       []violation{{validator.InBody, "", validator.KeywordUnexpected}},
		},
		{
			name: "handler that writes nothing answers an undocumented 200",
			op:   "deleteBook",
			req:  request{method: http.MethodDelete, target: base + "/books/" + bookID, header: map[string]string{"Authorization": bearer}},
			handler: func(echo.Context) error {
				return nil
			},
			wantStatus: http.StatusOK,
			want:       []violation{{validator.InStatus, "200", validator.KeywordStatus}},
		},
		{
			name: "missing required response header",
			op:   "listBooks",
			req:  request{method: http.MethodGet, target: base + "/books", header: map[string]string{"Authorization": bearer, "X-Branch": "ROM"}},
			handler: func(c echo.Context) error {
				return c.JSON(http.StatusOK, map[string]any{"items": []any{}})
			},
			wantStatus: http.StatusOK,
			want:       []violation{{validator.InHeader, "X-Rate-Limit", validator.KeywordMissing}},
		},
		{
			name: "response header of the wrong type",
			op:   "listBooks",
			req:  request{method: http.MethodGet, target: base + "/books", header: map[string]string{"Authorization": bearer, "X-Branch": "ROM"}},
			handler: func(c echo.Context) error {
				rateLimit("plenty")(c)
				return c.JSON(http.StatusOK, map[string]any{"items": []any{}})
			},
			wantStatus: http.StatusOK,
			want:       []violation{{validator.InHeader, "X-Rate-Limit", "type"}},
		},
		{
			name: "response header below its minimum",
			op:   "listBooks",
			req:  request{method: http.MethodGet, target: base + "/books", header: map[string]string{"Authorization": bearer, "X-Branch": "ROM"}},
			handler: func(c echo.Context) error {
				rateLimit("-1")(c)
				return c.JSON(http.StatusOK, map[string]any{"items": []any{}})
			},
			wantStatus: http.StatusOK,
			want:       []violation{{validator.InHeader, "X-Rate-Limit", "minimum"}},
		},
		{
			name: "Location that is not an absolute URI",
			op:   "createBook",
			req:  request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction"}`},
			handler: func(c echo.Context) error {
				createdHeaders(c)
				c.Response().Header().Set("Location", "/v2/books/"+bookID)
				return c.JSON(http.StatusCreated, book())
			},
			wantStatus: http.StatusCreated,
			want:       []violation{{validator.InHeader, "Location", "format"}},
		},
		{
			name: "nested property of a response body is named by its path",
			op:   "listBooks",
			req:  request{method: http.MethodGet, target: base + "/books", header: map[string]string{"Authorization": bearer, "X-Branch": "ROM"}},
			handler: func(c echo.Context) error {
				rateLimit("3")(c)
				b := book()
				b["publisher"] = map[string]any{"country": "IT"}
				return c.JSON(http.StatusOK, map[string]any{"items": []any{book(), b}})
			},
			wantStatus: http.StatusOK,
			want:       []violation{{validator.InBody, "items/1/publisher/name", validator.KeywordRequiredKey}},
		},
		{
			name: "required readOnly id is required in a response",
			op:   "getBook",
			req:  request{method: http.MethodGet, target: base + "/books/" + bookID, header: map[string]string{"X-API-Key": apiKey}},
			handler: func(c echo.Context) error {
				b := book()
				delete(b, "id")
				return c.JSON(http.StatusOK, b)
			},
			wantStatus: http.StatusOK,
			want:       []violation{{validator.InBody, "id", validator.KeywordRequiredKey}},
		},
		{
			name: "every violation of one response is reported, headers first",
			op:   "createBook",
			req:  request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction"}`},
			handler: func(c echo.Context) error {
				rateLimit("many")(c)
				b := book()
				b["isbn"] = "978-0"
				return c.JSON(http.StatusCreated, b)
			},
			wantStatus: http.StatusCreated,
			want: []violation{
				{validator.InHeader, "Location", validator.KeywordMissing},
				{validator.InHeader, "X-Rate-Limit", "type"},
				{validator.InBody, "isbn", validator.KeywordAdditional},
			},
		},
		{
			name: "response media type not documented",
			op:   "getStatus",
			req:  request{method: http.MethodGet, target: base + "/status"},
			handler: func(c echo.Context) error {
				return c.String(http.StatusOK, "open")
			},
			wantStatus: http.StatusOK,
			want:       []violation{{validator.InHeader, "Content-Type", validator.KeywordMediaType}},
		},
		{
			name: "documented content with an empty body",
			op:   "getStatus",
			req:  request{method: http.MethodGet, target: base + "/status"},
			handler: func(c echo.Context) error {
				c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
				c.Response().WriteHeader(http.StatusOK)
				return nil
			},
			wantStatus: http.StatusOK,
			want:       []violation{{validator.InBody, "", validator.KeywordMissing}},
		},
		{
			name: "malformed JSON response",
			op:   "getStatus",
			req:  request{method: http.MethodGet, target: base + "/status"},
			handler: func(c echo.Context) error {
				return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, []byte(`{"status":`))
			},
			wantStatus: http.StatusOK,
			want:       []violation{{validator.InBody, "", validator.KeywordMalformed}},
		},
		{
			name: "trailing data after the response JSON value is malformed",
			op:   "getStatus",
			req:  request{method: http.MethodGet, target: base + "/status"},
			handler: func(c echo.Context) error {
				return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, []byte(`{"status":"open"} {}`))
			},
			wantStatus: http.StatusOK,
			want:       []violation{{validator.InBody, "", validator.KeywordMalformed}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, handlers{tt.op: tt.handler})

			rec := do(s.e, tt.req)

			if rec.Code != http.StatusInternalServerError {
				t.Errorf("%s %s: status %d, want %d; body %s", tt.req.method, tt.req.target, rec.Code, http.StatusInternalServerError, rec.Body)
			}
			errs := s.errs.errors()
			var re *validator.ResponseError
			if len(errs) != 1 || !errors.As(errs[0], &re) {
				t.Fatalf("error handler got %v, want one *validator.ResponseError", errs)
			}
			if re.OperationID != tt.op || re.Status != tt.wantStatus {
				t.Errorf("ResponseError{OperationID: %q, Status: %d}, want {%q, %d}", re.OperationID, re.Status, tt.op, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.want, violationsOf(re.Violations)); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s", diff)
			}
			// One line per violation of the broken response; getStatus documents no 500, so its
			// replacement is logged too, with its own status.
			var logged []violation
			for _, l := range logLines(t, s.logs) {
				if l.Status == tt.wantStatus {
					logged = append(logged, violation{l.In, l.Target, l.Keyword})
				}
			}
			if diff := cmp.Diff(tt.want, logged); diff != "" {
				t.Errorf("logged violations of status %d mismatch (-want +got):\n%s", tt.wantStatus, diff)
			}
		})
	}
}

// TestValidResponsePassesUntouched proves that a response that keeps the contract is sent as
// the handler wrote it, with the headers an outer middleware set before the validator.
func TestValidResponsePassesUntouched(t *testing.T) {
	t.Parallel()
	outer := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set("X-Trace-Id", "trace-7")
			c.Response().Header().Add("Vary", "Origin")
			return next(c)
		}
	}
	requests := []struct {
		name string
		req  request
	}{
		{name: "list with a body and a required header", req: request{method: http.MethodGet, target: base + "/books?limit=2", header: map[string]string{"Authorization": bearer, "X-Branch": "ROM"}}},
		{name: "create with Location", req: request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"science","authorIds":["` + authorID + `"]}`}},
		{name: "delete answering 204 with no content", req: request{method: http.MethodDelete, target: base + "/books/" + bookID, header: map[string]string{"Authorization": bearer}}},
		{name: "public status", req: request{method: http.MethodGet, target: base + "/status"}},
	}
	for _, r := range requests {
		want := func() *httptest.ResponseRecorder {
			e := echo.New()
			e.Use(outer)
			register(e, base, nil)
			return do(e, r.req)
		}()
		for _, mode := range []validator.Mode{validator.Enforce, validator.Report, validator.Off} {
			t.Run(r.name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				s := &server{errs: &capture{}}
				s.v = newValidator(t, validator.WithMode(mode), validator.WithErrorHandler(s.errs.handle))
				s.e = echo.New()
				s.e.Use(outer, s.v.Middleware())
				register(s.e, base, nil)

				got := do(s.e, r.req)

				if got.Code != want.Code {
					t.Errorf("status %d, want %d", got.Code, want.Code)
				}
				if diff := cmp.Diff(want.Header(), got.Header()); diff != "" {
					t.Errorf("headers mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want.Body.Bytes(), got.Body.Bytes()); diff != "" {
					t.Errorf("body mismatch (-want +got):\n%s", diff)
				}
				if errs := s.errs.errors(); len(errs) > 0 {
					t.Errorf("error handler got %v, want no error", errs)
				}
			})
		}
	}
}

// TestOuterHeadersCountTowardsTheContract proves that headers set by an outer middleware are
// validated with the response: here the outer middleware, not the handler, sets the required
// X-Rate-Limit.
func TestOuterHeadersCountTowardsTheContract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rateLimit  string // set by the outer middleware; empty: not set
		wantStatus int
	}{
		{name: "required header set by the outer middleware", rateLimit: "12", wantStatus: http.StatusOK},
		{name: "invalid header set by the outer middleware", rateLimit: "twelve", wantStatus: http.StatusInternalServerError},
		{name: "required header set by nobody", wantStatus: http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := &capture{}
			v := newValidator(t, validator.WithErrorHandler(errs.handle))
			e := echo.New()
			e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c echo.Context) error {
					if tt.rateLimit != "" {
						c.Response().Header().Set("X-Rate-Limit", tt.rateLimit)
					}
					return next(c)
				}
			}, v.Middleware())
			register(e, base, handlers{"listBooks": func(c echo.Context) error {
				return c.JSON(http.StatusOK, map[string]any{"items": []any{}})
			}})

			rec := do(e, request{method: http.MethodGet, target: base + "/books", header: map[string]string{"Authorization": bearer, "X-Branch": "ROM"}})

			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d; body %s; errors %v", rec.Code, tt.wantStatus, rec.Body, errs.errors())
			}
			if got := rec.Header().Get("X-Rate-Limit"); got != tt.rateLimit {
				t.Errorf("X-Rate-Limit = %q, want the outer middleware's %q", got, tt.rateLimit)
			}
		})
	}
}

// TestEnforceReplacementBreakingTheContract proves that the replacement of a broken response
// is sent even when it breaks the contract too, and that both are logged: getStatus documents
// no 500.
func TestEnforceReplacementBreakingTheContract(t *testing.T) {
	t.Parallel()
	s := newServer(t, handlers{"getStatus": func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"status": "ajar"})
	}})

	rec := do(s.e, request{method: http.MethodGet, target: base + "/status"})

	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want %d (the replacement)", rec.Code, http.StatusInternalServerError)
	}
	var got []violation
	var statuses []int
	for _, l := range logLines(t, s.logs) {
		got = append(got, violation{l.In, l.Target, l.Keyword})
		statuses = append(statuses, l.Status)
	}
	want := []violation{
		{validator.InBody, "status", "enum"},
		{validator.InStatus, "500", validator.KeywordStatus},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("logged violations mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{http.StatusOK, http.StatusInternalServerError}, statuses); diff != "" {
		t.Errorf("logged statuses mismatch (-want +got):\n%s", diff)
	}
}

// TestRequestErrorWithUndocumentedStatus proves that the rendering of a request error is
// validated like any response: updateBook documents no 415, so in Enforce mode the client gets
// the rendering of a ResponseError instead, and in Report mode the 415.
func TestRequestErrorWithUndocumentedStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode       validator.Mode
		wantStatus int
		wantErrs   int // errors the error handler gets: the RequestError, and the ResponseError
	}{
		{mode: validator.Enforce, wantStatus: http.StatusInternalServerError, wantErrs: 2},
		{mode: validator.Report, wantStatus: http.StatusUnsupportedMediaType, wantErrs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			t.Parallel()
			s := newServer(t, nil, validator.WithMode(tt.mode))

			rec := do(s.e, request{method: http.MethodPatch, target: base + "/books/" + bookID,
				header: map[string]string{"Authorization": bearer, "Content-Type": "text/plain"}, body: "title=T"})

			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			errs := s.errs.errors()
			if len(errs) != tt.wantErrs {
				t.Fatalf("error handler got %v, want %d errors", errs, tt.wantErrs)
			}
			var reqErr *validator.RequestError
			if !errors.As(errs[0], &reqErr) {
				t.Errorf("first error %T (%v), want *validator.RequestError", errs[0], errs[0])
			}
			want := []logLine{{Level: "ERROR", Msg: "response breaks the contract", Operation: "updateBook",
				Method: http.MethodPatch, Path: base + "/books/" + bookID, Status: http.StatusUnsupportedMediaType,
				In: validator.InStatus, Target: "415", Keyword: validator.KeywordStatus,
				Response: map[validator.Mode]string{validator.Enforce: "replaced", validator.Report: "sent anyway"}[tt.mode]}}
			got := logLines(t, s.logs)
			for i := range got {
				got[i].Reason = ""
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("log mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateResponse(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	route := findRoute(t, v, "getStatus")
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   []violation // nil: no error
	}{
		{name: "valid response", status: http.StatusOK, header: jsonHeader, body: `{"status":"closed"}`},
		{name: "media type with parameters", status: http.StatusOK, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: `{"status":"open"}`},
		{name: "value outside its enum", status: http.StatusOK, header: jsonHeader, body: `{"status":"ajar"}`,
			want: []violation{{validator.InBody, "status", "enum"}}},
		{name: "undocumented status", status: http.StatusTeapot, header: jsonHeader, body: `{"status":"open"}`,
			want: []violation{{validator.InStatus, "418", validator.KeywordStatus}}},
		{name: "body of the wrong type", status: http.StatusOK, header: jsonHeader, body: `["open"]`,
			want: []violation{{validator.InBody, "", "type"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := v.ValidateResponse(context.Background(), route, tt.status, tt.header, []byte(tt.body))
			if tt.want == nil {
				if err != nil {
					t.Errorf("ValidateResponse(%d, %s) = %v, want nil", tt.status, tt.body, err)
				}
				return
			}
			var re *validator.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("ValidateResponse(%d, %s) = %v, want a *validator.ResponseError", tt.status, tt.body, err)
			}
			if re.OperationID != "getStatus" || re.Status != tt.status {
				t.Errorf("ResponseError{OperationID: %q, Status: %d}, want {%q, %d}", re.OperationID, re.Status, "getStatus", tt.status)
			}
			if diff := cmp.Diff(tt.want, violationsOf(re.Violations)); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHandlerRemovesOuterHeader proves that the response sent is the one the handler left: a
// header an outer middleware set and the handler removed is not sent.
func TestHandlerRemovesOuterHeader(t *testing.T) {
	t.Parallel()
	v := newValidator(t, validator.WithErrorHandler(renderError))
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set("Cache-Control", "max-age=60")
			return next(c)
		}
	}, v.Middleware())
	register(e, base, handlers{"getStatus": func(c echo.Context) error {
		c.Response().Header().Del("Cache-Control")
		return c.JSON(http.StatusOK, map[string]any{"status": "closed"})
	}})

	rec := do(e, request{method: http.MethodGet, target: base + "/status"})

	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want %d; body %s", rec.Code, http.StatusOK, rec.Body)
	}
	if got := rec.Header().Values("Cache-Control"); len(got) > 0 {
		t.Errorf("Cache-Control = %q, want none: the handler removed it", got)
	}
}
