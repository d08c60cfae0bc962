package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// preferences are the preferences of Prefer that the middleware honours; nil when absent.
type preferences struct {
	code    *string
	example *string
}

// parsePrefer reads the preferences code and example from the lines of Prefer (RFC 7240):
// comma-separated preferences, each a name, optionally "=" and a token or quoted string, then
// parameters after ";", which are ignored. Names are case-insensitive; when a preference is
// given more than once, the first counts, as RFC 7240 says.
func parsePrefer(lines []string) preferences {
	var p preferences
	for _, line := range lines {
		for _, elem := range splitUnquoted(line, ',') {
			pref := splitUnquoted(elem, ';')[0]
			name, value, _ := strings.Cut(pref, "=")
			value = unquote(strings.TrimSpace(value))
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "code":
				if p.code == nil {
					p.code = &value
				}
			case "example":
				if p.example == nil {
					p.example = &value
				}
			}
		}
	}
	return p
}

// splitUnquoted splits s at each sep that is not inside a quoted string.
func splitUnquoted(s string, sep byte) []string {
	var parts []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case escaped:
			escaped = false
		case quoted && ch == '\\':
			escaped = true
		case ch == '"':
			quoted = !quoted
		case !quoted && ch == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquote returns the content of a quoted string (RFC 9110), or s if it is not one.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// prefer answers a request whose Prefer asks for a code or an example.
func (f *Faults) prefer(c echo.Context, op *operation, p preferences) error {
	if p.code == nil {
		return f.preferExample(c, op, *p.example)
	}
	code := *p.code
	status, err := strconv.Atoi(code)
	if err != nil || status < 100 || status > 599 {
		msg := fmt.Sprintf("Prefer: code=%s is not an HTTP status; this operation documents %s.", code, op.statusList())
		return f.renderError(c, op, http.StatusBadRequest, msg, 0)
	}
	resp := documented(op.responses, status)
	if resp == nil {
		msg := fmt.Sprintf("Prefer: code=%d asks for a status this operation does not document; it documents %s.", status, op.statusList())
		return f.renderError(c, op, http.StatusBadRequest, msg, 0)
	}
	if status >= 400 {
		return f.renderError(c, op, status, fmt.Sprintf("Injected by Prefer: code=%d.", status), 0)
	}
	if len(resp.Content) == 0 {
		setRequiredHeaders(c.Response().Header(), resp, "")
		return c.NoContent(status)
	}
	var name string
	if p.example != nil {
		name = *p.example
	}
	ex := op.exampleOf(resp, name)
	if ex == nil {
		msg := fmt.Sprintf("Prefer: code=%d asks for a response that this operation documents without an example.", status)
		return f.renderError(c, op, http.StatusBadRequest, msg, 0)
	}
	return ex.answer(c, status)
}

// preferExample answers the example of op named name, with the status of its response.
func (f *Faults) preferExample(c echo.Context, op *operation, name string) error {
	for i := range op.examples {
		if ex := &op.examples[i]; ex.name == name && ex.status != 0 {
			return ex.answer(c, ex.status)
		}
	}
	msg := fmt.Sprintf("Prefer: example=%s names no example of this operation; %s.", name, op.exampleList())
	return f.renderError(c, op, http.StatusBadRequest, msg, 0)
}

// An example is one example of a response of an operation, encoded, ready to be answered.
type example struct {
	name      string // its name, or "" for the example of a media type
	key       string // the status of its response as the document writes it: "200", "4XX", "default"
	status    int    // the status it answers with when asked by name; 0 for default, which has none
	mediaType string
	body      []byte
	resp      *openapi3.Response
}

// examplesOf returns the examples of the responses of an operation: by status as the document
// writes it, then the named examples by name, then the examples of media types; a range such
// as 4XX answers with its first status, 400.
func examplesOf(responses *openapi3.Responses) ([]example, error) {
	var all []example
	m := responses.Map()
	for _, key := range slices.Sorted(maps.Keys(m)) {
		if m[key] == nil || m[key].Value == nil {
			continue
		}
		resp := m[key].Value
		status := 0
		if len(key) == 3 && strings.HasSuffix(strings.ToUpper(key), "XX") {
			status = int(key[0]-'0') * 100
		} else if n, err := strconv.Atoi(key); err == nil {
			status = n
		}
		var named, unnamed []example
		for _, mt := range slices.Sorted(maps.Keys(resp.Content)) {
			media := resp.Content[mt]
			if media == nil {
				continue
			}
			for name, ref := range media.Examples {
				if ref == nil || ref.Value == nil || (ref.Value.Value == nil && ref.Value.ExternalValue != "") {
					continue
				}
				body, err := encodeBody(mt, ref.Value.Value)
				if err != nil {
					return nil, fmt.Errorf("example %q of response %s: %w", name, key, err)
				}
				named = append(named, example{name: name, key: key, status: status, mediaType: mt, body: body, resp: resp})
			}
			if media.Example != nil {
				body, err := encodeBody(mt, media.Example)
				if err != nil {
					return nil, fmt.Errorf("example of %s in response %s: %w", mt, key, err)
				}
				unnamed = append(unnamed, example{key: key, status: status, mediaType: mt, body: body, resp: resp})
			}
		}
		slices.SortStableFunc(named, func(a, b example) int { return strings.Compare(a.name, b.name) })
		all = append(append(all, named...), unnamed...)
	}
	return all, nil
}

// exampleOf returns the example of resp named name, else its first example, or nil.
func (op *operation) exampleOf(resp *openapi3.Response, name string) *example {
	var first *example
	for i := range op.examples {
		ex := &op.examples[i]
		if ex.resp != resp {
			continue
		}
		if name != "" && ex.name == name {
			return ex
		}
		if first == nil {
			first = ex
		}
	}
	return first
}

// statusList lists the statuses op documents, as the document writes them.
func (op *operation) statusList() string {
	statuses := op.route.Statuses()
	if len(statuses) == 0 {
		return "none"
	}
	return strings.Join(statuses, ", ")
}

// exampleList says which named examples op documents, with their statuses.
func (op *operation) exampleList() string {
	var items []string
	for _, ex := range op.examples {
		if ex.name == "" || ex.status == 0 {
			continue
		}
		if item := fmt.Sprintf("%s (%s)", ex.name, ex.key); !slices.Contains(items, item) {
			items = append(items, item)
		}
	}
	if len(items) == 0 {
		return "it documents no named example"
	}
	return "it documents: " + strings.Join(items, ", ")
}

// answer writes the example with status, and the headers its response requires.
func (ex *example) answer(c echo.Context, status int) error {
	setRequiredHeaders(c.Response().Header(), ex.resp, "")
	return c.Blob(status, ex.mediaType, ex.body)
}

// encodeBody encodes an example value as a body of the media type mt: JSON, except a string
// of a media type that is not JSON, which is the body as it is.
func encodeBody(mt string, value any) ([]byte, error) {
	if s, ok := value.(string); ok && !isJSON(mt) {
		return []byte(s), nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return nil, fmt.Errorf("encoding as JSON: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// isJSON reports whether the media type mt is JSON: application/json or a +json type.
func isJSON(mt string) bool {
	media, _, err := mime.ParseMediaType(mt)
	if err != nil {
		media = strings.ToLower(strings.TrimSpace(mt))
	}
	return media == "application/json" || strings.HasSuffix(media, "+json")
}

// setRequiredHeaders sets each header that resp requires, but skip and those already set, to
// the example the document gives of it.
func setRequiredHeaders(h http.Header, resp *openapi3.Response, skip string) {
	if resp == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(resp.Headers)) {
		ref := resp.Headers[name]
		if ref == nil || ref.Value == nil || !ref.Value.Required || strings.EqualFold(name, skip) ||
			strings.EqualFold(name, echo.HeaderContentType) || h.Get(name) != "" {
			continue
		}
		if value, ok := headerExample(ref.Value); ok {
			h.Set(name, value)
		}
	}
}

// requires reports whether resp requires the header name.
func requires(resp *openapi3.Response, name string) bool {
	if resp == nil {
		return false
	}
	for key, ref := range resp.Headers {
		if strings.EqualFold(key, name) && ref != nil && ref.Value != nil && ref.Value.Required {
			return true
		}
	}
	return false
}

// headerExample returns the example of a header: its example, else its first example by
// name, else the example of its schema.
func headerExample(h *openapi3.Header) (string, bool) {
	if h.Example != nil {
		return headerValue(h.Example), true
	}
	for _, name := range slices.Sorted(maps.Keys(h.Examples)) {
		if ref := h.Examples[name]; ref != nil && ref.Value != nil && ref.Value.Value != nil {
			return headerValue(ref.Value.Value), true
		}
	}
	if h.Schema != nil && h.Schema.Value != nil && h.Schema.Value.Example != nil {
		return headerValue(h.Schema.Value.Example), true
	}
	return "", false
}

// headerValue writes a value as a header in the simple style of OpenAPI 3.0.
func headerValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = headerValue(item)
		}
		return strings.Join(items, ",")
	case map[string]any:
		b, _ := json.Marshal(v)
		return string(b)
	}
	return fmt.Sprint(v)
}
