package validator

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// TB is the part of testing.TB that TestTransport uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Transport is an http.RoundTripper that checks every exchange it carries against the
// contract: give it to the http.Client of a contract test, of a client or of a server. It
// sends requests whatever they are; each exchange that breaks the contract is handed to
// OnViolation.
type Transport struct {
	// Validator holds the contract.
	Validator *Validator
	// Base carries the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// OnViolation is called with each exchange that breaks the contract, from the goroutine
	// of the round trip.
	OnViolation func(req *http.Request, res Result)
}

// TestTransport returns a Transport over base (nil: http.DefaultTransport) that fails tb with
// the violations of every exchange that breaks the contract.
func TestTransport(tb TB, v *Validator, base http.RoundTripper) *Transport {
	return &Transport{Validator: v, Base: base, OnViolation: func(req *http.Request, res Result) {
		tb.Helper()
		tb.Errorf("%s %s breaks the contract:\n%s", req.Method, req.URL, res.Describe())
	}}
}

// RoundTrip implements http.RoundTripper. It reads the request body (to send it and check
// it) and the response body (to check it, handing an equal one to the caller); the request
// it is given is not changed.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	body, err := readRequestBody(req)
	if err != nil {
		return nil, fmt.Errorf("validator transport: %w", err)
	}
	out := req.Clone(req.Context())
	if len(body) > 0 {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := base.RoundTrip(out)
	if err != nil {
		return resp, err
	}
	respBody, err := readAndRestore(&resp.Body)
	if err != nil {
		return nil, fmt.Errorf("validator transport: reading the response body: %w", err)
	}
	res := t.Validator.CheckExchange(req.Context(), Exchange{
		Method: req.Method, URL: req.URL, RequestHeader: req.Header, RequestBody: body,
		Status: resp.StatusCode, ResponseHeader: resp.Header, ResponseBody: respBody,
	})
	if !res.OK() && t.OnViolation != nil {
		t.OnViolation(req, res)
	}
	return resp, nil
}
