package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/validator"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// Graph's error codes, as contract.md §3 lists them.
const (
	CodeBadRequest           = "BadRequest"
	CodeUnauthorized         = "InvalidAuthenticationToken"
	CodeForbidden            = "Authorization_RequestDenied"
	CodeNotFound             = "itemNotFound"
	CodeMethodNotAllowed     = "MethodNotAllowed"
	CodeNotAcceptable        = "NotAcceptable"
	CodePreconditionFailed   = "resourceModified"
	CodeTooLarge             = "RequestEntityTooLarge"
	CodeUnsupportedMediaType = "UnsupportedMediaType"
	CodeTooManyRequests      = "TooManyRequests"
	CodeInternal             = "generalException"
	CodeNotImplemented       = "notImplemented"
	CodeUnavailable          = "serviceNotAvailable"
)

// codeFor is the one map from HTTP status to Graph error code.
func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return CodeBadRequest
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed
	case http.StatusNotAcceptable:
		return CodeNotAcceptable
	case http.StatusPreconditionFailed:
		return CodePreconditionFailed
	case http.StatusRequestEntityTooLarge:
		return CodeTooLarge
	case http.StatusUnsupportedMediaType:
		return CodeUnsupportedMediaType
	case http.StatusTooManyRequests:
		return CodeTooManyRequests
	case http.StatusNotImplemented:
		return CodeNotImplemented
	case http.StatusServiceUnavailable:
		return CodeUnavailable
	}
	if status >= 500 {
		return CodeInternal
	}
	return CodeBadRequest
}

// Error is a failure as Graph reports it. Every error the server answers with becomes one in
// graphError and is written by writeError, the one place where the envelope is built.
type Error struct {
	Status  int
	Code    string // Graph's code; codeFor(Status) when empty
	Message string
	Target  string
	Details []Detail
	// RetryAfter is the Retry-After of a 429 or 503 (at least a second).
	RetryAfter time.Duration
	// Err is the cause, for the log; it never reaches the client.
	Err error
}

// Detail is one entry of the details of an error: one violation of the request.
type Detail struct {
	Code    string
	Message string
	Target  string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%d %s: %s", e.Status, e.code(), e.Message)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) code() string {
	if e.Code != "" {
		return e.Code
	}
	return codeFor(e.Status)
}

// handleError is Echo's HTTPErrorHandler: it renders err as Graph's error envelope.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		s.log.LogAttrs(c.Request().Context(), slog.LevelWarn, "error after the response was sent",
			slog.String("error", err.Error()))
		return
	}
	ge := s.graphError(c, err)
	if ge.Status >= http.StatusInternalServerError {
		s.log.LogAttrs(c.Request().Context(), slog.LevelError, "request failed",
			slog.String("request-id", correlationOf(c.Request().Context()).requestID),
			slog.String("error", err.Error()))
	}
	writeError(c, ge)
}

// graphError turns any error into a Graph error.
func (s *Server) graphError(c echo.Context, err error) *Error {
	var ge *Error
	var reqErr *validator.RequestError
	var respErr *validator.ResponseError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ge):
		return ge
	case errors.As(err, &reqErr):
		return requestError(reqErr)
	case errors.As(err, &respErr):
		return &Error{Status: http.StatusInternalServerError, Code: CodeInternal,
			Message: "The server produced a response that does not conform to its contract.", Err: err}
	case errors.As(err, &he):
		return s.httpError(c, he)
	}
	if s.storeUnreachable(c.Request().Context()) {
		return &Error{Status: http.StatusServiceUnavailable, RetryAfter: storeRetryAfter, Err: err,
			Message: "The service cannot reach its store; retry later."}
	}
	return &Error{Status: http.StatusInternalServerError, Message: "An internal server error occurred.", Err: err}
}

// storeRetryAfter is the Retry-After of a 503 for a store that cannot be reached.
const storeRetryAfter = 5 * time.Second

// storePingTimeout bounds how long an error waits to learn whether the store can be reached.
const storePingTimeout = 2 * time.Second

// storeUnreachable reports whether the store fails to answer a ping: an error that is no
// error of the contract is then the store's being away (a 503 the client may retry), not a
// fault of the server (a 500).
func (s *Server) storeUnreachable(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storePingTimeout)
	defer cancel()
	return s.backend.Ping(ctx) != nil
}

// httpError turns an error of Echo (routing, body limit, binding) into a Graph error.
func (s *Server) httpError(c echo.Context, he *echo.HTTPError) *Error {
	req := c.Request()
	switch he.Code {
	case http.StatusNotFound:
		return s.segments.notFound(req.URL.Path)
	case http.StatusMethodNotAllowed:
		return &Error{Status: http.StatusMethodNotAllowed,
			Message: fmt.Sprintf("The HTTP method '%s' is not allowed on this resource.", req.Method), Err: he}
	case http.StatusRequestEntityTooLarge:
		return &Error{Status: he.Code, Message: "The request body is larger than the limit.", Err: he}
	}
	msg := http.StatusText(he.Code)
	if msg == "" {
		msg = "The request failed"
	}
	return &Error{Status: he.Code, Message: msg + ".", Err: he}
}

// requestError describes the violations of a request, one detail each.
func requestError(e *validator.RequestError) *Error {
	ge := &Error{Status: e.Status(), Err: e}
	for _, v := range e.Violations {
		target := v.Target
		if v.In == validator.InQuery {
			target, _, _ = strings.Cut(target, "/") // the option, not the index of an item of its list
		}
		ge.Details = append(ge.Details, Detail{Code: detailCode(v), Message: violationMessage(v), Target: target})
	}
	switch {
	case len(ge.Details) == 1:
		ge.Message = ge.Details[0].Message
		ge.Target = ge.Details[0].Target
	case ge.Status == http.StatusBadRequest:
		ge.Message = fmt.Sprintf("The request is invalid in %d places; see details.", len(ge.Details))
	default:
		ge.Message = ge.Details[0].Message
	}
	return ge
}

func detailCode(v validator.Violation) string {
	switch v.Keyword {
	case validator.KeywordSecurity:
		var se *validator.SecurityError
		if errors.As(v.Err, &se) && se.Forbidden {
			return "insufficientPrivileges"
		}
		return "invalidAuthenticationToken"
	case validator.KeywordMediaType:
		return "unsupportedMediaType"
	case validator.KeywordMalformed:
		if v.In == validator.InBody {
			return "invalidJson"
		}
		return "invalidParameter"
	case validator.KeywordAdditional:
		return "unknownProperty"
	case validator.KeywordReadOnly:
		return "readOnlyProperty"
	case validator.KeywordRequiredKey, validator.KeywordMissing:
		return "missingValue"
	case validator.KeywordUnknownParameter:
		return "unknownQueryOption"
	case validator.KeywordNotAcceptable:
		return "notAcceptable"
	}
	return "invalidValue"
}

// violationMessage says what is wrong in a sentence, as Graph would.
func violationMessage(v validator.Violation) string {
	switch v.Keyword {
	case validator.KeywordSecurity:
		return sentence(v.Reason)
	case validator.KeywordMediaType:
		return "The Content-Type " + v.Reason + "."
	case validator.KeywordAdditional:
		typeName := "this object"
		if v.Schema != nil {
			if t, ok := v.Schema.Extensions["x-odata-type"].(string); ok {
				typeName = "type '" + t + "'"
			}
		}
		return fmt.Sprintf("The property '%s' does not exist on %s.", lastSegment(v.Target), typeName)
	}
	switch v.Keyword {
	case validator.KeywordUnknownParameter:
		if strings.HasPrefix(v.Target, "$") {
			return fmt.Sprintf("The query option '%s' is not allowed on this resource.", v.Target)
		}
		return fmt.Sprintf("The query parameter '%s' is not supported by this operation.", v.Target)
	case validator.KeywordNotAcceptable:
		return fmt.Sprintf("The Accept header %s.", v.Reason)
	}
	switch v.In {
	case validator.InQuery:
		name, _, _ := strings.Cut(v.Target, "/")
		if value, ok := v.Value(); ok {
			return fmt.Sprintf("The query option '%s' has the value '%s', but it %s.", name, quotable(value), v.Reason)
		}
		return fmt.Sprintf("The query option '%s' %s.", name, v.Reason)
	case validator.InBody:
		if v.Target == "" {
			return "The request body " + v.Reason + "."
		}
		return fmt.Sprintf("The property '%s' %s.", v.Target, v.Reason)
	case validator.InHeader:
		return fmt.Sprintf("The header '%s' %s.", v.Target, v.Reason)
	case validator.InPath:
		return fmt.Sprintf("The key '%s' %s.", v.Target, v.Reason)
	}
	return fmt.Sprintf("The %s parameter '%s' %s.", v.In, v.Target, v.Reason)
}

// quotable renders a value a client sent for a message: lists comma-separated, at most 100
// characters.
func quotable(value any) string {
	var s string
	switch v := value.(type) {
	case string:
		s = v
	case []any:
		parts := make([]string, len(v))
		for i, item := range v {
			parts[i] = fmt.Sprint(item)
		}
		s = strings.Join(parts, ",")
	default:
		s = fmt.Sprint(v)
	}
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100]) + "…"
	}
	return s
}

func lastSegment(target string) string {
	if i := strings.LastIndexByte(target, '/'); i >= 0 {
		return target[i+1:]
	}
	return target
}

func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// writeError writes ge as Graph's error envelope, with the correlation ids of the request.
func writeError(c echo.Context, ge *Error) {
	corr := correlationOf(c.Request().Context())
	writeEnvelope(c.Response(), ge, corr.requestID, corr.clientRequestID)
}

// writeEnvelope writes ge as Graph's error envelope with these correlation ids: the one place
// where the envelope is built.
func writeEnvelope(w http.ResponseWriter, ge *Error, requestID, clientRequestID string) {
	body := gen.MicrosoftGraphODataErrorsODataError{Error: gen.MicrosoftGraphODataErrorsMainError{
		Code:    ge.code(),
		Message: ge.Message,
		InnerError: &gen.MicrosoftGraphODataErrorsInnerError{
			Date:            time.Now().UTC().Truncate(time.Second),
			RequestId:       requestID,
			ClientRequestId: clientRequestID,
		},
	}}
	if ge.Target != "" {
		body.Error.Target = &ge.Target
	}
	if len(ge.Details) > 0 {
		details := make([]gen.MicrosoftGraphODataErrorsErrorDetails, len(ge.Details))
		for i, d := range ge.Details {
			details[i] = gen.MicrosoftGraphODataErrorsErrorDetails{Code: d.Code, Message: d.Message}
			if d.Target != "" {
				details[i].Target = &d.Target
			}
		}
		body.Error.Details = &details
	}
	h := w.Header()
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	h.Del("ETag")
	h.Del("Location")
	h.Del("Content-Length")
	if ge.Status == http.StatusTooManyRequests || ge.Status == http.StatusServiceUnavailable {
		// The contract requires Retry-After on both, in whole seconds.
		h.Set("Retry-After", strconv.Itoa(int(max(time.Second, ge.RetryAfter+time.Second-1)/time.Second)))
	}
	w.WriteHeader(ge.Status)
	_ = json.NewEncoder(w).Encode(body)
}

// RenderError writes err as Graph's error envelope, for a component that is not the server
// itself, such as the validating proxy: validation errors become 400 (or 401, 403, 406, 415)
// listing their violations, a *validator.ResponseError becomes a 502 listing the violations
// of the upstream response, anything else a 502. status, when not 0, overrides the status.
// The answer gets new correlation ids (the caller's client-request-id is echoed).
func RenderError(w http.ResponseWriter, r *http.Request, status int, err error) {
	var ge *Error
	var reqErr *validator.RequestError
	var respErr *validator.ResponseError
	switch {
	case errors.As(err, &ge):
	case errors.As(err, &reqErr):
		ge = requestError(reqErr)
	case errors.As(err, &respErr):
		ge = &Error{Status: http.StatusBadGateway, Code: "BadGateway", Err: err,
			Message: fmt.Sprintf("The upstream response (status %d) does not conform to the contract.", respErr.Status)}
		for _, v := range respErr.Violations {
			ge.Details = append(ge.Details, Detail{Code: detailCode(v), Message: "Response " + v.String() + ".", Target: v.Target})
		}
	default:
		ge = &Error{Status: http.StatusBadGateway, Code: "BadGateway", Message: "The upstream could not be reached.", Err: err}
	}
	if status != 0 {
		ge.Status = status
		ge.Code = ""
		if status == http.StatusBadGateway {
			ge.Code = "BadGateway"
		}
	}
	requestID := uuid.NewString()
	clientRequestID := r.Header.Get(headerClientRequestID)
	if clientRequestID == "" {
		clientRequestID = requestID
	}
	w.Header()[headerRequestID] = []string{requestID}
	w.Header()[headerClientRequestID] = []string{clientRequestID}
	writeEnvelope(w, ge, requestID, clientRequestID)
}
