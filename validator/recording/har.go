package recording

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/datashare/datashare/validator"
)

// The fields of a HAR 1.2 entry that an exchange needs. Times, timings, sizes, cookies, query
// strings (the url has the query), pages and custom "_" fields are not read.
type (
	harEntry struct {
		Request  *harRequest  `json:"request"`
		Response *harResponse `json:"response"`
	}
	harRequest struct {
		Method   string         `json:"method"`
		URL      string         `json:"url"`
		Headers  []harNameValue `json:"headers"`
		PostData *harPostData   `json:"postData"`
	}
	harPostData struct {
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
		// Encoding is not a field of postData in HAR 1.2: HARWriter adds it, as in content,
		// to keep request bodies that are not UTF-8.
		Encoding string         `json:"encoding"`
		Params   []harNameValue `json:"params"`
	}
	harResponse struct {
		// Status is a JSON number, read by harStatus; it is 0 when there was no response.
		Status  json.RawMessage `json:"status"`
		Headers []harNameValue  `json:"headers"`
		Content *harContent     `json:"content"`
	}
	harContent struct {
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
		Encoding string `json:"encoding"`
	}
	harNameValue struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
)

// harExchange reads the exchange of one HAR entry. The exchange is partial when it fails.
func harExchange(raw json.RawMessage) (validator.Exchange, error) {
	var ex validator.Exchange
	if !isObject(raw) {
		return ex, errors.New("entry is not a JSON object")
	}
	var e harEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return ex, fieldError("entry", err)
	}
	req := e.Request
	if req == nil {
		return ex, errors.New("entry has no request")
	}
	if req.Method == "" {
		return ex, errors.New("request has no method")
	}
	ex.Method = req.Method
	u, err := parseURL(req.URL)
	if err != nil {
		return ex, err
	}
	ex.URL = u
	ex.RequestHeader = harHeader(req.Headers)
	if pd := req.PostData; pd != nil {
		body, err := decodeBody(pd.Text, pd.Encoding, "request")
		if err != nil {
			return ex, err
		}
		if len(body) == 0 && len(pd.Params) > 0 {
			body = formEncode(pd.Params)
		}
		ex.RequestBody = body
		ex.RequestHeader = withContentType(ex.RequestHeader, pd.MimeType)
	}

	resp := e.Response
	if resp == nil {
		return ex, nil
	}
	status, err := harStatus(resp.Status)
	if err != nil || status == 0 {
		return ex, err
	}
	ex.Status = status
	ex.ResponseHeader = harHeader(resp.Headers)
	if c := resp.Content; c != nil {
		body, err := decodeBody(c.Text, c.Encoding, "response")
		if err != nil {
			return ex, err
		}
		ex.ResponseBody = body
		ex.ResponseHeader = withContentType(ex.ResponseHeader, c.MimeType)
	}
	return ex, nil
}

// harStatus reads the status of a HAR response: 0 when absent, null or 0, which browsers
// record for requests that got no response.
func harStatus(raw json.RawMessage) (int, error) {
	if isNull(raw) {
		return 0, nil
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, fmt.Errorf("response status %s is not a number", excerpt(raw))
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, fmt.Errorf("response status %s is not a number", excerpt(raw))
	}
	if f == 0 {
		return 0, nil
	}
	if f != math.Trunc(f) || f < 100 || f > 599 {
		return 0, fmt.Errorf("response status %s is not an HTTP status in 100..599", excerpt(raw))
	}
	return int(f), nil
}

// harHeader turns a HAR list of headers into an http.Header, nil when the list is empty. A name
// that comes several times has several values. HTTP/2 pseudo-headers (":authority", ":path",
// ...) are left out.
func harHeader(list []harNameValue) http.Header {
	var h http.Header
	for _, nv := range list {
		if !isHeaderName(nv.Name) {
			continue
		}
		if h == nil {
			h = http.Header{}
		}
		h.Add(nv.Name, nv.Value)
	}
	return h
}

// isHeaderName reports whether a recorded header name is one of an HTTP header, and not
// empty or a pseudo-header.
func isHeaderName(name string) bool { return name != "" && !strings.HasPrefix(name, ":") }

// withContentType adds to h the Content-Type mimeType when h has none. Chrome's "x-unknown",
// for content of no known type, is no media type.
func withContentType(h http.Header, mimeType string) http.Header {
	if mimeType == "" || mimeType == "x-unknown" || len(h.Values("Content-Type")) > 0 {
		return h
	}
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", mimeType)
	return h
}

// formEncode encodes the params of a HAR postData as application/x-www-form-urlencoded, in
// their order.
func formEncode(params []harNameValue) []byte {
	var b bytes.Buffer
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
	}
	return b.Bytes()
}

// decodeBody returns the body that text holds in encoding, "" (the text itself) or "base64",
// or nil when the body is empty. side is "request" or "response", for errors.
func decodeBody(text, encoding, side string) ([]byte, error) {
	var body []byte
	switch {
	case encoding == "":
		body = []byte(text)
	case strings.EqualFold(encoding, "base64"):
		b, err := decodeBase64(text)
		if err != nil {
			return nil, fmt.Errorf("%s body is not valid base64: %w", side, err)
		}
		body = b
	default:
		return nil, fmt.Errorf("%s body encoding %s is not supported", side, quote(encoding))
	}
	if len(body) == 0 {
		return nil, nil
	}
	return body, nil
}

// decodeBase64 decodes standard base64, with or without padding; line breaks are ignored.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return b, nil
	}
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return nil, err
}

// parseURL parses the url of a recorded request, which must be absolute or a path (with its
// query).
func parseURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("request has no url")
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("request url %s is not a URL: %w", quote(s), err)
	}
	if (u.Scheme == "" || u.Host == "") && !strings.HasPrefix(s, "/") {
		return nil, fmt.Errorf("request url %s is neither an absolute URL nor a path", quote(s))
	}
	return u, nil
}

// fieldError describes an error of json.Unmarshal of what, naming the field of the wrong type.
func fieldError(what string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s field %s is a JSON %s, not %s", what, te.Field, te.Value, kindName(te.Type))
	}
	return fmt.Errorf("%s cannot be read: %w", what, err)
}

// kindName names the JSON kind of values that Go type t holds.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "of type " + t.String()
}

// isObject reports whether raw is a JSON object.
func isObject(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// isNull reports whether raw, a JSON value of a field, is absent or null.
func isNull(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// quote quotes s for an error, cut to a length that fits in a line.
func quote(s string) string {
	s, cut := shorten(s)
	if cut {
		return strconv.Quote(s) + "..."
	}
	return strconv.Quote(s)
}

// excerpt returns the JSON text raw for an error, cut to a length that fits in a line.
func excerpt(raw []byte) string {
	s, cut := shorten(string(raw))
	if cut {
		return s + "..."
	}
	return s
}

// shorten cuts s, at the start of a character, to at most 80 bytes, and reports whether it
// cut it.
func shorten(s string) (string, bool) {
	const max = 80
	if len(s) <= max {
		return s, false
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut], true
}
