package validator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Where a violation is.
const (
	InSecurity = "security" // a security requirement of the operation
	InPath     = "path"     // a path parameter
	InQuery    = "query"    // a query parameter
	InHeader   = "header"   // a request or response header
	InCookie   = "cookie"   // a cookie parameter
	InBody     = "body"     // the request or response body
	InStatus   = "status"   // the response status code
	InMethod   = "method"   // the request method
)

// Keywords of violations that are not JSON Schema keywords.
const (
	KeywordMissing    = "missing"    // a required parameter, header or body is absent
	KeywordMalformed  = "malformed"  // the value cannot be parsed at all (bad JSON, bad serialization)
	KeywordMediaType  = "mediaType"  // the Content-Type is not one the operation documents
	KeywordSecurity   = "security"   // no security requirement of the operation is met
	KeywordStatus     = "status"     // the response status is not documented for the operation
	KeywordUnexpected = "unexpected" // content where the contract documents none
	KeywordUnknown    = "unknown"    // an error the validator could not classify
	// KeywordUnknownParameter: a query parameter the operation does not declare.
	KeywordUnknownParameter = "unknownParameter"
	// KeywordRepeated: a parameter that takes one value is given several times.
	KeywordRepeated = "repeated"
	// KeywordNoOperation: the request's path is the path of no operation.
	KeywordNoOperation = "operation"
	// KeywordMethod: operations have the request's path, but not its method.
	KeywordMethod = "method"
	// KeywordNotAcceptable: Accept admits no media type the operation answers with.
	KeywordNotAcceptable = "notAcceptable"
	KeywordAdditional    = "additionalProperties"
	KeywordReadOnly      = "readOnly"
	KeywordWriteOnly     = "writeOnly"
	KeywordRequiredKey   = "required"
)

// A Violation is one way in which a request or a response breaks the contract.
type Violation struct {
	// In is where the violation is: InSecurity, InPath, InQuery, InHeader, InCookie, InBody or
	// InStatus.
	In string
	// Target names what the violation concerns: the parameter or header name, or the path of
	// the offending value inside the body with "/" between its parts ("items/0/name");
	// empty for the body as a whole.
	Target string
	// Keyword is the JSON Schema keyword that failed ("type", "enum", "required",
	// "additionalProperties", "readOnly", "format", "maxItems", ...) or one of the Keyword
	// constants of this package.
	Keyword string
	// Reason says what is wrong in words, as a predicate of Target ("must be a string"). It
	// never quotes a value of a body, a parameter or a credential, which may be secret; it may
	// quote a media type.
	Reason string
	// Schema is the schema that failed, when the violation comes from a schema; for
	// KeywordAdditional it is the object schema the property is not part of.
	Schema *openapi3.Schema
	// Err is the error kin-openapi reported, for logs; it may quote the offending value.
	Err error
}

// Value returns the offending value of a violation of a parameter's schema, and whether there
// is one. It is meant for renderers that may quote what a client put in a query or a path
// (an unknown name in a list, say); Reason never quotes it, since bodies and headers may carry
// secrets.
func (v Violation) Value() (any, bool) {
	var se *openapi3.SchemaError
	if v.In == InBody || v.In == InHeader || !errors.As(v.Err, &se) {
		return nil, false
	}
	return se.Value, true
}

// String describes v in one line, such as `body "tags": must have at most 3 items`.
func (v Violation) String() string {
	if v.Target == "" {
		return v.In + ": " + v.Reason
	}
	return fmt.Sprintf("%s %q: %s", v.In, v.Target, v.Reason)
}

// violationsOf turns an error of openapi3filter into violations, one per problem it reports.
// in is where the error happened when the error does not say it itself.
func violationsOf(err error, in string) []Violation {
	return violationsAt(err, in, "")
}

// violationsAt is violationsOf for an error about the value named target.
func violationsAt(err error, in, target string) []Violation {
	var out []Violation
	collect(err, in, target, &out)
	return out
}

func collect(err error, in, target string, out *[]Violation) {
	if err == nil {
		return
	}
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, inner := range e {
			collect(inner, in, target, out)
		}
		return
	case *openapi3filter.SecurityRequirementsError:
		*out = append(*out, securityViolation(e, target))
		return
	case *openapi3filter.RequestError:
		if e.Parameter != nil {
			in, target = e.Parameter.In, e.Parameter.Name
		} else if e.RequestBody != nil {
			in = InBody
		}
		if e.Err == nil {
			*out = append(*out, Violation{In: in, Target: target, Keyword: KeywordUnknown, Reason: e.Reason, Err: e})
			return
		}
		collect(e.Err, in, target, out)
		return
	case *openapi3filter.ResponseError:
		if e.Err == nil {
			*out = append(*out, Violation{In: in, Target: target, Keyword: KeywordUnknown, Reason: e.Reason, Err: e})
			return
		}
		collect(e.Err, in, target, out)
		return
	case *openapi3.SchemaError:
		collectSchemaError(e, in, target, out)
		return
	case *openapi3filter.ParseError:
		*out = append(*out, Violation{In: in, Target: joinTarget(target, parsePath(e)), Keyword: KeywordMalformed, Reason: parseReason(e, in), Err: e})
		return
	}
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		*out = append(*out, Violation{In: in, Target: target, Keyword: KeywordMissing, Reason: "is required", Err: err})
	case errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		*out = append(*out, Violation{In: in, Target: target, Keyword: KeywordMissing, Reason: "must not be empty", Err: err})
	default:
		*out = append(*out, Violation{In: in, Target: target, Keyword: KeywordUnknown, Reason: "is invalid", Err: err})
	}
}

// securityViolation sums up why no security requirement of an operation is met. A credential
// that is missing or invalid (401) is the answer whatever the requirements; when every
// requirement refuses a valid credential (403), the violation lists the scopes of each, any of
// which would do.
func securityViolation(e *openapi3filter.SecurityRequirementsError, target string) Violation {
	var forbidden []*SecurityError
	for _, inner := range e.Errors {
		var se *SecurityError
		if !errors.As(inner, &se) {
			continue
		}
		if !se.Forbidden {
			return Violation{In: InSecurity, Target: se.Target, Keyword: KeywordSecurity, Reason: se.Reason, Err: se}
		}
		forbidden = append(forbidden, se)
	}
	if len(forbidden) == 0 {
		return Violation{In: InSecurity, Target: target, Keyword: KeywordSecurity, Reason: "no security requirement is met", Err: e}
	}
	sum := &SecurityError{Scheme: forbidden[0].Scheme, Target: forbidden[0].Target, Forbidden: true, Err: e}
	var options []string
	for _, se := range forbidden {
		sum.Scopes = append(sum.Scopes, se.Scopes...)
		if len(se.Scopes) > 0 {
			options = append(options, strings.Join(se.Scopes, " and "))
		}
	}
	sum.Reason = forbidden[0].Reason
	if len(options) > 0 {
		sum.Reason = "the credential does not grant " + strings.Join(options, " or ")
	}
	return Violation{In: InSecurity, Target: sum.Target, Keyword: KeywordSecurity, Reason: sum.Reason, Err: sum}
}

func collectSchemaError(e *openapi3.SchemaError, in, target string, out *[]Violation) {
	path := e.JSONPointer()
	// allOf reports the failures of its subschemas: report those, which name the real problem.
	if e.SchemaField == "allOf" && e.Origin != nil {
		var inner openapi3.MultiError
		if errors.As(e.Origin, &inner) {
			for _, ie := range inner {
				var se *openapi3.SchemaError
				if errors.As(ie, &se) && len(se.JSONPointer()) < len(path) {
					// A subschema error that lost the path of its parent: give it back.
					collectSchemaErrorAt(se, in, joinTarget(target, path), out)
					continue
				}
				collect(ie, in, target, out)
			}
			return
		}
	}
	collectSchemaErrorAt(e, in, joinTarget(target, path), out)
}

func collectSchemaErrorAt(e *openapi3.SchemaError, in, target string, out *[]Violation) {
	keyword := e.SchemaField
	if keyword == "properties" {
		if name, ok := UnsupportedProperty(e); ok {
			keyword = KeywordAdditional
			target = joinTarget(target, []string{name})
		}
	}
	*out = append(*out, Violation{In: in, Target: target, Keyword: keyword, Reason: schemaReason(e, keyword), Schema: e.Schema, Err: e})
}

// UnsupportedProperty returns the name of the property that e reports as not allowed by
// additionalProperties. kin-openapi names it only in its reason, `property "x" is unsupported`,
// and not in the path of the error.
func UnsupportedProperty(e *openapi3.SchemaError) (string, bool) {
	quoted, ok := strings.CutPrefix(e.Reason, "property ")
	if !ok {
		return "", false
	}
	quoted, ok = strings.CutSuffix(quoted, " is unsupported")
	if !ok {
		return "", false
	}
	name, err := strconv.Unquote(quoted)
	if err != nil {
		return "", false
	}
	return name, true
}

// SchemaReason says in words which keyword of its schema the value of e breaks, without
// quoting the value, as the Reason of a Violation does: for checks of JSON against a contract
// outside HTTP, such as fixtures, that speak as the validator does.
func SchemaReason(e *openapi3.SchemaError) string { return schemaReason(e, e.SchemaField) }

func joinTarget(target string, path []string) string {
	if len(path) == 0 {
		return target
	}
	p := strings.Join(path, "/")
	if target == "" {
		return p
	}
	return target + "/" + p
}

// schemaReason says in words what keyword of schema e.Schema the value breaks, without quoting
// the value.
func schemaReason(e *openapi3.SchemaError, keyword string) string {
	s := e.Schema
	if s == nil {
		return e.Reason
	}
	switch keyword {
	case "type":
		if s.Type != nil && len(*s.Type) > 0 {
			return "must be " + typeName((*s.Type)[0])
		}
	case "nullable":
		return "must not be null"
	case "enum":
		return "must be one of: " + joinValues(s.Enum)
	case "required":
		return "is required"
	case KeywordAdditional:
		return "is not a property of this object"
	case KeywordReadOnly:
		return "is read-only and must not be sent"
	case KeywordWriteOnly:
		return "is write-only and must not be returned"
	case "format":
		return "must be a valid " + s.Format
	case "minLength":
		return fmt.Sprintf("must be at least %d %s long", s.MinLength, plural(s.MinLength, "character"))
	case "maxLength":
		if s.MaxLength != nil {
			return fmt.Sprintf("must be at most %d %s long", *s.MaxLength, plural(*s.MaxLength, "character"))
		}
	case "minItems":
		return fmt.Sprintf("must have at least %d %s", s.MinItems, plural(s.MinItems, "item"))
	case "maxItems":
		if s.MaxItems != nil {
			return fmt.Sprintf("must have at most %d %s", *s.MaxItems, plural(*s.MaxItems, "item"))
		}
	case "minProperties":
		return fmt.Sprintf("must have at least %d %s", s.MinProps, plural(s.MinProps, "property"))
	case "maxProperties":
		if s.MaxProps != nil {
			return fmt.Sprintf("must have at most %d %s", *s.MaxProps, plural(*s.MaxProps, "property"))
		}
	case "uniqueItems":
		return "must not contain the same item twice"
	case "pattern":
		return "must match the pattern " + s.Pattern
	case "minimum", "exclusiveMinimum":
		if s.Min != nil {
			if keyword == "exclusiveMinimum" || s.ExclusiveMin.IsTrue() {
				return "must be greater than " + formatNumber(*s.Min)
			}
			return "must be at least " + formatNumber(*s.Min)
		}
	case "maximum", "exclusiveMaximum":
		if s.Max != nil {
			if keyword == "exclusiveMaximum" || s.ExclusiveMax.IsTrue() {
				return "must be less than " + formatNumber(*s.Max)
			}
			return "must be at most " + formatNumber(*s.Max)
		}
	case "multipleOf":
		if s.MultipleOf != nil {
			return "must be a multiple of " + formatNumber(*s.MultipleOf)
		}
	case "not":
		if s.Not != nil && s.Not.Value != nil && len(s.Not.Value.Enum) > 0 {
			return "must not be " + joinValues(s.Not.Value.Enum)
		}
		return "must not match the schema that is excluded here"
	case "oneOf":
		return "must match exactly one of the schemas allowed here"
	case "anyOf":
		return "must match at least one of the schemas allowed here"
	}
	if e.Reason != "" {
		return e.Reason
	}
	return "does not match the schema"
}

func typeName(t string) string {
	switch t {
	case openapi3.TypeArray, openapi3.TypeObject, openapi3.TypeInteger:
		return "an " + t
	}
	return "a " + t
}

func plural[N ~int | ~uint64 | ~int64](n N, word string) string {
	if n == 1 {
		return word
	}
	if strings.HasSuffix(word, "y") {
		return strings.TrimSuffix(word, "y") + "ies"
	}
	return word + "s"
}

func joinValues(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		if s, ok := v.(string); ok {
			parts[i] = s
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			parts[i] = fmt.Sprint(v)
			continue
		}
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// parsePath returns the path inside the value that ParseError e locates, if any.
func parsePath(e *openapi3filter.ParseError) []string {
	p := e.Path()
	if len(p) == 0 {
		return nil
	}
	out := make([]string, len(p))
	for i, part := range p {
		out[i] = fmt.Sprint(part)
	}
	return out
}

// parseReason says why a value could not be parsed, without quoting it.
func parseReason(e *openapi3filter.ParseError, in string) string {
	what := "is not well-formed"
	if in == InBody {
		what = "is not valid JSON"
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(e, &syntax):
		return fmt.Sprintf("%s: syntax error at byte %d", what, syntax.Offset)
	case errors.As(e, &typeErr):
		return fmt.Sprintf("%s: unexpected %s at byte %d", what, typeErr.Value, typeErr.Offset)
	case errors.Is(e, io.ErrUnexpectedEOF), errors.Is(e, io.EOF):
		return what + ": it ends too early"
	case e.Kind == openapi3filter.KindInvalidFormat && e.Reason != "":
		return what + ": " + e.Reason
	}
	return what
}
