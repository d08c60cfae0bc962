package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestValidateToolExports validates HAR files shaped like the exports of real tools — Chrome
// and Firefox developer tools, Playwright, mitmproxy and Dev Proxy, with their own field sets,
// HTTP/2 pseudo-headers, base64 bodies, blocked requests, cached 304s — against the library
// contract (served under /v1 there): each expected violation is found, and nothing else.
func TestValidateToolExports(t *testing.T) {
	t.Parallel()
	const (
		dir  = "../../validator/recording/testdata/"
		spec = "../../validator/testdata/library.yaml"
	)
	tests := []struct {
		name       string
		file       string
		ignoreAuth bool
		wantCode   int
		want       []string
	}{
		{name: "Chrome DevTools export", file: "chrome.har", wantCode: 1, want: []string{
			`#1 GET /v1/books 200 response header "X-Rate-Limit": is required`,
			`#1 GET /v1/books 200 response body: must be an object`,
			`#2 POST /v1/books 201 request security "Authorization": the Authorization header is missing or empty`,
			`#2 POST /v1/books 201 response header "Location": must be a valid uri`,
			`#2 POST /v1/books 201 response header "X-Rate-Limit": is required`,
			`#2 POST /v1/books 201 response body "stock": is not a property of this object`,
			`#3 GET /img/pixel.png 200 request path "/img/pixel.png": is not the path of an operation of the contract`,
			`#4 POST /collect - request path "/collect": is not the path of an operation of the contract`,
			`#5 DELETE /v1/books/5b1c0f3e-8a2d-4c7e-9f10-3d2a1b0c9e8f 204 request security "Authorization": the Authorization header is missing or empty`,
		}},
		{name: "Chrome DevTools export, sanitized of credentials: the rest of the requests is checked", file: "chrome.har", ignoreAuth: true, wantCode: 1, want: []string{
			`#1 GET /v1/books 200 response header "X-Rate-Limit": is required`,
			`#1 GET /v1/books 200 response body: must be an object`,
			`#2 POST /v1/books 201 request body "stock": is not a property of this object`,
			`#2 POST /v1/books 201 response header "Location": must be a valid uri`,
			`#2 POST /v1/books 201 response header "X-Rate-Limit": is required`,
			`#2 POST /v1/books 201 response body "stock": is not a property of this object`,
			`#3 GET /img/pixel.png 200 request path "/img/pixel.png": is not the path of an operation of the contract`,
			`#4 POST /collect - request path "/collect": is not the path of an operation of the contract`,
		}},
		{name: "Firefox export, with a cached 304 that is no violation", file: "firefox.har", wantCode: 1, want: []string{
			`#1 GET /v1/books/7d0c5e2a-1f3b-4a6c-8d9e-0b1c2d3e4f5a 200 request security "X-API-Key": the API key is missing`,
			`#1 GET /v1/books/7d0c5e2a-1f3b-4a6c-8d9e-0b1c2d3e4f5a 200 response body "id": is required`,
			`#2 GET /assets/site.css 200 request path "/assets/site.css": is not the path of an operation of the contract`,
			`#3 POST /search 303 request path "/search": is not the path of an operation of the contract`,
			`#4 GET /v1/books 304 request security "Authorization": the Authorization header is missing or empty`,
		}},
		{name: "Playwright export", file: "playwright.har", wantCode: 1, want: []string{
			`#1 PUT /v1/books/5b1c0f3e-8a2d-4c7e-9f10-3d2a1b0c9e8f 200 request method "PUT": is not a method of the operations at this path`,
			`#2 GET /img/cover.png 200 request path "/img/cover.png": is not the path of an operation of the contract`,
		}},
		{name: "mitmproxy export", file: "mitmproxy.har", wantCode: 1, want: []string{
			`#1 POST /v1/login 200 request path "/v1/login": is not the path of an operation of the contract`,
			`#2 GET /v1/books 500 request header "X-Branch": is required`,
			`#2 GET /v1/books 500 response header "Content-Type": 'text/plain; charset=utf-8' is not what the operation documents for this status: application/json`,
		}},
		{name: "Dev Proxy export", file: "devproxy.har", wantCode: 1, want: []string{
			`#1 GET /v1/authors/42 429 request path "/v1/authors/42": is not the path of an operation of the contract`,
			`#2 PATCH /v1/authors/42 200 request path "/v1/authors/42": is not the path of an operation of the contract`,
		}},
		{name: "a broken export: malformed entries are reported and the run goes on", file: "broken.har", ignoreAuth: true, wantCode: 1, want: []string{
			`#1 GET /v1/books 200 request header "X-Branch": is required`,
			`#1 GET /v1/books 200 response header "X-Rate-Limit": is required`,
			`#1 GET /v1/books 200 response body: must be an object`,
			`#2 ` + dir + `broken.har#2: malformed: entry has no request`,
			`#3 ` + dir + `broken.har#3: malformed: response body is not valid base64: illegal base64 data at input byte 11`,
			`#4 ` + dir + `broken.har#4: malformed: response status "OK" is not a number`,
			`#5 ` + dir + `broken.har#5: malformed: request url "%" is not a URL: invalid URL escape "%"`,
			`#6 ` + dir + `broken.har#6: malformed: entry is not a JSON object`,
			`#7 ` + dir + `broken.har#7: malformed: entry field request.headers is a JSON object, not an array`,
			`#8 ` + dir + `broken.har#8: malformed: request has no method`,
			`#9 ` + dir + `broken.har#9: malformed: response status 999 is not an HTTP status in 100..599`,
			`#10 ` + dir + `broken.har#10: malformed: request url "books?limit=1" is neither an absolute URL nor a path`,
			`#11 HEAD /v1/health 200 request path "/v1/health": is not the path of an operation of the contract`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"validate", "--spec", spec, "--base-path", "/v1"}
			if tt.ignoreAuth {
				args = append(args, "--ignore-auth")
			}
			got := runCLI(t, nil, append(args, dir+tt.file)...)
			if got.code != tt.wantCode {
				t.Errorf("exit code = %d (%s); want %d", got.code, strings.TrimSpace(got.msg), tt.wantCode)
			}
			if diff := cmp.Diff(tt.want, findings(got.stdout)); diff != "" {
				t.Errorf("violations of %s (-want +got):\n%s\nreport:\n%s", tt.file, diff, got.stdout)
			}
		})
	}
}
