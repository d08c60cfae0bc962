package validator

import (
	"context"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// A SecurityError says why a request does not meet a security scheme. Authenticators return it
// (or wrap it) so that the violation names the header, query parameter or cookie concerned and
// the error renderer can tell a missing credential from a refused one.
type SecurityError struct {
	// Scheme is the name of the security scheme in the document.
	Scheme string
	// Target is the header, query parameter or cookie that carries the credential.
	Target string
	// Reason says what is wrong, in words, without quoting the credential.
	Reason string
	// Forbidden is true when the credential is valid but does not grant what the operation
	// needs (HTTP 403), false when it is missing or invalid (HTTP 401).
	Forbidden bool
	// Scopes are the scopes the security requirement asked for, when Forbidden.
	Scopes []string
	// Err is the cause, for logs.
	Err error
}

func (e *SecurityError) Error() string {
	if e.Err != nil {
		return "security scheme " + e.Scheme + ": " + e.Reason + ": " + e.Err.Error()
	}
	return "security scheme " + e.Scheme + ": " + e.Reason
}

func (e *SecurityError) Unwrap() error { return e.Err }

// CheckCredentialPresence is the default authenticator: it checks that the request carries a
// credential where the security scheme says, of the kind it says, and nothing more. It never
// verifies a credential; plug a real check with [WithAuthenticator].
func CheckCredentialPresence(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	req := in.RequestValidationInput.Request
	switch s.Type {
	case "http":
		scheme := strings.ToLower(s.Scheme)
		return checkAuthorization(in.SecuritySchemeName, req.Header, scheme)
	case "oauth2", "openIdConnect":
		return checkAuthorization(in.SecuritySchemeName, req.Header, "bearer")
	case "apiKey":
		var present bool
		switch s.In {
		case openapi3.ParameterInHeader:
			present = req.Header.Get(s.Name) != ""
		case openapi3.ParameterInQuery:
			present = req.URL.Query().Get(s.Name) != ""
		case openapi3.ParameterInCookie:
			c, err := req.Cookie(s.Name)
			present = err == nil && c.Value != ""
		}
		if !present {
			return &SecurityError{Scheme: in.SecuritySchemeName, Target: s.Name, Reason: "the API key is missing"}
		}
		return nil
	}
	return &SecurityError{Scheme: in.SecuritySchemeName, Reason: "the security scheme type " + s.Type + " is not supported"}
}

// BearerToken returns the token of an `Authorization: Bearer <token>` header, and whether
// there is one.
func BearerToken(h http.Header) (string, bool) {
	scheme, token, ok := strings.Cut(h.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func checkAuthorization(schemeName string, h http.Header, want string) error {
	value := h.Get("Authorization")
	if value == "" {
		return &SecurityError{Scheme: schemeName, Target: "Authorization", Reason: "the Authorization header is missing or empty"}
	}
	scheme, credentials, _ := strings.Cut(value, " ")
	if !strings.EqualFold(scheme, want) {
		return &SecurityError{Scheme: schemeName, Target: "Authorization", Reason: "the Authorization header must use the " + canonicalScheme(want) + " scheme"}
	}
	if strings.TrimSpace(credentials) == "" {
		return &SecurityError{Scheme: schemeName, Target: "Authorization", Reason: "the " + canonicalScheme(want) + " credentials are empty"}
	}
	return nil
}

func canonicalScheme(s string) string {
	switch s {
	case "bearer":
		return "Bearer"
	case "basic":
		return "Basic"
	}
	return s
}
