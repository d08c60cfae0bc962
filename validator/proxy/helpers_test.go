package proxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/proxy"
	"github.com/datashare/datashare/validator/recording"
)

// The contracts of the tests: the validator package's lending library, served under /v2, and
// the proxy's own contract of streams, served under /s.
const (
	library = "../testdata/library.yaml"
	streams = "testdata/stream.yaml"

	bookID = "0b5e0b52-8c1a-4e2b-9a55-3f3e0d8c2a11"
	bearer = "Bearer s3cr3t-t0ken"
	apiKey = "k3y-0f-the-library"
)

// testTimeout bounds every exchange of a test, so that a proxy that blocks fails the test
// instead of hanging it; streamTimeout bounds the exchanges of the streaming tests, which are
// small but would block until then if the proxy did not stream.
const (
	testTimeout   = 20 * time.Second
	streamTimeout = 5 * time.Second
)

// newValidator builds a Validator for the contract at path.
func newValidator(tb testing.TB, path string) *validator.Validator {
	tb.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		tb.Fatalf("loading %s: %v", path, err)
	}
	v, err := validator.New(doc)
	if err != nil {
		tb.Fatalf("validator.New(%s) = %v, want no error", path, err)
	}
	return v
}

// errorBody is what renderError writes.
type errorBody struct {
	Status     int         `json:"status"`
	Error      string      `json:"error"`
	Violations []violation `json:"violations,omitempty"`
}

// violation is the part of a validator.Violation that the tests compare.
type violation struct {
	In      string `json:"in"`
	Target  string `json:"target,omitempty"`
	Keyword string `json:"keyword"`
}

// errUpstream is the error renderError writes for an error that carries no violations, whose
// text (addresses, system errors) would vary.
const errUpstream = "the upstream failed"

// renderError is the Config.RenderError of the tests: a JSON body that lists the violations of
// a validation error, with the header X-Rendered-By, so that a test can tell the answers of
// the proxy from those of the upstream.
func renderError(w http.ResponseWriter, r *http.Request, status int, err error) {
	body := errorBody{Status: status, Error: errUpstream}
	var reqErr *validator.RequestError
	var respErr *validator.ResponseError
	var vs []validator.Violation
	switch {
	case errors.As(err, &reqErr):
		vs, body.Error = reqErr.Violations, err.Error()
		if status == 0 {
			status = reqErr.Status()
		}
	case errors.As(err, &respErr):
		vs, body.Error = respErr.Violations, err.Error()
	}
	body.Violations = violationsOf(vs)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Rendered-By", "test")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func violationsOf(vs []validator.Violation) []violation {
	var out []violation
	for _, v := range vs {
		out = append(out, violation{In: v.In, Target: v.Target, Keyword: v.Keyword})
	}
	return out
}

// decodeError decodes a body that renderError wrote.
func decodeError(t testing.TB, body []byte) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decoding the error body %q: %v", body, err)
	}
	return e
}

// logBuffer is a buffer that the proxy's JSON logger writes to from many goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// logLine is one line of the proxy's JSON log.
type logLine struct {
	Level   string `json:"level"`
	Msg     string `json:"msg"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	In      string `json:"in"`
	Target  string `json:"target"`
	Keyword string `json:"keyword"`
	Mode    string `json:"mode"`
}

func (l *logBuffer) lines(t testing.TB) []logLine {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var lines []logLine
	dec := json.NewDecoder(bytes.NewReader(l.b.Bytes()))
	for dec.More() {
		var line logLine
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("decoding the log %q: %v", l.b.String(), err)
		}
		lines = append(lines, line)
	}
	return lines
}

// logged is a violation as the log reports it.
type logged struct {
	Msg, Method, Path, In, Target, Keyword string
}

// violations returns the violations in the log.
func (l *logBuffer) violations(t testing.TB) []logged {
	t.Helper()
	var out []logged
	for _, line := range l.lines(t) {
		if strings.HasSuffix(line.Msg, "breaks the contract") {
			out = append(out, logged{line.Msg, line.Method, line.Path, line.In, line.Target, line.Keyword})
		}
	}
	return out
}

// has reports whether the log has a line with this message.
func (l *logBuffer) has(t testing.TB, msg string) bool {
	t.Helper()
	for _, line := range l.lines(t) {
		if line.Msg == msg {
			return true
		}
	}
	return false
}

// The warnings of the proxy about bodies it does not validate.
const (
	warnRequestTooLarge  = "request body not validated: larger than the limit"
	warnResponseTooLarge = "response body not validated: larger than the limit"
)

// seen is a request as the upstream saw it.
type seen struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// upstream is the server behind the proxy: it counts and keeps the requests it gets, and
// answers with a handler of the test.
type upstream struct {
	*httptest.Server
	hits atomic.Int64
	mu   sync.Mutex
	got  []seen
}

// newUpstream starts an upstream that reads each request body whole, keeps the request and
// hands it to h with an equal body.
func newUpstream(t testing.TB, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("upstream: reading the body of %s %s: %v", r.Method, r.URL.Path, err)
		}
		u.mu.Lock()
		u.got = append(u.got, seen{r.Method, r.URL.Path, r.Header.Clone(), string(body)})
		u.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// requests returns the requests the upstream got.
func (u *upstream) requests() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.got...)
}

// setup configures a harness; the zero setup is a proxy of the library contract in Enforce
// mode, with no recording.
type setup struct {
	contract string // default library
	mode     validator.Mode
	maxBody  int64
	record   bool
	// transport wraps the transport to the upstream, when set.
	transport func(http.RoundTripper) http.RoundTripper
	// upstream overrides the URL of the upstream.
	upstream *url.URL
}

// harness is an upstream behind a proxy, both served over HTTP.
type harness struct {
	up    *upstream
	proxy *httptest.Server
	logs  *logBuffer
	har   string // the recording, when setup.record
}

// newHarness starts an upstream answering with h, and a proxy to it.
func newHarness(t testing.TB, s setup, h http.HandlerFunc) *harness {
	t.Helper()
	hs := &harness{up: newUpstream(t, h), logs: &logBuffer{}}
	if s.contract == "" {
		s.contract = library
	}
	target, err := url.Parse(hs.up.URL)
	if err != nil {
		t.Fatal(err)
	}
	if s.upstream != nil {
		target = s.upstream
	}
	cfg := proxy.Config{
		Validator:   newValidator(t, s.contract),
		Upstream:    target,
		Mode:        s.mode,
		Logger:      slog.New(slog.NewJSONHandler(hs.logs, nil)),
		MaxBody:     s.maxBody,
		RenderError: renderError,
	}
	if s.transport != nil {
		cfg.Transport = s.transport(http.DefaultTransport)
	}
	if s.record {
		hs.har = filepath.Join(t.TempDir(), "traffic.har")
		w, err := recording.OpenHAR(hs.har, "proxy test", "1")
		if err != nil {
			t.Fatalf("OpenHAR(%s) = %v", hs.har, err)
		}
		t.Cleanup(func() { w.Close() })
		cfg.Record = w
	}
	p, err := proxy.New(cfg)
	if err != nil {
		t.Fatalf("proxy.New() = %v, want no error", err)
	}
	hs.proxy = httptest.NewServer(p)
	t.Cleanup(hs.proxy.Close) // before the upstream closes
	return hs
}

// request describes a request to send through the proxy.
type request struct {
	method, path string
	header       map[string]string
	body         string
	// unknownLength sends the body without Content-Length, chunked.
	unknownLength bool
}

// response is a response the client got, its body read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends r through the proxy and reads the response.
func (hs *harness) do(t testing.TB, r request) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
		if r.unknownLength {
			body = io.MultiReader(body) // a reader whose length net/http cannot tell
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.method, hs.proxy.URL+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := hs.proxy.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", r.method, r.path, err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// reply returns a handler that answers with status, header and body, exactly: it sets Date and
// Content-Length itself so that net/http adds nothing.
func reply(status int, header map[string]string, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Date", "Tue, 01 Apr 2025 10:00:00 GMT")
		if status != http.StatusNoContent && status != http.StatusNotModified {
			h.Set("Content-Length", strconv.Itoa(len(body)))
		}
		for k, v := range header {
			h.Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}
