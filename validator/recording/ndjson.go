package recording

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/datashare/datashare/validator"
)

// ndjsonExchange reads the exchange of one NDJSON line. The exchange is partial when it fails.
func ndjsonExchange(line []byte) (validator.Exchange, error) {
	var ex validator.Exchange
	var top map[string]json.RawMessage
	if err := json.Unmarshal(line, &top); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return ex, errors.New("line is not a JSON object")
		}
		return ex, fmt.Errorf("line is not JSON: %w", err)
	}
	if top == nil { // null
		return ex, errors.New("line is not a JSON object")
	}
	if isNull(top["request"]) {
		return ex, errors.New("line has no request")
	}
	req, err := ndjsonObject(top["request"], "request")
	if err != nil {
		return ex, err
	}
	method, err := ndjsonString(req["method"], "request method")
	if err != nil {
		return ex, err
	}
	if method == "" {
		return ex, errors.New("request has no method")
	}
	ex.Method = method
	rawURL, err := ndjsonString(req["url"], "request url")
	if err != nil {
		return ex, err
	}
	if ex.URL, err = parseURL(rawURL); err != nil {
		return ex, err
	}
	if ex.RequestHeader, err = ndjsonHeader(req["headers"], "request"); err != nil {
		return ex, err
	}
	if ex.RequestBody, err = ndjsonBody(req["body"], req["bodyEncoding"], "request"); err != nil {
		return ex, err
	}

	if isNull(top["response"]) {
		return ex, nil
	}
	resp, err := ndjsonObject(top["response"], "response")
	if err != nil {
		return ex, err
	}
	status, err := ndjsonStatus(resp["status"])
	if err != nil {
		return ex, err
	}
	ex.Status = status
	if ex.ResponseHeader, err = ndjsonHeader(resp["headers"], "response"); err != nil {
		return ex, err
	}
	if ex.ResponseBody, err = ndjsonBody(resp["body"], resp["bodyEncoding"], "response"); err != nil {
		return ex, err
	}
	return ex, nil
}

// ndjsonObject reads the JSON object raw, the value of what.
func ndjsonObject(raw json.RawMessage, what string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if !isObject(raw) || json.Unmarshal(raw, &m) != nil {
		return nil, fmt.Errorf("%s is not a JSON object", what)
	}
	return m, nil
}

// ndjsonString reads the JSON string raw, the value of what; absent or null is "".
func ndjsonString(raw json.RawMessage, what string) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s is not a JSON string", what)
	}
	return s, nil
}

// ndjsonStatus reads a response status, an integer in 100..599.
func ndjsonStatus(raw json.RawMessage) (int, error) {
	if isNull(raw) {
		return 0, errors.New("response has no status")
	}
	status, err := strconv.Atoi(string(raw))
	if err != nil || status < 100 || status > 599 {
		return 0, fmt.Errorf("response status %s is not an integer in 100..599", excerpt(raw))
	}
	return status, nil
}

// ndjsonHeader reads headers, a JSON object whose values are strings or arrays of strings; nil
// when there are none. side is "request" or "response".
func ndjsonHeader(raw json.RawMessage, side string) (http.Header, error) {
	if isNull(raw) {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if !isObject(raw) || json.Unmarshal(raw, &m) != nil {
		return nil, fmt.Errorf("%s headers are not a JSON object", side)
	}
	var h http.Header
	// In order, so that the values of names that differ only in case keep an order.
	for _, name := range slices.Sorted(maps.Keys(m)) {
		values, ok := headerValues(m[name])
		if !ok {
			return nil, fmt.Errorf("%s header %s is not a string or an array of strings", side, quote(name))
		}
		if !isHeaderName(name) {
			continue
		}
		for _, v := range values {
			if h == nil {
				h = http.Header{}
			}
			h.Add(name, v)
		}
	}
	return h, nil
}

// headerValues reads the value of a header, a JSON string or an array of strings.
func headerValues(raw json.RawMessage) ([]string, bool) {
	if isNull(raw) {
		return nil, false
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, true
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	values := make([]string, len(items))
	for i, item := range items {
		if isNull(item) || json.Unmarshal(item, &values[i]) != nil {
			return nil, false
		}
	}
	return values, true
}

// ndjsonBody reads a body: the contents of a JSON string, decoded when encoding is "base64",
// or the JSON text of any other value; nil when absent, null or empty. side is "request" or
// "response".
func ndjsonBody(raw, encoding json.RawMessage, side string) ([]byte, error) {
	enc, err := ndjsonString(encoding, side+" bodyEncoding")
	if err != nil {
		return nil, err
	}
	if isNull(raw) {
		return nil, nil
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		if enc != "" {
			return nil, fmt.Errorf("%s body is not a JSON string, as bodyEncoding %s needs", side, quote(enc))
		}
		return append([]byte(nil), raw...), nil
	}
	return decodeBody(text, enc, side)
}
