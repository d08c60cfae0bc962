package validator_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator"
)

// thingsDoc is a small contract with OAuth2 scopes, a list parameter and a text/plain count.
const thingsDoc = `
openapi: 3.0.3
info: {title: things, version: "1"}
servers: [{url: /api}]
paths:
  /things:
    get:
      operationId: listThings
      security: [{oauth: [things.read]}, {oauth: [things.write]}]
      parameters:
        - {name: sort, in: query, style: form, explode: false,
           schema: {type: array, items: {type: string, enum: [name, size]}}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}
  /things/count:
    get:
      operationId: countThings
      security: []
      responses:
        '200': {description: ok, content: {text/plain: {schema: {type: integer, minimum: 0}}}}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: 'https://example.com/token', scopes: {things.read: r, things.write: w}}}
`

func thingsValidator(t *testing.T, opts ...validator.Option) (*validator.Validator, map[string]*validator.Route) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(thingsDoc))
	if err != nil {
		t.Fatal(err)
	}
	v, err := validator.New(doc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]*validator.Route{}
	for _, r := range v.Routes() {
		routes[r.OperationID] = r
	}
	return v, routes
}

func thingsRequest(target string, header ...string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Authorization", "Bearer t")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

func violationKeys(err error) []violation {
	var re *validator.RequestError
	if !errors.As(err, &re) {
		return nil
	}
	return violationsOf(re.Violations)
}

func TestUnknownQueryParameters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reject bool
		target string
		want   []violation
	}{
		{name: "ignored by default", target: "/api/things?colour=red"},
		{name: "each is named, in the order of their names", reject: true, target: "/api/things?zeta=1&sort=name&alpha=2",
			want: []violation{{validator.InQuery, "alpha", validator.KeywordUnknownParameter}, {validator.InQuery, "zeta", validator.KeywordUnknownParameter}}},
		{name: "declared parameters pass", reject: true, target: "/api/things?sort=name,size&limit=3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []validator.Option
			if tt.reject {
				opts = append(opts, validator.RejectUnknownQueryParameters())
			}
			v, routes := thingsValidator(t, opts...)
			err := v.ValidateRequest(context.Background(), thingsRequest(tt.target), routes["listThings"], nil)
			if diff := cmp.Diff(tt.want, violationKeys(err)); diff != "" {
				t.Errorf("ValidateRequest(%s) violations mismatch (-want +got):\n%s", tt.target, diff)
			}
		})
	}
}

func TestAcceptHeader(t *testing.T) {
	t.Parallel()
	v, routes := thingsValidator(t)
	tests := []struct {
		name      string
		operation string
		accept    string
		want406   bool
	}{
		{name: "exact media type", operation: "listThings", accept: "application/json"},
		{name: "any media type", operation: "listThings", accept: "*/*"},
		{name: "any subtype", operation: "listThings", accept: "application/*"},
		{name: "case does not matter", operation: "listThings", accept: "Application/JSON"},
		{name: "one of several", operation: "listThings", accept: "text/html, application/json;q=0.5"},
		{name: "only other media types", operation: "listThings", accept: "text/html, image/png", want406: true},
		{name: "JSON refused by quality zero", operation: "listThings", accept: "application/json;q=0, text/html", want406: true},
		{name: "JSON refused by quality 0.000", operation: "listThings", accept: "application/json;q=0.000", want406: true},
		{name: "nothing usable admits everything", operation: "listThings", accept: "garbage;;"},
		{name: "text/plain operation refuses JSON only", operation: "countThings", accept: "application/json", want406: true},
		{name: "text/plain operation takes text/*", operation: "countThings", accept: "text/*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := "/api/things"
			if tt.operation == "countThings" {
				path += "/count"
			}
			err := v.ValidateRequest(context.Background(), thingsRequest(path, "Accept", tt.accept), routes[tt.operation], nil)
			var re *validator.RequestError
			got406 := errors.As(err, &re) && re.Status() == http.StatusNotAcceptable
			if got406 != tt.want406 {
				t.Errorf("Accept %q: 406 = %v (error %v); want %v", tt.accept, got406, err, tt.want406)
			}
			if got406 {
				want := []violation{{validator.InHeader, "Accept", validator.KeywordNotAcceptable}}
				if diff := cmp.Diff(want, violationKeys(err)); diff != "" {
					t.Errorf("violations mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestTextPlainScalarResponse(t *testing.T) {
	t.Parallel()
	v, routes := thingsValidator(t)
	tests := []struct {
		name string
		body string
		want []violation
	}{
		{name: "an integer", body: "42"},
		{name: "below its minimum", body: "-1", want: []violation{{validator.InBody, "", "minimum"}}},
		{name: "not an integer", body: "forty-two", want: []violation{{validator.InBody, "", "type"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := v.ValidateResponse(context.Background(), routes["countThings"], 200, http.Header{"Content-Type": {"text/plain"}}, []byte(tt.body))
			var got []violation
			var re *validator.ResponseError
			if errors.As(err, &re) {
				got = violationsOf(re.Violations)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ValidateResponse(%q) violations mismatch (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestViolationValue(t *testing.T) {
	t.Parallel()
	v, routes := thingsValidator(t)
	err := v.ValidateRequest(context.Background(), thingsRequest("/api/things?sort=colour"), routes["listThings"], nil)
	var re *validator.RequestError
	if !errors.As(err, &re) || len(re.Violations) != 1 {
		t.Fatalf("ValidateRequest(sort=colour) = %v; want one violation", err)
	}
	if value, ok := re.Violations[0].Value(); !ok || value != "colour" {
		t.Errorf("Value() = %v, %v; want colour, true", value, ok)
	}
	if value, ok := (validator.Violation{In: validator.InBody, Err: re.Violations[0].Err}).Value(); ok {
		t.Errorf("Value() of a body violation = %v, true; want none: bodies may hold secrets", value)
	}
}

// TestForbiddenSummary proves that when every security requirement refuses a valid
// credential, the violation is a 403 naming the scopes of each requirement; a 401 of any one
// wins.
func TestForbiddenSummary(t *testing.T) {
	t.Parallel()
	forbid := func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		return &validator.SecurityError{Scheme: in.SecuritySchemeName, Target: "Authorization", Forbidden: true,
			Scopes: in.Scopes, Reason: "missing " + in.Scopes[0]}
	}
	v, routes := thingsValidator(t, validator.WithAuthenticator(forbid))
	err := v.ValidateRequest(context.Background(), thingsRequest("/api/things"), routes["listThings"], nil)
	var re *validator.RequestError
	if !errors.As(err, &re) || re.Status() != http.StatusForbidden {
		t.Fatalf("ValidateRequest() = %v; want a 403 RequestError", err)
	}
	if got, want := re.Violations[0].Reason, "the credential does not grant things.read or things.write"; got != want {
		t.Errorf("reason = %q; want %q", got, want)
	}
	var se *validator.SecurityError
	if !errors.As(re.Violations[0].Err, &se) || !cmp.Equal(se.Scopes, []string{"things.read", "things.write"}) {
		t.Errorf("SecurityError = %+v; want Scopes things.read and things.write", se)
	}

	unauthorized := func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		if in.Scopes[0] == "things.write" {
			return &validator.SecurityError{Scheme: in.SecuritySchemeName, Target: "Authorization", Reason: "the token has expired"}
		}
		return forbid(context.Background(), in)
	}
	v, routes = thingsValidator(t, validator.WithAuthenticator(unauthorized))
	err = v.ValidateRequest(context.Background(), thingsRequest("/api/things"), routes["listThings"], nil)
	if !errors.As(err, &re) || re.Status() != http.StatusUnauthorized || re.Violations[0].Reason != "the token has expired" {
		t.Errorf("ValidateRequest() = %v; want the 401 of the second requirement", err)
	}
}
