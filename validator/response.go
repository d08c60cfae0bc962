package validator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// ValidateResponse checks a response that route gave against the contract: its status is
// documented for the operation; every documented header is present when required and matches
// its schema; the body is empty where no content is documented, and otherwise has a documented
// media type and matches its schema. It returns nil or a *ResponseError listing every violation.
func (v *Validator) ValidateResponse(ctx context.Context, route *Route, status int, header http.Header, body []byte) error {
	vs := v.responseViolations(route, status, header, body)
	if len(vs) == 0 {
		return nil
	}
	return &ResponseError{OperationID: route.OperationID, Status: status, Violations: vs}
}

func (v *Validator) responseViolations(route *Route, status int, header http.Header, body []byte) []Violation {
	responses := route.kin.Operation.Responses
	ref := responses.Status(status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil {
		if httpLevelStatus(status) {
			return nil
		}
		return []Violation{{In: InStatus, Target: strconv.Itoa(status), Keyword: KeywordStatus,
			Reason: "is not a status the operation documents"}}
	}
	resp := ref.Value
	var vs []Violation
	for _, name := range slices.Sorted(maps.Keys(resp.Headers)) {
		if strings.EqualFold(name, "Content-Type") {
			continue
		}
		vs = append(vs, v.headerViolations(name, resp.Headers[name].Value, header)...)
	}

	if len(resp.Content) == 0 {
		if len(body) > 0 {
			vs = append(vs, Violation{In: InBody, Keyword: KeywordUnexpected,
				Reason: fmt.Sprintf("must be empty: the operation documents no content for status %d", status)})
		}
		return vs
	}
	if len(body) == 0 {
		return append(vs, Violation{In: InBody, Keyword: KeywordMissing,
			Reason: fmt.Sprintf("is required: the operation documents content for status %d", status)})
	}
	contentType := header.Get("Content-Type")
	mt := resp.Content.Get(contentType)
	media, _, err := mime.ParseMediaType(contentType)
	if mt == nil || err != nil {
		return append(vs, Violation{In: InHeader, Target: "Content-Type", Keyword: KeywordMediaType,
			Reason: mediaTypeReason(contentType, resp.Content, true), Err: err})
	}
	if mt.Schema == nil || mt.Schema.Value == nil {
		return vs
	}
	value, bad := decodeResponseBody(media, header, mt, body)
	if bad != nil {
		return append(vs, *bad)
	}
	if value == nil && !isJSON(media) {
		return vs // a media type no decoder is registered for: its schema cannot be checked
	}
	err = mt.Schema.Value.VisitJSON(value, v.respOpts...)
	return append(vs, violationsOf(err, InBody)...)
}

// decodeResponseBody decodes body of the given media type: JSON by itself (so that a syntax
// error is located), others with the decoders registered in openapi3filter.
// httpLevelStatus reports whether an undocumented status belongs to HTTP rather than to the
// operation: a 304 answers a conditional request and a permanent or temporary redirect may
// come from any server, as openapi3filter also holds.
func httpLevelStatus(status int) bool {
	switch status {
	case http.StatusNotModified, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

func decodeResponseBody(media string, header http.Header, mt *openapi3.MediaType, body []byte) (any, *Violation) {
	if isJSON(media) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var value any
		err := dec.Decode(&value)
		if err != nil || len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")) > 0 {
			// Malformed, or followed by more data: let encoding/json locate the error, as it
			// does for requests.
			var v any
			err = json.Unmarshal(body, &v)
			return nil, &Violation{In: InBody, Keyword: KeywordMalformed, Reason: jsonReason(err), Err: err}
		}
		return value, nil
	}
	if media == "text/plain" && mt.Schema.Value.Type != nil && !mt.Schema.Value.Type.Is(openapi3.TypeString) {
		// A scalar as text, such as an OData $count: decode it as its schema's type says.
		value, ok := decodeHeaderValue(string(body), mt.Schema.Value)
		if !ok {
			return nil, &Violation{In: InBody, Keyword: "type", Reason: "must be " + typeName((*mt.Schema.Value.Type)[0]), Schema: mt.Schema.Value}
		}
		return value, nil
	}
	decode := openapi3filter.RegisteredBodyDecoder(media)
	if decode == nil {
		return nil, nil
	}
	encFn := func(name string) *openapi3.Encoding { return mt.Encoding[name] }
	value, err := decode(bytes.NewReader(body), header, mt.Schema, encFn)
	if err != nil {
		return nil, &Violation{In: InBody, Keyword: KeywordMalformed, Reason: "is not a well-formed " + media + " document", Err: err}
	}
	return value, nil
}

// headerViolations checks one documented response header.
func (v *Validator) headerViolations(name string, h *openapi3.Header, header http.Header) []Violation {
	if h == nil {
		return nil
	}
	values := header.Values(name)
	if len(values) == 0 {
		if h.Required {
			return []Violation{{In: InHeader, Target: name, Keyword: KeywordMissing, Reason: "is required"}}
		}
		return nil
	}
	if h.Schema == nil || h.Schema.Value == nil {
		return nil
	}
	schema := h.Schema.Value
	value, ok := decodeHeaderValue(strings.Join(values, ","), schema)
	if !ok {
		t := "string"
		if schema.Type != nil && len(*schema.Type) > 0 {
			t = (*schema.Type)[0]
		}
		return []Violation{{In: InHeader, Target: name, Keyword: "type", Reason: "must be " + typeName(t), Schema: schema}}
	}
	return violationsAt(schema.VisitJSON(value, v.respOpts...), InHeader, name)
}

// decodeHeaderValue turns the text of a header (or of a text/plain body) into the value its
// schema describes, in the simple style that OpenAPI 3.0 prescribes for headers.
func decodeHeaderValue(text string, schema *openapi3.Schema) (any, bool) {
	t := ""
	if schema.Type != nil && len(*schema.Type) > 0 {
		t = (*schema.Type)[0]
	}
	text = strings.TrimSpace(text)
	switch t {
	case openapi3.TypeInteger:
		n, err := strconv.ParseInt(text, 10, 64)
		return float64(n), err == nil
	case openapi3.TypeNumber:
		f, err := strconv.ParseFloat(text, 64)
		return f, err == nil
	case openapi3.TypeBoolean:
		b, err := strconv.ParseBool(text)
		return b, err == nil
	case openapi3.TypeArray:
		parts := strings.Split(text, ",")
		items := make([]any, len(parts))
		for i, p := range parts {
			items[i] = strings.TrimSpace(p)
		}
		return items, true
	}
	return text, true
}
