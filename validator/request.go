package validator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// ValidateRequest checks req against route: its security requirements first (when none is met,
// that is the only violation reported), then that Accept admits a media type the operation
// answers with, then every parameter (and, with RejectUnknownQueryParameters, that there are no
// others in the query), then the body. pathParams holds the values of the path parameters,
// unescaped. It returns nil or a *RequestError listing every violation.
//
// On return the body of req can be read again, and it carries the validated value for
// oapi-codegen's strict handlers (openapi3filter's KeepValidatedValue).
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request, route *Route, pathParams map[string]string) error {
	op := route.kin.Operation
	input := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: pathParams,
		Route:      route.kin,
		Options:    &v.reqOpts,
	}

	// Security, without the body: no authenticator here needs it, and it must not be read twice.
	security := op.Security
	if security == nil {
		security = &v.doc.Security
	}
	if len(*security) > 0 {
		body := req.Body
		req.Body = http.NoBody
		err := openapi3filter.ValidateSecurityRequirements(ctx, input, *security)
		req.Body = body
		if err != nil {
			return &RequestError{OperationID: route.OperationID, Violations: violationsOf(err, InSecurity)}
		}
	}

	var vs []Violation
	if accept := req.Header.Values("Accept"); len(accept) > 0 && !acceptable(accept, route.mediaTypes) {
		vs = append(vs, Violation{In: InHeader, Target: "Accept", Keyword: KeywordNotAcceptable,
			Reason: "excludes " + strings.Join(route.mediaTypes, " and ") + ", what the operation answers with"})
	}
	if req.URL.RawQuery != "" {
		if _, err := url.ParseQuery(req.URL.RawQuery); err != nil {
			// What cannot be parsed would be dropped without a word: refuse it.
			vs = append(vs, Violation{In: InQuery, Keyword: KeywordMalformed,
				Reason: "is not a well-formed query string (a stray ';' or a bad %-escape)", Err: err})
		}
		query := input.GetQueryParams()
		if v.rejectUnknownQuery {
			vs = append(vs, unknownQueryParameters(query, route.queryParams)...)
		}
		vs = append(vs, repeatedQueryParameters(query, route.params)...)
	}
	for _, p := range route.params {
		if p.skippable && !p.present(req, input) {
			continue // absent, optional, without a default: nothing to check
		}
		vs = append(vs, violationsOf(openapi3filter.ValidateParameter(ctx, input, p.Parameter), p.In)...)
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		bodyViolations, err := v.validateRequestBody(ctx, input, op.RequestBody.Value)
		if err != nil {
			return err
		}
		vs = append(vs, bodyViolations...)
	}
	if len(vs) > 0 {
		return &RequestError{OperationID: route.OperationID, Violations: vs}
	}
	return nil
}

// validateRequestBody checks the media type and the syntax of the body before handing it to
// openapi3filter, which checks it against its schema. A body that cannot be read (a client
// gone, a size limit reached) is an error, not a violation of the contract.
func (v *Validator) validateRequestBody(ctx context.Context, input *openapi3filter.RequestValidationInput, rb *openapi3.RequestBody) ([]Violation, error) {
	req := input.Request
	var data []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		data, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading the request body: %w", err)
		}
	}
	setBody(req, data)
	if len(data) == 0 {
		return violationsOf(openapi3filter.ValidateRequestBody(ctx, input, rb), InBody), nil
	}

	contentType := req.Header.Get("Content-Type")
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil || rb.Content.Get(contentType) == nil {
		return []Violation{{
			In:      InHeader,
			Target:  "Content-Type",
			Keyword: KeywordMediaType,
			Reason:  mediaTypeReason(contentType, rb.Content, false),
			Err:     err,
		}}, nil
	}
	if isJSON(media) && !json.Valid(data) {
		var value any
		err := json.Unmarshal(data, &value)
		return []Violation{{In: InBody, Keyword: KeywordMalformed, Reason: jsonReason(err), Err: err}}, nil
	}
	if isJSON(media) && !utf8.Valid(data) {
		// encoding/json would replace the bad bytes with U+FFFD and store something else.
		return []Violation{{In: InBody, Keyword: KeywordMalformed, Reason: "is not valid UTF-8"}}, nil
	}
	return violationsOf(openapi3filter.ValidateRequestBody(ctx, input, rb), InBody), nil
}

func setBody(req *http.Request, data []byte) {
	req.ContentLength = int64(len(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	req.Body, _ = req.GetBody()
}

func isJSON(media string) bool {
	return media == "application/json" || strings.HasSuffix(media, "+json")
}

// mediaTypeReason says why a Content-Type is not one of those content documents: to the
// client that sent a request, or about the response of a server. Media types are not secrets:
// the reason quotes it.
func mediaTypeReason(got string, content openapi3.Content, response bool) string {
	want := strings.Join(slices.Sorted(maps.Keys(content)), " or ")
	switch {
	case response && got == "":
		return "is missing: the operation documents " + want + " for this status"
	case response:
		return fmt.Sprintf("'%s' is not what the operation documents for this status: %s", got, want)
	case got == "":
		return "is missing: send " + want
	}
	return fmt.Sprintf("'%s' is not supported: send %s", got, want)
}

func jsonReason(err error) string {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("is not valid JSON: syntax error at byte %d", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "is not valid JSON: it ends too early"
	}
	return "is not valid JSON"
}

// unknownQueryParameters reports each query parameter the operation does not declare, in the
// order of their names.
func unknownQueryParameters(query map[string][]string, declared map[string]bool) []Violation {
	var vs []Violation
	for _, name := range slices.Sorted(maps.Keys(query)) {
		if !declared[name] {
			vs = append(vs, Violation{In: InQuery, Target: name, Keyword: KeywordUnknownParameter,
				Reason: "is not a parameter of this operation"})
		}
	}
	return vs
}

// repeatedQueryParameters reports each declared query parameter given more than once where
// its serialization takes one value (anything but an exploded array).
func repeatedQueryParameters(query map[string][]string, params []parameter) []Violation {
	var vs []Violation
	for _, p := range params {
		if p.In != openapi3.ParameterInQuery || len(query[p.Name]) < 2 || p.takesRepeats {
			continue
		}
		vs = append(vs, Violation{In: InQuery, Target: p.Name, Keyword: KeywordRepeated, Reason: "must be given once"})
	}
	return vs
}

// acceptable reports whether the Accept header values admit one of the media types, by the
// media ranges of RFC 9110 with a non-zero quality. Malformed ranges are ignored; an Accept
// header with nothing usable admits everything.
func acceptable(accept []string, mediaTypes []string) bool {
	if len(mediaTypes) == 0 {
		return true
	}
	usable := false
	for _, value := range accept {
		for _, part := range strings.Split(value, ",") {
			mediaRange, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			usable = true
			if q, ok := params["q"]; ok && isZeroQuality(q) {
				continue
			}
			for _, mt := range mediaTypes {
				if mediaRangeMatches(mediaRange, mt) {
					return true
				}
			}
		}
	}
	return !usable
}

func isZeroQuality(q string) bool {
	q = strings.TrimSpace(q)
	return q != "" && strings.Trim(q, "0.") == ""
}

// mediaRangeMatches reports whether a media range (type/subtype, type/* or */*), lower case,
// admits the media type mt.
func mediaRangeMatches(mediaRange, mt string) bool {
	if mediaRange == "*/*" {
		return true
	}
	mt = strings.ToLower(mt)
	if prefix, ok := strings.CutSuffix(mediaRange, "/*"); ok {
		return strings.HasPrefix(mt, prefix+"/")
	}
	return mediaRange == mt
}

// parameter is a parameter of an operation, with what is needed to see cheaply whether a
// request carries it.
type parameter struct {
	*openapi3.Parameter
	header       string // the canonical name of a header parameter
	skippable    bool   // optional and without a default: when absent there is nothing to check
	takesRepeats bool   // an exploded array, serialized as the same name repeated
}

// operationParameters returns the parameters of op and of its path item (those of op win).
func operationParameters(item *openapi3.PathItem, op *openapi3.Operation) []parameter {
	var out []parameter
	add := func(p *openapi3.Parameter) {
		hasDefault := p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Default != nil
		isArray := p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type.Is(openapi3.TypeArray)
		explode := p.Explode == nil || *p.Explode // form style, the default of query parameters, explodes
		out = append(out, parameter{
			Parameter:    p,
			header:       http.CanonicalHeaderKey(p.Name),
			skippable:    !p.Required && !hasDefault && p.In != openapi3.ParameterInPath,
			takesRepeats: isArray && explode,
		})
	}
	for _, ref := range item.Parameters {
		if ref.Value != nil && op.Parameters.GetByInAndName(ref.Value.In, ref.Value.Name) == nil {
			add(ref.Value)
		}
	}
	for _, ref := range op.Parameters {
		if ref.Value != nil {
			add(ref.Value)
		}
	}
	return out
}

// present reports whether req carries the parameter. It errs on the side of yes.
func (p parameter) present(req *http.Request, input *openapi3filter.RequestValidationInput) bool {
	switch p.In {
	case openapi3.ParameterInHeader:
		_, ok := req.Header[p.header]
		return ok
	case openapi3.ParameterInQuery:
		if req.URL.RawQuery == "" {
			return false
		}
		for name := range input.GetQueryParams() {
			// deepObject parameters come as name[key].
			if name == p.Name || strings.HasPrefix(name, p.Name+"[") {
				return true
			}
		}
		return false
	case openapi3.ParameterInCookie:
		_, err := req.Cookie(p.Name)
		return err == nil
	}
	return true
}
