package validator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/datashare/datashare/validator"
)

func TestMiddlewareRequests(t *testing.T) {
	t.Parallel()
	branch := map[string]string{"Authorization": bearer, "X-Branch": "ROM"}
	apiKeyOnly := map[string]string{"X-API-Key": apiKey}
	validBook := `{"title":"The Name of the Rose","genre":"fiction","authorIds":["` + authorID + `"],"publisher":{"name":"Harcourt","country":"US"}}`

	tests := []struct {
		name string
		req  request
		// secret is a value of the request that no Reason may quote.
		secret     string
		wantStatus int
		want       []violation // nil: the request reaches the handler
	}{
		// Query and header parameters.
		{
			name:       "valid list request reaches the handler",
			req:        request{method: http.MethodGet, target: base + "/books?limit=50&genre=history", header: branch},
			wantStatus: http.StatusOK,
		},
		{
			name:       "query integer above maximum",
			req:        request{method: http.MethodGet, target: base + "/books?limit=51", header: branch},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InQuery, "limit", "maximum"}},
		},
		{
			name:       "query integer below minimum",
			req:        request{method: http.MethodGet, target: base + "/books?limit=0", header: branch},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InQuery, "limit", "minimum"}},
		},
		{
			name:       "query integer that is not a number is malformed",
			req:        request{method: http.MethodGet, target: base + "/books?limit=tenish", header: branch},
			secret:     "tenish",
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InQuery, "limit", validator.KeywordMalformed}},
		},
		{
			name:       "empty query value is missing",
			req:        request{method: http.MethodGet, target: base + "/books?limit=", header: branch},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InQuery, "limit", validator.KeywordMissing}},
		},
		{
			name:       "query value outside its enum",
			req:        request{method: http.MethodGet, target: base + "/books?genre=poetry", header: branch},
			secret:     "poetry",
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InQuery, "genre", "enum"}},
		},
		{
			name:       "missing required request header",
			req:        request{method: http.MethodGet, target: base + "/books", header: map[string]string{"Authorization": bearer}},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InHeader, "X-Branch", validator.KeywordMissing}},
		},
		{
			name:       "request header that does not match its pattern",
			req:        request{method: http.MethodGet, target: base + "/books", header: map[string]string{"Authorization": bearer, "X-Branch": "rome"}},
			secret:     "rome",
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InHeader, "X-Branch", "pattern"}},
		},
		{
			name:       "every violation of one request is reported, parameters in document order",
			req:        request{method: http.MethodGet, target: base + "/books?genre=poetry&limit=99", header: map[string]string{"Authorization": bearer}},
			wantStatus: http.StatusBadRequest,
			want: []violation{
				{validator.InQuery, "limit", "maximum"},
				{validator.InQuery, "genre", "enum"},
				{validator.InHeader, "X-Branch", validator.KeywordMissing},
			},
		},

		// Path parameters.
		{
			name:       "uuid path parameter is checked",
			req:        request{method: http.MethodGet, target: base + "/books/not-a-uuid", header: apiKeyOnly},
			secret:     "not-a-uuid",
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InPath, "bookId", "format"}},
		},
		{
			name:       "path parameter is unescaped before it is checked",
			req:        request{method: http.MethodGet, target: base + "/books/" + strings.ReplaceAll(bookID, "-", "%2D"), header: apiKeyOnly},
			wantStatus: http.StatusOK,
		},
		{
			name:       "path parameter declared on the path item is checked for every operation",
			req:        request{method: http.MethodDelete, target: base + "/books/42", header: map[string]string{"Authorization": bearer}},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InPath, "bookId", "format"}},
		},

		// Request bodies.
		{
			name:       "valid body reaches the handler",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: validBook},
			wantStatus: http.StatusCreated,
		},
		{
			name:       "JSON media type with parameters is accepted",
			req:        request{method: http.MethodPost, target: base + "/books", header: map[string]string{"Authorization": bearer, "Content-Type": "application/json; charset=utf-8"}, body: validBook},
			wantStatus: http.StatusCreated,
		},
		{
			name:       "unknown body property is named in target",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction","isbn":"978-0"}`},
			secret:     "978-0",
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "isbn", validator.KeywordAdditional}},
		},
		{
			name:       "unknown property of a nested object is named by its path",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction","publisher":{"name":"Harcourt","city":"Orlando"}}`},
			secret:     "Orlando",
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "publisher/city", validator.KeywordAdditional}},
		},
		{
			name:       "readOnly id in request body is a violation",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"id":"` + bookID + `","title":"T","genre":"fiction"}`},
			secret:     bookID,
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "id", validator.KeywordReadOnly}},
		},
		{
			name:       "required readOnly id is not required in a request",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction"}`},
			wantStatus: http.StatusCreated,
		},
		{
			name:       "missing required property",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"genre":"fiction"}`},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "title", validator.KeywordRequiredKey}},
		},
		{
			name:       "missing required property of a nested object",
			req:        request{method: http.MethodPost, target: base + "/loans", header: withJSON(), body: `{"bookId":"` + bookID + `","member":{"card":7}}`},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "member/name", validator.KeywordRequiredKey}},
		},
		{
			name:       "body property of the wrong type",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":1984,"genre":"fiction"}`},
			secret:     "1984",
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "title", "type"}},
		},
		{
			name:       "string longer than maxLength",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"` + strings.Repeat("a", 101) + `","genre":"fiction"}`},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "title", "maxLength"}},
		},
		{
			name:       "body value outside its enum",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"poetry"}`},
			secret:     "poetry",
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "genre", "enum"}},
		},
		{
			name:       "array longer than maxItems",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction","authorIds":["` + strings.Repeat(authorID+`","`, 3) + authorID + `"]}`},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "authorIds", "maxItems"}},
		},
		{
			name:       "array item that is not a uuid is named by its index",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction","authorIds":["` + authorID + `","eco"]}`},
			secret:     "eco",
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "authorIds/1", "format"}},
		},
		{
			name:       "date format in a body is checked",
			req:        request{method: http.MethodPost, target: base + "/loans", header: withJSON(), body: `{"bookId":"` + bookID + `","member":{"name":"Adso"},"dueDate":"next-week"}`},
			secret:     "next-week",
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "dueDate", "format"}},
		},
		{
			name:       "minProperties of an empty patch",
			req:        request{method: http.MethodPatch, target: base + "/books/" + bookID, header: withJSON(), body: `{}`},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "", "minProperties"}},
		},
		{
			name:       "valid patch reaches the handler",
			req:        request{method: http.MethodPatch, target: base + "/books/" + bookID, header: withJSON(), body: `{"genre":"history"}`},
			wantStatus: http.StatusOK,
		},
		{
			name:       "every body violation is reported",
			req:        request{method: http.MethodPost, target: base + "/loans", header: withJSON(), body: `{"bookId":"b","member":{"name":"Adso","card":0},"extra":true}`},
			wantStatus: http.StatusBadRequest,
			want: []violation{
				{validator.InBody, "bookId", "format"},
				{validator.InBody, "extra", validator.KeywordAdditional},
				{validator.InBody, "member/card", "minimum"},
			},
		},
		{
			name:       "parameter and body violations are reported together, parameters first",
			req:        request{method: http.MethodPatch, target: base + "/books/b", header: withJSON(), body: `{"genre":"poetry"}`},
			wantStatus: http.StatusBadRequest,
			want: []violation{
				{validator.InPath, "bookId", "format"},
				{validator.InBody, "genre", "enum"},
			},
		},
		{
			name:       "missing required body",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON()},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "", validator.KeywordMissing}},
		},
		{
			name:       "Content-Type not documented is a media type violation with status 415",
			req:        request{method: http.MethodPost, target: base + "/books", header: map[string]string{"Authorization": bearer, "Content-Type": "text/plain"}, body: validBook},
			wantStatus: http.StatusUnsupportedMediaType,
			want:       []violation{{validator.InHeader, "Content-Type", validator.KeywordMediaType}},
		},
		{
			name:       "JSON suffix media type not documented is a media type violation",
			req:        request{method: http.MethodPost, target: base + "/books", header: map[string]string{"Authorization": bearer, "Content-Type": "application/merge-patch+json"}, body: validBook},
			wantStatus: http.StatusUnsupportedMediaType,
			want:       []violation{{validator.InHeader, "Content-Type", validator.KeywordMediaType}},
		},
		{
			name:       "body without Content-Type is a media type violation",
			req:        request{method: http.MethodPost, target: base + "/books", header: map[string]string{"Authorization": bearer}, body: validBook},
			wantStatus: http.StatusUnsupportedMediaType,
			want:       []violation{{validator.InHeader, "Content-Type", validator.KeywordMediaType}},
		},
		{
			name:       "malformed JSON reports its byte offset",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title": }`},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "", validator.KeywordMalformed}},
		},
		{
			name:       "trailing data after the JSON value is malformed",
			req:        request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: `{"title":"T","genre":"fiction"} {}`},
			wantStatus: http.StatusBadRequest,
			want:       []violation{{validator.InBody, "", validator.KeywordMalformed}},
		},

		// Security.
		{
			name:       "missing bearer token is the only violation reported",
			req:        request{method: http.MethodPost, target: base + "/books", header: map[string]string{"Content-Type": "text/plain"}, body: `{"isbn":1}`},
			wantStatus: http.StatusUnauthorized,
			want:       []violation{{validator.InSecurity, "Authorization", validator.KeywordSecurity}},
		},
		{
			name:       "Authorization of another scheme does not meet a bearer requirement",
			req:        request{method: http.MethodGet, target: base + "/books", header: map[string]string{"Authorization": "Basic c2VjcmV0LXBhc3M=", "X-Branch": "ROM"}},
			secret:     "c2VjcmV0LXBhc3M=",
			wantStatus: http.StatusUnauthorized,
			want:       []violation{{validator.InSecurity, "Authorization", validator.KeywordSecurity}},
		},
		{
			name:       "bearer scheme without credentials",
			req:        request{method: http.MethodGet, target: base + "/books", header: map[string]string{"Authorization": "Bearer ", "X-Branch": "ROM"}},
			wantStatus: http.StatusUnauthorized,
			want:       []violation{{validator.InSecurity, "Authorization", validator.KeywordSecurity}},
		},
		{
			name:       "bearer scheme name is case-insensitive",
			req:        request{method: http.MethodGet, target: base + "/books", header: map[string]string{"Authorization": "bEaReR t0k", "X-Branch": "ROM"}},
			wantStatus: http.StatusOK,
		},
		{
			name:       "apiKey header checked",
			req:        request{method: http.MethodGet, target: base + "/books/" + bookID, header: map[string]string{"Authorization": bearer}},
			wantStatus: http.StatusUnauthorized,
			want:       []violation{{validator.InSecurity, "X-API-Key", validator.KeywordSecurity}},
		},
		{
			name:       "apiKey header meets the requirement of its operation",
			req:        request{method: http.MethodGet, target: base + "/books/" + bookID, header: apiKeyOnly},
			wantStatus: http.StatusOK,
		},
		{
			name:       "apiKey does not meet the default bearer requirement",
			req:        request{method: http.MethodDelete, target: base + "/books/" + bookID, header: apiKeyOnly},
			wantStatus: http.StatusUnauthorized,
			want:       []violation{{validator.InSecurity, "Authorization", validator.KeywordSecurity}},
		},
		{
			name:       "public operation needs no credentials",
			req:        request{method: http.MethodGet, target: base + "/status"},
			wantStatus: http.StatusOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			called := false
			h := handlers{}
			for op, f := range validHandlers() {
				h[op] = func(c echo.Context) error {
					called = true
					return f(c)
				}
			}
			s := newServer(t, h)

			rec := do(s.e, tt.req)

			if rec.Code != tt.wantStatus {
				t.Errorf("%s %s: status %d, want %d; body %s", tt.req.method, tt.req.target, rec.Code, tt.wantStatus, rec.Body)
			}
			errs := s.errs.errors()
			if tt.want == nil {
				if len(errs) > 0 {
					t.Errorf("%s %s: error handler got %v, want no error", tt.req.method, tt.req.target, errs)
				}
				if !called {
					t.Errorf("%s %s: the handler was not called", tt.req.method, tt.req.target)
				}
				return
			}
			if called {
				t.Errorf("%s %s: the handler was called, want the request stopped", tt.req.method, tt.req.target)
			}
			if len(errs) != 1 {
				t.Fatalf("%s %s: error handler got %d errors (%v), want 1 *validator.RequestError", tt.req.method, tt.req.target, len(errs), errs)
			}
			var reqErr *validator.RequestError
			if !errors.As(errs[0], &reqErr) {
				t.Fatalf("%s %s: error handler got %T (%v), want *validator.RequestError", tt.req.method, tt.req.target, errs[0], errs[0])
			}
			if diff := cmp.Diff(tt.want, violationsOf(reqErr.Violations)); diff != "" {
				t.Errorf("%s %s: violations mismatch (-want +got):\n%s", tt.req.method, tt.req.target, diff)
			}
			if got := reqErr.Status(); got != tt.wantStatus {
				t.Errorf("RequestError.Status() = %d, want %d", got, tt.wantStatus)
			}
			for _, v := range reqErr.Violations {
				if v.Reason == "" {
					t.Errorf("violation %+v has no Reason", v)
				}
				if tt.secret != "" && strings.Contains(v.Reason, tt.secret) {
					t.Errorf("Reason of %s %q = %q, which quotes the offending value %q", v.In, v.Target, v.Reason, tt.secret)
				}
			}
		})
	}
}

func TestMiddlewareRequestsOperationID(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	do(s.e, request{method: http.MethodDelete, target: base + "/books/b", header: map[string]string{"Authorization": bearer}})
	errs := s.errs.errors()
	var reqErr *validator.RequestError
	if len(errs) != 1 || !errors.As(errs[0], &reqErr) {
		t.Fatalf("error handler got %v, want one *validator.RequestError", errs)
	}
	if got, want := reqErr.OperationID, "deleteBook"; got != want {
		t.Errorf("RequestError.OperationID = %q, want %q", got, want)
	}
}

// malformedBodies are JSON documents with a syntax error, and the Reason that locates it.
var malformedBodies = []struct {
	name string
	body string
	want string
}{
	{name: "value missing after a colon", body: `{"title": }`, want: "is not valid JSON: syntax error at byte 11"},
	{name: "trailing data after the value", body: `{"title":"T","genre":"fiction"} {}`, want: "is not valid JSON: syntax error at byte 33"},
	{name: "truncated document", body: `{"title":"T"`, want: "is not valid JSON: syntax error at byte 12"},
}

// TestMalformedJSONReason proves that a request body that is not JSON is located by the byte
// offset of its syntax error, as encoding/json counts it.
func TestMalformedJSONReason(t *testing.T) {
	t.Parallel()
	for _, tt := range malformedBodies {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, nil)
			do(s.e, request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: tt.body})
			errs := s.errs.errors()
			var reqErr *validator.RequestError
			if len(errs) != 1 || !errors.As(errs[0], &reqErr) || len(reqErr.Violations) != 1 {
				t.Fatalf("body %q: error handler got %v, want one *validator.RequestError with one violation", tt.body, errs)
			}
			if got := reqErr.Violations[0].Reason; got != tt.want {
				t.Errorf("request body %q: Reason = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

// TestMalformedJSONResponseReason proves that a response body that is not JSON is located the
// same way as a request body.
func TestMalformedJSONResponseReason(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	getStatus := findRoute(t, v, "getStatus")
	for _, tt := range malformedBodies {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := v.ValidateResponse(context.Background(), getStatus, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, []byte(tt.body))
			var respErr *validator.ResponseError
			if !errors.As(err, &respErr) || len(respErr.Violations) != 1 {
				t.Fatalf("ValidateResponse(body %q) = %v, want a *validator.ResponseError with one violation", tt.body, err)
			}
			got := respErr.Violations[0]
			if got.Keyword != validator.KeywordMalformed || got.Reason != tt.want {
				t.Errorf("response body %q: violation %s %q, want %s %q", tt.body, got.Keyword, got.Reason, validator.KeywordMalformed, tt.want)
			}
		})
	}
}

// TestMiddlewareRequestBodyReachesHandler proves that validating the body does not consume it,
// and that the handler can use the value that was validated.
func TestMiddlewareRequestBodyReachesHandler(t *testing.T) {
	t.Parallel()
	body := `{"title":"Baudolino","genre":"fiction"}`
	var got []byte
	var validated any
	s := newServer(t, handlers{"createBook": func(c echo.Context) error {
		if vb, ok := c.Request().Body.(interface{ ValidatedValue() any }); ok {
			validated = vb.ValidatedValue()
		}
		var err error
		if got, err = io.ReadAll(c.Request().Body); err != nil {
			return err
		}
		c.Response().Header().Set("Location", "https://api.example.com/v2/books/"+bookID)
		c.Response().Header().Set("X-Rate-Limit", "1")
		return c.JSON(http.StatusCreated, book())
	}})

	rec := do(s.e, request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: body})

	if rec.Code != http.StatusCreated {
		t.Fatalf("POST %s/books: status %d, want %d; body %s", base, rec.Code, http.StatusCreated, rec.Body)
	}
	if string(got) != body {
		t.Errorf("handler read body %q, want %q", got, body)
	}
	want := map[string]any{"title": "Baudolino", "genre": "fiction"}
	if diff := cmp.Diff(want, validated); diff != "" {
		t.Errorf("validated value of the body mismatch (-want +got):\n%s", diff)
	}
}

func TestAuthenticator(t *testing.T) {
	t.Parallel()
	validBook := `{"title":"T","genre":"fiction"}`
	tests := []struct {
		name       string
		auth       openapi3filter.AuthenticationFunc
		wantStatus int
		want       []violation
	}{
		{
			name:       "accepted credentials let the request through",
			auth:       func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
			wantStatus: http.StatusCreated,
		},
		{
			name: "refused credentials answer 401 and name the target",
			auth: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
				return &validator.SecurityError{Scheme: in.SecuritySchemeName, Target: "Authorization", Reason: "the token has expired"}
			},
			wantStatus: http.StatusUnauthorized,
			want:       []violation{{validator.InSecurity, "Authorization", validator.KeywordSecurity}},
		},
		{
			name: "forbidden credentials answer 403",
			auth: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
				return &validator.SecurityError{Scheme: in.SecuritySchemeName, Target: "Authorization", Reason: "the token cannot write", Forbidden: true}
			},
			wantStatus: http.StatusForbidden,
			want:       []violation{{validator.InSecurity, "Authorization", validator.KeywordSecurity}},
		},
		{
			name: "wrapped SecurityError is recognized",
			auth: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
				return fmt.Errorf("checking the token: %w", &validator.SecurityError{Scheme: in.SecuritySchemeName, Target: "X-Token", Reason: "unknown issuer", Forbidden: true})
			},
			wantStatus: http.StatusForbidden,
			want:       []violation{{validator.InSecurity, "X-Token", validator.KeywordSecurity}},
		},
		{
			name: "plain error answers 401 without a target",
			auth: func(context.Context, *openapi3filter.AuthenticationInput) error {
				return errors.New("token service unavailable")
			},
			wantStatus: http.StatusUnauthorized,
			want:       []violation{{validator.InSecurity, "", validator.KeywordSecurity}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, nil, validator.WithAuthenticator(tt.auth))

			// No Authorization header: the authenticator, not the default, decides.
			rec := do(s.e, request{method: http.MethodPost, target: base + "/books", header: map[string]string{"Content-Type": "application/json"}, body: validBook})

			if rec.Code != tt.wantStatus {
				t.Errorf("POST %s/books: status %d, want %d; body %s", base, rec.Code, tt.wantStatus, rec.Body)
			}
			errs := s.errs.errors()
			if tt.want == nil {
				if len(errs) > 0 {
					t.Errorf("error handler got %v, want no error", errs)
				}
				return
			}
			var reqErr *validator.RequestError
			if len(errs) != 1 || !errors.As(errs[0], &reqErr) {
				t.Fatalf("error handler got %v, want one *validator.RequestError", errs)
			}
			if diff := cmp.Diff(tt.want, violationsOf(reqErr.Violations)); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthenticatorNeverSeesTheBody(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		seen     []byte
		schemes  []string
		readErrs []error
	)
	auth := func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		b, err := io.ReadAll(in.RequestValidationInput.Request.Body)
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, b...)
		schemes = append(schemes, in.SecuritySchemeName)
		if err != nil {
			readErrs = append(readErrs, err)
		}
		return nil
	}
	s := newServer(t, nil, validator.WithAuthenticator(auth))
	body := `{"title":"T","genre":"fiction"}`

	rec := do(s.e, request{method: http.MethodPost, target: base + "/books", header: withJSON(), body: body})

	if rec.Code != http.StatusCreated {
		t.Errorf("POST %s/books: status %d, want %d; body %s", base, rec.Code, http.StatusCreated, rec.Body)
	}
	if diff := cmp.Diff([]string{"bearerAuth"}, schemes); diff != "" {
		t.Errorf("schemes the authenticator checked mismatch (-want +got):\n%s", diff)
	}
	if len(seen) > 0 || len(readErrs) > 0 {
		t.Errorf("authenticator read %q (errors %v) from the body, want nothing", seen, readErrs)
	}
	if !strings.Contains(rec.Body.String(), `"title":"T"`) {
		t.Errorf("response %s does not echo the body: the handler did not get it", rec.Body)
	}
}

func TestValidateRequestLeavesBodyReadable(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	route := findRoute(t, v, "updateBook")
	body := `{"title":"Foucault's Pendulum"}`
	req := httptest.NewRequest(http.MethodPatch, base+"/books/"+bookID, strings.NewReader(body))
	req.Header.Set("Authorization", bearer)
	req.Header.Set("Content-Type", "application/json")

	if err := v.ValidateRequest(req.Context(), req, route, map[string]string{"bookId": bookID}); err != nil {
		t.Fatalf("ValidateRequest(valid PATCH) = %v, want nil", err)
	}
	got, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatalf("reading the body after ValidateRequest: %v", err)
	}
	if string(got) != body {
		t.Errorf("body after ValidateRequest = %q, want %q", got, body)
	}
	if req.ContentLength != int64(len(body)) {
		t.Errorf("ContentLength after ValidateRequest = %d, want %d", req.ContentLength, len(body))
	}
	again, err := req.GetBody()
	if err != nil {
		t.Fatalf("GetBody after ValidateRequest: %v", err)
	}
	if b, _ := io.ReadAll(again); !bytes.Equal(b, []byte(body)) {
		t.Errorf("GetBody after ValidateRequest gives %q, want %q", b, body)
	}
}

func TestStringFormatOption(t *testing.T) {
	t.Parallel()
	// A validator whose uuid format accepts only lower case; the default accepts both.
	lowerOnly := openapi3.NewCallbackValidator(func(s string) error {
		if s != strings.ToLower(s) {
			return errors.New("not lower case")
		}
		return nil
	})
	upper := strings.ToUpper(bookID)
	tests := []struct {
		name       string
		opts       []validator.Option
		wantStatus int
	}{
		{name: "default uuid format accepts upper case", wantStatus: http.StatusOK},
		{name: "registered format replaces the default", opts: []validator.Option{validator.WithStringFormat("uuid", lowerOnly)}, wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, nil, tt.opts...)
			rec := do(s.e, request{method: http.MethodGet, target: base + "/books/" + upper, header: map[string]string{"X-API-Key": apiKey}})
			if rec.Code != tt.wantStatus {
				t.Errorf("GET %s/books/%s: status %d, want %d; body %s", base, upper, rec.Code, tt.wantStatus, rec.Body)
			}
		})
	}
}

func TestRequestErrorStatus(t *testing.T) {
	t.Parallel()
	security := validator.Violation{In: validator.InSecurity, Keyword: validator.KeywordSecurity,
		Err: &validator.SecurityError{Scheme: "s", Reason: "missing"}}
	forbidden := validator.Violation{In: validator.InSecurity, Keyword: validator.KeywordSecurity,
		Err: fmt.Errorf("wrapped: %w", &validator.SecurityError{Scheme: "s", Reason: "no", Forbidden: true})}
	media := validator.Violation{In: validator.InHeader, Target: "Content-Type", Keyword: validator.KeywordMediaType}
	enum := validator.Violation{In: validator.InQuery, Target: "genre", Keyword: "enum"}
	tests := []struct {
		name       string
		violations []validator.Violation
		want       int
	}{
		{name: "schema violation", violations: []validator.Violation{enum}, want: http.StatusBadRequest},
		{name: "media type violation", violations: []validator.Violation{enum, media}, want: http.StatusUnsupportedMediaType},
		{name: "unmet security requirement", violations: []validator.Violation{security}, want: http.StatusUnauthorized},
		{name: "forbidden credentials", violations: []validator.Violation{forbidden}, want: http.StatusForbidden},
		{name: "security wins over media type", violations: []validator.Violation{media, security}, want: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := &validator.RequestError{Violations: tt.violations}
			if got := e.Status(); got != tt.want {
				t.Errorf("RequestError{%v}.Status() = %d, want %d", tt.violations, got, tt.want)
			}
		})
	}
}

func TestErrorStrings(t *testing.T) {
	t.Parallel()
	vs := []validator.Violation{
		{In: validator.InBody, Target: "authorIds", Keyword: "maxItems", Reason: "must have at most 3 items"},
		{In: validator.InBody, Keyword: validator.KeywordMissing, Reason: "is required"},
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "violation with a target", got: vs[0].String(), want: `body "authorIds": must have at most 3 items`},
		{name: "violation of the whole body", got: vs[1].String(), want: `body: is required`},
		{name: "request error joins its violations", got: (&validator.RequestError{Violations: vs}).Error(),
			want: `request breaks the contract: body "authorIds": must have at most 3 items; body: is required`},
		{name: "response error joins its violations", got: (&validator.ResponseError{Violations: vs[:1]}).Error(),
			want: `response breaks the contract: body "authorIds": must have at most 3 items`},
		{name: "security error without a cause", got: (&validator.SecurityError{Scheme: "bearerAuth", Reason: "the token has expired"}).Error(),
			want: "security scheme bearerAuth: the token has expired"},
		{name: "security error with a cause", got: (&validator.SecurityError{Scheme: "bearerAuth", Reason: "refused", Err: errors.New("bad signature")}).Error(),
			want: "security scheme bearerAuth: refused: bad signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		header    string
		wantToken string
		wantOK    bool
	}{
		{name: "bearer token", header: "Bearer abc", wantToken: "abc", wantOK: true},
		{name: "scheme is case-insensitive", header: "bearer abc", wantToken: "abc", wantOK: true},
		{name: "surrounding space is trimmed", header: "Bearer  abc ", wantToken: "abc", wantOK: true},
		{name: "no header", header: ""},
		{name: "scheme without token", header: "Bearer "},
		{name: "scheme alone", header: "Bearer"},
		{name: "another scheme", header: "Basic abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.header != "" {
				h.Set("Authorization", tt.header)
			}
			token, ok := validator.BearerToken(h)
			if token != tt.wantToken || ok != tt.wantOK {
				t.Errorf("BearerToken(Authorization: %q) = %q, %t, want %q, %t", tt.header, token, ok, tt.wantToken, tt.wantOK)
			}
		})
	}
}

// findRoute returns the route of the operation id of v.
func findRoute(t testing.TB, v *validator.Validator, id string) *validator.Route {
	t.Helper()
	for _, r := range v.Routes() {
		if r.OperationID == id {
			return r
		}
	}
	t.Fatalf("no route for operation %q", id)
	return nil
}
