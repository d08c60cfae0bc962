// Package validator is a contract gate for HTTP traffic described by any OpenAPI 3.0 document.
//
// It is built on kin-openapi's openapi3filter and knows nothing of the resources a document
// describes. A [Validator] compiles the routes and schemas of one document once, at start-up;
// its Echo [Validator.Middleware] then checks every request before the handler runs and every
// response after it, including the error responses that Echo renders from returned errors.
//
// Every violation is reported, each with the place it concerns (a parameter, a header or a
// property of the body) as a [Violation]. Request violations reach the Echo error handler as a
// [*RequestError]; response violations, as a [*ResponseError], are logged and, in [Enforce]
// mode, replace the response that broke the contract.
package validator
