package validator

import (
	"errors"
	"net/http"
	"strings"
)

// RequestError is the error of a request that breaks the contract. The middleware returns it
// to Echo's error handler, which renders it.
type RequestError struct {
	// OperationID is the operationId of the operation the request targets.
	OperationID string
	// Violations lists every violation, in the order: security, parameters, body.
	Violations []Violation
}

func (e *RequestError) Error() string {
	return "request breaks the contract: " + joinViolations(e.Violations)
}

// Status is the HTTP status that answers the request: 401 (or 403) when a security requirement
// is not met, 406 when Accept admits nothing the operation answers with, 415 when the body has
// a media type the operation does not take, else 400.
func (e *RequestError) Status() int {
	status := http.StatusBadRequest
	for _, v := range e.Violations {
		switch v.Keyword {
		case KeywordSecurity:
			var se *SecurityError
			if errors.As(v.Err, &se) && se.Forbidden {
				return http.StatusForbidden
			}
			return http.StatusUnauthorized
		case KeywordNotAcceptable:
			status = http.StatusNotAcceptable
		case KeywordMediaType:
			if status != http.StatusNotAcceptable {
				status = http.StatusUnsupportedMediaType
			}
		}
	}
	return status
}

// ResponseError is the error of a response that breaks the contract.
type ResponseError struct {
	// OperationID is the operationId of the operation that answered.
	OperationID string
	// Status is the status code of the response that broke the contract.
	Status int
	// Violations lists every violation.
	Violations []Violation
}

func (e *ResponseError) Error() string {
	return "response breaks the contract: " + joinViolations(e.Violations)
}

func joinViolations(vs []Violation) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}
