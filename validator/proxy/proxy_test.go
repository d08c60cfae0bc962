package proxy_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/proxy"
)

// Bodies of the library contract.
const (
	validBook    = `{"id":"` + bookID + `","title":"The Name of the Rose","genre":"fiction"}`
	validList    = `{ "items": [ ` + validBook + ` ] }` // spaced, as no encoder would write it
	invalidList  = `{"items":[{"id":"not-a-uuid","title":7,"genre":"fiction"}]}`
	validLoan    = `{"bookId":"` + bookID + `","member":{"name":"Ada"}}`
	invalidBook  = `{"title":"","genre":"poetry","pages":3}`
	newBook      = `{"title":"The Name of the Rose","genre":"fiction"}`
	createdBook  = `{"id":"` + bookID + `","title":"The Name of the Rose","genre":"fiction"}`
	bookLocation = "https://api.example.com/v2/books/" + bookID
)

// authorized returns the headers of a request that meets the bearer requirement, with more.
func authorized(more ...string) map[string]string {
	h := map[string]string{"Authorization": bearer}
	for i := 0; i+1 < len(more); i += 2 {
		h[more[i]] = more[i+1]
	}
	return h
}

func TestNew(t *testing.T) {
	t.Parallel()
	v := newValidator(t, library)
	upstream := &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}
	tests := []struct {
		name string
		cfg  proxy.Config
		ok   bool
	}{
		{"complete config", proxy.Config{Validator: v, Upstream: upstream, RenderError: renderError}, true},
		{"upstream with a path prefix", proxy.Config{Validator: v, Upstream: &url.URL{Scheme: "https", Host: "api.example.com", Path: "/backend"}, RenderError: renderError}, true},
		{"nil validator", proxy.Config{Upstream: upstream, RenderError: renderError}, false},
		{"nil upstream", proxy.Config{Validator: v, RenderError: renderError}, false},
		{"relative upstream", proxy.Config{Validator: v, Upstream: &url.URL{Path: "/v2"}, RenderError: renderError}, false},
		{"upstream without a host", proxy.Config{Validator: v, Upstream: &url.URL{Scheme: "http", Path: "/v2"}, RenderError: renderError}, false},
		{"missing renderer", proxy.Config{Validator: v, Upstream: upstream}, false},
		{"unknown mode", proxy.Config{Validator: v, Upstream: upstream, RenderError: renderError, Mode: validator.Mode(7)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := proxy.New(tt.cfg)
			if got := err == nil; got != tt.ok {
				t.Fatalf("New() = %v, %v; want success %t", p, err, tt.ok)
			}
			if tt.ok && p == nil {
				t.Errorf("New() = nil, nil; want a proxy")
			}
		})
	}
}

// TestNewRejectsRelativeUpstreamsAsParsed covers upstreams as url.Parse reads what a user types.
func TestNewRejectsRelativeUpstreamsAsParsed(t *testing.T) {
	t.Parallel()
	v := newValidator(t, library)
	for _, raw := range []string{"/v2", "v2/books", "localhost:8080", "//api.example.com"} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("url.Parse(%q): %v", raw, err)
		}
		if _, err := proxy.New(proxy.Config{Validator: v, Upstream: u, RenderError: renderError}); err == nil {
			t.Errorf("New() with upstream %q = nil error, want an error", raw)
		}
	}
}

func TestReportMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		req      request
		reply    http.HandlerFunc
		wantLogs []logged
	}{
		{
			name: "valid exchange passes byte for byte",
			req:  request{method: http.MethodGet, path: "/v2/books?limit=2", header: authorized("X-Branch", "ABC")},
			reply: reply(http.StatusOK, map[string]string{
				"Content-Type": "application/json", "X-Rate-Limit": "41", "Etag": `"v1"`, "X-Upstream": "library",
			}, validList),
		},
		{
			name: "invalid request is forwarded and logged",
			req: request{method: http.MethodPost, path: "/v2/books",
				header: authorized("Content-Type", "application/json"), body: invalidBook},
			reply: reply(http.StatusCreated, map[string]string{
				"Content-Type": "application/json", "Location": bookLocation, "X-Rate-Limit": "40",
			}, createdBook),
			wantLogs: []logged{
				{"request breaks the contract", http.MethodPost, "/v2/books", validator.InBody, "genre", "enum"},
				{"request breaks the contract", http.MethodPost, "/v2/books", validator.InBody, "pages", validator.KeywordAdditional},
				{"request breaks the contract", http.MethodPost, "/v2/books", validator.InBody, "title", "minLength"},
			},
		},
		{
			name:  "invalid response is forwarded as it is and logged",
			req:   request{method: http.MethodGet, path: "/v2/books", header: authorized("X-Branch", "ABC")},
			reply: reply(http.StatusOK, map[string]string{"Content-Type": "application/json"}, invalidList),
			wantLogs: []logged{
				{"response breaks the contract", http.MethodGet, "/v2/books", validator.InHeader, "X-Rate-Limit", validator.KeywordMissing},
				{"response breaks the contract", http.MethodGet, "/v2/books", validator.InBody, "items/0/id", "format"},
				{"response breaks the contract", http.MethodGet, "/v2/books", validator.InBody, "items/0/title", "type"},
			},
		},
		{
			name:  "request to no operation is forwarded and logged",
			req:   request{method: http.MethodGet, path: "/v2/shelves", header: authorized()},
			reply: reply(http.StatusNotFound, map[string]string{"Content-Type": "text/plain"}, "no shelves here"),
			wantLogs: []logged{
				{"request breaks the contract", http.MethodGet, "/v2/shelves", validator.InPath, "/v2/shelves", validator.KeywordNoOperation},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// What the upstream sends, as a client straight to it would get it.
			direct := newUpstream(t, tt.reply)
			want := getDirect(t, direct.URL, tt.req)

			hs := newHarness(t, setup{mode: validator.Report}, tt.reply)
			got := hs.do(t, tt.req)

			if got.status != want.status {
				t.Errorf("status = %d, want %d (the upstream's)", got.status, want.status)
			}
			if diff := cmp.Diff(want.header, got.header); diff != "" {
				t.Errorf("response header differs from the upstream's (-want +got):\n%s", diff)
			}
			if !bytes.Equal(got.body, want.body) {
				t.Errorf("body = %q, want the upstream's %q", got.body, want.body)
			}
			reqs := hs.up.requests()
			if len(reqs) != 1 {
				t.Fatalf("the upstream got %d requests, want 1", len(reqs))
			}
			if reqs[0].Body != tt.req.body {
				t.Errorf("the upstream got the body %q, want %q", reqs[0].Body, tt.req.body)
			}
			if diff := cmp.Diff(tt.wantLogs, hs.logs.violations(t)); diff != "" {
				t.Errorf("logged violations (-want +got):\n%s", diff)
			}
		})
	}
}

// getDirect sends r straight to the server at base and returns the response.
func getDirect(t *testing.T, base string, r request) response {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, base+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func TestEnforceRefusesInvalidRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		req            request
		wantStatus     int
		wantViolations []violation
		wantHits       int64
	}{
		{
			name: "invalid body is refused with 400",
			req: request{method: http.MethodPost, path: "/v2/books",
				header: authorized("Content-Type", "application/json"), body: invalidBook},
			wantStatus: http.StatusBadRequest,
			wantViolations: []violation{
				{validator.InBody, "genre", "enum"},
				{validator.InBody, "pages", validator.KeywordAdditional},
				{validator.InBody, "title", "minLength"},
			},
		},
		{
			name: "missing credentials are refused with 401",
			req: request{method: http.MethodPost, path: "/v2/books",
				header: map[string]string{"Content-Type": "application/json"}, body: newBook},
			wantStatus:     http.StatusUnauthorized,
			wantViolations: []violation{{validator.InSecurity, "Authorization", validator.KeywordSecurity}},
		},
		{
			name: "bad media type is refused with 415",
			req: request{method: http.MethodPost, path: "/v2/books",
				header: authorized("Content-Type", "text/plain"), body: newBook},
			wantStatus:     http.StatusUnsupportedMediaType,
			wantViolations: []violation{{validator.InHeader, "Content-Type", validator.KeywordMediaType}},
		},
		{
			name:           "path of no operation is refused with 404",
			req:            request{method: http.MethodGet, path: "/v2/shelves", header: authorized()},
			wantStatus:     http.StatusNotFound,
			wantViolations: []violation{{validator.InPath, "/v2/shelves", validator.KeywordNoOperation}},
		},
		{
			name:           "method not allowed is refused with 405",
			req:            request{method: http.MethodPut, path: "/v2/books", header: authorized()},
			wantStatus:     http.StatusMethodNotAllowed,
			wantViolations: []violation{{validator.InMethod, http.MethodPut, validator.KeywordMethod}},
		},
		{
			name: "valid request reaches the upstream",
			req: request{method: http.MethodPost, path: "/v2/loans",
				header: authorized("Content-Type", "application/json"), body: validLoan},
			wantStatus: http.StatusCreated,
			wantHits:   1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, setup{mode: validator.Enforce},
				reply(http.StatusCreated, map[string]string{"Content-Type": "application/json"}, validLoan))
			got := hs.do(t, tt.req)

			if got.status != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", got.status, tt.wantStatus, got.body)
			}
			if hits := hs.up.hits.Load(); hits != tt.wantHits {
				t.Errorf("the upstream got %d requests, want %d", hits, tt.wantHits)
			}
			if tt.wantViolations == nil {
				if got.header.Get("X-Rendered-By") != "" {
					t.Errorf("the proxy answered a valid request itself: %s", got.body)
				}
				return
			}
			if got.header.Get("X-Rendered-By") != "test" {
				t.Fatalf("the answer was not rendered by RenderError: header %v, body %s", got.header, got.body)
			}
			e := decodeError(t, got.body)
			if e.Status != tt.wantStatus {
				t.Errorf("RenderError got the status %d, want %d", e.Status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantViolations, e.Violations); diff != "" {
				t.Errorf("rendered violations (-want +got):\n%s", diff)
			}
			if n := len(hs.logs.violations(t)); n != len(tt.wantViolations) {
				t.Errorf("%d violations logged, want %d", n, len(tt.wantViolations))
			}
		})
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// as204 makes every response of base a 204 that keeps its body: what an upstream that
// breaks HTTP itself would send, and that net/http would not let a test server write.
func as204(base http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r)
		if err == nil {
			resp.StatusCode, resp.Status = http.StatusNoContent, "204 No Content"
		}
		return resp, err
	})
}

func TestEnforceReplacesInvalidResponses(t *testing.T) {
	t.Parallel()
	books := request{method: http.MethodGet, path: "/v2/books", header: authorized("X-Branch", "ABC")}
	tests := []struct {
		name           string
		req            request
		reply          http.HandlerFunc
		transport      func(http.RoundTripper) http.RoundTripper
		wantViolations []violation // nil: the response passes
	}{
		{
			name:  "wrong type in the body",
			req:   books,
			reply: reply(http.StatusOK, map[string]string{"Content-Type": "application/json", "X-Rate-Limit": "41"}, invalidList),
			wantViolations: []violation{
				{validator.InBody, "items/0/id", "format"},
				{validator.InBody, "items/0/title", "type"},
			},
		},
		{
			name:           "missing required response header",
			req:            books,
			reply:          reply(http.StatusOK, map[string]string{"Content-Type": "application/json"}, validList),
			wantViolations: []violation{{validator.InHeader, "X-Rate-Limit", validator.KeywordMissing}},
		},
		{
			name:           "undocumented status",
			req:            request{method: http.MethodGet, path: "/v2/status"},
			reply:          reply(http.StatusTeapot, map[string]string{"Content-Type": "application/json"}, `{"status":"teapot"}`),
			wantViolations: []violation{{validator.InStatus, "418", validator.KeywordStatus}},
		},
		{
			name:           "body on a 204",
			req:            request{method: http.MethodDelete, path: "/v2/books/" + bookID, header: authorized()},
			reply:          reply(http.StatusOK, map[string]string{"Content-Type": "application/json"}, `{"deleted":true}`),
			transport:      as204,
			wantViolations: []violation{{In: validator.InBody, Keyword: validator.KeywordUnexpected}},
		},
		{
			name:  "valid response passes untouched",
			req:   books,
			reply: reply(http.StatusOK, map[string]string{"Content-Type": "application/json", "X-Rate-Limit": "41"}, validList),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, setup{mode: validator.Enforce, transport: tt.transport}, tt.reply)
			got := hs.do(t, tt.req)

			if hits := hs.up.hits.Load(); hits != 1 {
				t.Errorf("the upstream got %d requests, want 1", hits)
			}
			if tt.wantViolations == nil {
				want := getDirect(t, hs.up.URL, tt.req)
				if got.status != want.status {
					t.Errorf("status = %d, want %d (the upstream's)", got.status, want.status)
				}
				if diff := cmp.Diff(want.header, got.header); diff != "" {
					t.Errorf("response header differs from the upstream's (-want +got):\n%s", diff)
				}
				if !bytes.Equal(got.body, want.body) {
					t.Errorf("body = %q, want the upstream's %q", got.body, want.body)
				}
				if logs := hs.logs.violations(t); len(logs) > 0 {
					t.Errorf("violations logged for a valid response: %v", logs)
				}
				return
			}
			if got.status != http.StatusBadGateway {
				t.Errorf("status = %d, want %d; body %s", got.status, http.StatusBadGateway, got.body)
			}
			if got.header.Get("X-Rendered-By") != "test" {
				t.Fatalf("the answer was not rendered by RenderError: header %v, body %s", got.header, got.body)
			}
			e := decodeError(t, got.body)
			if e.Status != http.StatusBadGateway {
				t.Errorf("RenderError got the status %d, want %d", e.Status, http.StatusBadGateway)
			}
			if diff := cmp.Diff(tt.wantViolations, e.Violations); diff != "" {
				t.Errorf("rendered violations (-want +got):\n%s", diff)
			}
			if bytes.Contains(got.body, []byte(`"items":[`)) || bytes.Contains(got.body, []byte(`teapot"}`)) ||
				bytes.Contains(got.body, []byte(`"deleted"`)) {
				t.Errorf("the client got the broken body: %s", got.body)
			}
			var wantLogs []logged
			for _, v := range tt.wantViolations {
				wantLogs = append(wantLogs, logged{"response breaks the contract", tt.req.method, strings.Split(tt.req.path, "?")[0], v.In, v.Target, v.Keyword})
			}
			if diff := cmp.Diff(wantLogs, hs.logs.violations(t)); diff != "" {
				t.Errorf("logged violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpstreamUnreachable(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 0: connecting to it fails at once.
	unreachable := &url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	for _, mode := range []validator.Mode{validator.Enforce, validator.Report, validator.Off} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, setup{mode: mode, upstream: unreachable}, reply(http.StatusOK, nil, ""))
			got := hs.do(t, request{method: http.MethodGet, path: "/v2/status"})

			if got.status != http.StatusBadGateway {
				t.Errorf("status = %d, want %d; body %s", got.status, http.StatusBadGateway, got.body)
			}
			if got.header.Get("X-Rendered-By") != "test" {
				t.Fatalf("the answer was not rendered by RenderError: header %v, body %s", got.header, got.body)
			}
			want := errorBody{Status: http.StatusBadGateway, Error: errUpstream}
			if diff := cmp.Diff(want, decodeError(t, got.body)); diff != "" {
				t.Errorf("rendered error (-want +got):\n%s", diff)
			}
			if !hs.logs.has(t, "upstream failed") {
				t.Errorf("no %q in the log", "upstream failed")
			}
		})
	}
}

// gzipped returns s compressed with gzip.
func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, s) // writing to a bytes.Buffer does not fail
	zw.Close()
	return b.String()
}

func TestGzipResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		mode           validator.Mode
		body           string // as the upstream sends it, with Content-Encoding: gzip
		wantViolations []violation
		wantReplaced   bool
	}{
		{
			name: "valid gzip body passes unchanged",
			mode: validator.Enforce,
			body: gzipped(`{"status":"open"}`),
		},
		{
			name:           "invalid gzip body is replaced",
			mode:           validator.Enforce,
			body:           gzipped(`{"status":"ajar"}`),
			wantViolations: []violation{{validator.InBody, "status", "enum"}},
			wantReplaced:   true,
		},
		{
			name:           "invalid gzip body is forwarded unchanged and logged",
			mode:           validator.Report,
			body:           gzipped(`{"status":"ajar"}`),
			wantViolations: []violation{{validator.InBody, "status", "enum"}},
		},
		{
			name:           "body that is not the gzip it claims is replaced",
			mode:           validator.Enforce,
			body:           `{"status":"open"}`,
			wantViolations: []violation{{In: validator.InBody, Keyword: validator.KeywordMalformed}},
			wantReplaced:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The upstream answers in gzip whatever the request says.
			hs := newHarness(t, setup{mode: tt.mode}, reply(http.StatusOK, map[string]string{
				"Content-Type": "application/json", "Content-Encoding": "gzip",
			}, tt.body))
			// Asking for gzip explicitly keeps the client from decompressing the body.
			got := hs.do(t, request{method: http.MethodGet, path: "/v2/status", header: map[string]string{"Accept-Encoding": "gzip"}})

			reqs := hs.up.requests()
			if len(reqs) != 1 {
				t.Fatalf("the upstream got %d requests, want 1", len(reqs))
			}
			if ae := reqs[0].Header.Get("Accept-Encoding"); ae != "identity" {
				t.Errorf("the upstream got Accept-Encoding %q, want %q", ae, "identity")
			}
			var gotViolations []violation
			for _, l := range hs.logs.violations(t) {
				gotViolations = append(gotViolations, violation{l.In, l.Target, l.Keyword})
			}
			if diff := cmp.Diff(tt.wantViolations, gotViolations); diff != "" {
				t.Errorf("logged violations (-want +got):\n%s", diff)
			}
			if tt.wantReplaced {
				if got.status != http.StatusBadGateway {
					t.Errorf("status = %d, want %d; body %q", got.status, http.StatusBadGateway, got.body)
				}
				if ce := got.header.Get("Content-Encoding"); ce != "" {
					t.Errorf("the replacement has Content-Encoding %q, want none", ce)
				}
				if diff := cmp.Diff(tt.wantViolations, decodeError(t, got.body).Violations); diff != "" {
					t.Errorf("rendered violations (-want +got):\n%s", diff)
				}
				return
			}
			if got.status != http.StatusOK {
				t.Errorf("status = %d, want %d", got.status, http.StatusOK)
			}
			if ce := got.header.Get("Content-Encoding"); ce != "gzip" {
				t.Errorf("Content-Encoding = %q, want %q", ce, "gzip")
			}
			if string(got.body) != tt.body {
				t.Errorf("body = %q, want the upstream's gzip bytes %q", got.body, tt.body)
			}
		})
	}
}

// TestTransportWithoutResponseRequest covers a Config.Transport that, unlike http.Transport,
// leaves Response.Request unset, as a RoundTripper may.
func TestTransportWithoutResponseRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		wantStatus int
	}{
		{"valid response is forwarded", `{"status":"open"}`, http.StatusOK},
		{"invalid response is replaced", `{"status":"ajar"}`, http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bare := func(http.RoundTripper) http.RoundTripper {
				return roundTripFunc(func(*http.Request) (*http.Response, error) {
					return &http.Response{
						StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
						Header:        http.Header{"Content-Type": {"application/json"}},
						Body:          io.NopCloser(strings.NewReader(tt.body)),
						ContentLength: int64(len(tt.body)),
					}, nil
				})
			}
			hs := newHarness(t, setup{mode: validator.Enforce, transport: bare}, reply(http.StatusOK, nil, ""))
			got := hs.do(t, request{method: http.MethodGet, path: "/v2/status"})
			if got.status != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", got.status, tt.wantStatus, got.body)
			}
		})
	}
}

// echoUpgrade switches the connection to a protocol that echoes what the client sends.
func echoUpgrade(w http.ResponseWriter, r *http.Request) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	brw.Flush()
	io.Copy(conn, brw)
}

func TestProtocolUpgrade(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mode       validator.Mode
		wantStatus int
	}{
		{"report mode lets an undocumented upgrade through", validator.Report, http.StatusSwitchingProtocols},
		{"enforce mode refuses an undocumented upgrade", validator.Enforce, http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, setup{mode: tt.mode}, echoUpgrade)
			ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, hs.proxy.URL+"/v2/status", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "echo")
			resp, err := hs.proxy.Client().Do(req)
			if err != nil {
				t.Fatalf("GET /v2/status with Upgrade: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			want := []logged{{"response breaks the contract", http.MethodGet, "/v2/status", validator.InStatus, "101", validator.KeywordStatus}}
			if diff := cmp.Diff(want, hs.logs.violations(t)); diff != "" {
				t.Errorf("logged violations (-want +got):\n%s", diff)
			}
			if tt.wantStatus != http.StatusSwitchingProtocols {
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				wantViolations := []violation{{validator.InStatus, "101", validator.KeywordStatus}}
				if diff := cmp.Diff(wantViolations, decodeError(t, body).Violations); diff != "" {
					t.Errorf("rendered violations (-want +got):\n%s", diff)
				}
				return
			}
			conn, ok := resp.Body.(io.ReadWriteCloser)
			if !ok {
				t.Fatalf("the body of the 101 is a %T, not the connection", resp.Body)
			}
			if _, err := io.WriteString(conn, "ping\n"); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len("ping\n"))
			if _, err := io.ReadFull(conn, got); err != nil {
				t.Fatalf("reading the echo: %v", err)
			}
			if string(got) != "ping\n" {
				t.Errorf("echo = %q, want %q", got, "ping\n")
			}
		})
	}
}
