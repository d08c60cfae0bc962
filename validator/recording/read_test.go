package recording_test

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator/recording"
)

// entry is a recording.Entry as the tests compare it. Err is the message of the error; a want
// names a substring of it.
type entry struct {
	Source         string
	Method         string
	URL            string
	RequestHeader  http.Header
	RequestBody    string
	Status         int
	ResponseHeader http.Header
	ResponseBody   string
	Err            string
}

// entriesOf turns entries into what the tests compare with want: an error message that
// contains the message of the want at the same place is taken as equal to it.
func entriesOf(entries []recording.Entry, want []entry) []entry {
	var got []entry
	for i, e := range entries {
		g := entry{
			Source:         e.Source,
			Method:         e.Exchange.Method,
			RequestHeader:  e.Exchange.RequestHeader,
			RequestBody:    string(e.Exchange.RequestBody),
			Status:         e.Exchange.Status,
			ResponseHeader: e.Exchange.ResponseHeader,
			ResponseBody:   string(e.Exchange.ResponseBody),
		}
		if e.Exchange.URL != nil {
			g.URL = e.Exchange.URL.String()
		}
		if e.Err != nil {
			g.Err = e.Err.Error()
			if i < len(want) && want[i].Err != "" && strings.Contains(g.Err, want[i].Err) {
				g.Err = want[i].Err
			}
		}
		got = append(got, g)
	}
	return got
}

// header builds an http.Header from names and values.
func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func mustBase64(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decoding %q: %v", s, err)
	}
	return string(b)
}

const pixelPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

func TestReadFileHAR(t *testing.T) {
	t.Parallel()
	book := `{"id":"5b1c0f3e-8a2d-4c7e-9f10-3d2a1b0c9e8f","title":"Middlemarch","genre":"fiction","stock":3}`
	tests := []struct {
		name string
		file string
		want entry // the entry of file with the same Source
	}{
		// Chrome DevTools.
		{
			name: "chrome: HTTP/2 pseudo-headers are left out and a repeated header keeps all its values",
			file: "chrome.har",
			want: entry{
				Source: "testdata/chrome.har#1",
				Method: "GET",
				URL:    "https://api.example.com/v1/books?limit=2&genre=history",
				RequestHeader: header(
					"Accept", "application/json",
					"Accept-Encoding", "gzip, deflate, br, zstd",
					"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl",
					"Origin", "https://shop.example.com",
					"Sec-Fetch-Mode", "cors",
					"X-Branch", "ROM",
				),
				Status: 200,
				ResponseHeader: header(
					"Access-Control-Allow-Origin", "https://shop.example.com",
					"Cache-Control", "no-store",
					"Content-Encoding", "br",
					"Content-Type", "application/json; charset=utf-8",
					"Date", "Tue, 14 May 2024 09:12:04 GMT",
					"Vary", "Accept-Encoding",
					"Vary", "Origin",
				),
				ResponseBody: `[{"id":"1","title":"SPQR","genre":"history"},{"id":"2","title":"The Guns of August","genre":"history"}]`,
			},
		},
		{
			name: "chrome: postData text is the request body",
			file: "chrome.har",
			want: entry{
				Source:         "testdata/chrome.har#2",
				Method:         "POST",
				URL:            "https://api.example.com/v1/books",
				RequestHeader:  header("Accept", "application/json", "Content-Length", "55", "Content-Type", "application/json", "X-Branch", "ROM"),
				RequestBody:    `{"title":"Middlemarch","genre":"fiction","stock":3}`,
				Status:         201,
				ResponseHeader: header("Content-Type", "application/json", "Location", "/v1/books/5b1c0f3e-8a2d-4c7e-9f10-3d2a1b0c9e8f"),
				ResponseBody:   book,
			},
		},
		{
			name: "chrome: base64 content is decoded",
			file: "chrome.har",
			want: entry{
				Source:         "testdata/chrome.har#3",
				Method:         "GET",
				URL:            "https://cdn.example.com/img/pixel.png",
				RequestHeader:  header("Accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"),
				Status:         200,
				ResponseHeader: header("Content-Length", "70", "Content-Type", "image/png"),
				ResponseBody:   mustBase64(t, pixelPNG),
			},
		},
		{
			name: "chrome: a request blocked by the client has no response",
			file: "chrome.har",
			want: entry{
				Source: "testdata/chrome.har#4",
				Method: "POST",
				URL:    "https://tracker.example.net/collect?v=2&tid=G-XYZ",
				RequestHeader: header(
					"Referer", "https://shop.example.com/",
					"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
				),
			},
		},
		{
			name: "chrome: x-unknown content adds no Content-Type to a 204",
			file: "chrome.har",
			want: entry{
				Source:         "testdata/chrome.har#5",
				Method:         "DELETE",
				URL:            "https://api.example.com/v1/books/5b1c0f3e-8a2d-4c7e-9f10-3d2a1b0c9e8f",
				RequestHeader:  header("X-Branch", "ROM"),
				Status:         204,
				ResponseHeader: header("Date", "Tue, 14 May 2024 09:12:07 GMT"),
			},
		},

		// Firefox.
		{
			name: "firefox: the url keeps its escaped query",
			file: "firefox.har",
			want: entry{
				Source: "testdata/firefox.har#1",
				Method: "GET",
				URL:    "https://api.example.com/v1/books/7d0c5e2a-1f3b-4a6c-8d9e-0b1c2d3e4f5a?fields=title%2Cgenre",
				RequestHeader: header(
					"Host", "api.example.com",
					"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
					"Accept", "application/json",
					"Accept-Language", "en-GB,en;q=0.5",
					"X-Branch", "ROM",
					"Connection", "keep-alive",
				),
				Status: 200,
				ResponseHeader: header(
					"Content-Type", "application/json",
					"Set-Cookie", "session=abc; Path=/; Secure; HttpOnly",
					"Set-Cookie", "theme=dark; Path=/",
					"Date", "Tue, 14 May 2024 09:20:01 GMT",
				),
				ResponseBody: `{"title":"Persuasion","genre":"fiction"}`,
			},
		},
		{
			name: "firefox: content without text is an empty body",
			file: "firefox.har",
			want: entry{
				Source:         "testdata/firefox.har#2",
				Method:         "GET",
				URL:            "https://shop.example.com/assets/site.css",
				RequestHeader:  header("Host", "shop.example.com", "Accept", "text/css,*/*;q=0.1"),
				Status:         200,
				ResponseHeader: header("Content-Type", "text/css", "Cache-Control", "max-age=31536000"),
			},
		},
		{
			name: "firefox: postData text wins over params",
			file: "firefox.har",
			want: entry{
				Source: "testdata/firefox.har#3",
				Method: "POST",
				URL:    "https://shop.example.com/search",
				RequestHeader: header(
					"Host", "shop.example.com",
					"Content-Type", "application/x-www-form-urlencoded",
					"Content-Length", "23",
					"Origin", "https://shop.example.com",
				),
				RequestBody:    "title=Emma&genre=fiction",
				Status:         303,
				ResponseHeader: header("Location", "/search/results/42", "Content-Length", "0"),
			},
		},
		{
			name: "firefox: content mimeType stands for a missing Content-Type",
			file: "firefox.har",
			want: entry{
				Source:         "testdata/firefox.har#4",
				Method:         "GET",
				URL:            "https://api.example.com/v1/books?limit=10",
				RequestHeader:  header("Host", "api.example.com", "Accept", "application/json", "If-None-Match", `"v42"`),
				Status:         304,
				ResponseHeader: header("Etag", `"v42"`, "Content-Type", "application/json"),
			},
		},

		// Playwright.
		{
			name: "playwright: embedded base64 content is decoded",
			file: "playwright.har",
			want: entry{
				Source: "testdata/playwright.har#1",
				Method: "PUT",
				URL:    "https://api.example.com/v1/books/5b1c0f3e-8a2d-4c7e-9f10-3d2a1b0c9e8f",
				RequestHeader: header(
					"Accept", "application/json",
					"Content-Type", "application/json",
					"X-Branch", "ROM",
					"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/125.0.6422.26 Safari/537.36",
				),
				RequestBody:    `{"title":"Middlemarch","genre":"fiction","stock":3}`,
				Status:         200,
				ResponseHeader: header("Content-Type", "application/json", "Content-Length", "93"),
				ResponseBody:   book,
			},
		},
		{
			name: "playwright: content attached as a _file is an empty body",
			file: "playwright.har",
			want: entry{
				Source:         "testdata/playwright.har#2",
				Method:         "GET",
				URL:            "https://cdn.example.com/img/cover.png",
				RequestHeader:  header("Accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8", "Referer", "https://shop.example.com/books"),
				Status:         200,
				ResponseHeader: header("Content-Type", "image/png"),
			},
		},

		// mitmproxy.
		{
			name: "mitmproxy: postData params without text are form-encoded in order",
			file: "mitmproxy.har",
			want: entry{
				Source: "testdata/mitmproxy.har#1",
				Method: "POST",
				URL:    "http://api.internal:8080/v1/login",
				RequestHeader: header(
					"Host", "api.internal:8080",
					"Content-Type", "application/x-www-form-urlencoded",
					"Content-Length", "36",
					"Accept", "*/*",
				),
				RequestBody:    "user=ada+lovelace&scope=read%26write",
				Status:         200,
				ResponseHeader: header("Content-Type", "application/json", "Content-Length", "27"),
				ResponseBody:   `{"token":"t-0123456789abc"}`,
			},
		},
		{
			name: "mitmproxy: a repeated request header and a repeated query parameter are kept",
			file: "mitmproxy.har",
			want: entry{
				Source: "testdata/mitmproxy.har#2",
				Method: "GET",
				URL:    "http://api.internal:8080/v1/books?tag=a&tag=b",
				RequestHeader: header(
					"Host", "api.internal:8080",
					"Authorization", "Bearer t-0123456789abc",
					"Accept", "application/json",
					"Accept", "text/plain",
				),
				Status:         500,
				ResponseHeader: header("Content-Type", "text/plain; charset=utf-8"),
				ResponseBody:   "internal server error",
			},
		},

		// Microsoft Dev Proxy.
		{
			name: "dev proxy: minimal entry, content mimeType stands for a missing Content-Type",
			file: "devproxy.har",
			want: entry{
				Source:         "testdata/devproxy.har#1",
				Method:         "GET",
				URL:            "https://api.example.com/v1/authors/42",
				RequestHeader:  header("Accept", "application/json", "Host", "api.example.com"),
				Status:         429,
				ResponseHeader: header("Retry-After", "5", "Content-Type", "application/json"),
				ResponseBody:   `{"error":{"code":"TooManyRequests","message":"Slow down and retry in 5 s"}}`,
			},
		},
		{
			name: "dev proxy: postData mimeType stands for a missing request Content-Type; no content, no body",
			file: "devproxy.har",
			want: entry{
				Source:        "testdata/devproxy.har#2",
				Method:        "PATCH",
				URL:           "https://api.example.com/v1/authors/42",
				RequestHeader: header("Content-Type", "application/merge-patch+json"),
				RequestBody:   `{"name":"Mary Ann Evans"}`,
				Status:        200,
			},
		},

		// Malformed entries.
		{
			name: "broken: a good entry before malformed ones is read",
			file: "broken.har",
			want: entry{
				Source:         "testdata/broken.har#1",
				Method:         "GET",
				URL:            "https://api.example.com/v1/books",
				Status:         200,
				ResponseHeader: header("Content-Type", "application/json"),
				ResponseBody:   "[]",
			},
		},
		{
			name: "broken: entry without request",
			file: "broken.har",
			want: entry{Source: "testdata/broken.har#2", Err: "entry has no request"},
		},
		{
			name: "broken: invalid base64 content",
			file: "broken.har",
			want: entry{
				Source:         "testdata/broken.har#3",
				Method:         "GET",
				URL:            "https://cdn.example.com/img/broken.png",
				Status:         200,
				ResponseHeader: header("Content-Type", "image/png"),
				Err:            "response body is not valid base64",
			},
		},
		{
			name: "broken: non-numeric status",
			file: "broken.har",
			want: entry{
				Source: "testdata/broken.har#4",
				Method: "GET",
				URL:    "https://api.example.com/v1/books/1",
				Err:    `response status "OK" is not a number`,
			},
		},
		{
			name: "broken: url that is not a URL",
			file: "broken.har",
			want: entry{Source: "testdata/broken.har#5", Method: "GET", Err: `request url "%" is not a URL`},
		},
		{
			name: "broken: entry that is not an object",
			file: "broken.har",
			want: entry{Source: "testdata/broken.har#6", Err: "entry is not a JSON object"},
		},
		{
			name: "broken: headers of the wrong type",
			file: "broken.har",
			want: entry{Source: "testdata/broken.har#7", Err: "entry field request.headers is a JSON object, not an array"},
		},
		{
			name: "broken: request without method",
			file: "broken.har",
			want: entry{Source: "testdata/broken.har#8", Err: "request has no method"},
		},
		{
			name: "broken: status out of the HTTP range",
			file: "broken.har",
			want: entry{
				Source: "testdata/broken.har#9",
				Method: "GET",
				URL:    "https://api.example.com/v1/books",
				Err:    "response status 999 is not an HTTP status in 100..599",
			},
		},
		{
			name: "broken: relative url that is not a path",
			file: "broken.har",
			want: entry{Source: "testdata/broken.har#10", Method: "GET", Err: `request url "books?limit=1" is neither an absolute URL nor a path`},
		},
		{
			name: "broken: reading goes on after malformed entries",
			file: "broken.har",
			want: entry{Source: "testdata/broken.har#11", Method: "HEAD", URL: "https://api.example.com/v1/health", Status: 200},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := "testdata/" + tt.file
			entries, err := recording.ReadFile(path)
			if err != nil {
				t.Fatalf("ReadFile(%q) = %v, want no error", path, err)
			}
			var got []entry
			for _, e := range entries {
				if e.Source == tt.want.Source {
					got = entriesOf([]recording.Entry{e}, []entry{tt.want})
				}
			}
			if diff := cmp.Diff([]entry{tt.want}, got); diff != "" {
				t.Errorf("ReadFile(%q), entry %s mismatch (-want +got):\n%s", path, tt.want.Source, diff)
			}
		})
	}
}

func TestReadFileEntryCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want int
	}{
		{"chrome.har", 5},
		{"firefox.har", 4},
		{"playwright.har", 2},
		{"mitmproxy.har", 2},
		{"devproxy.har", 2},
		{"broken.har", 11},
		{"traffic.ndjson", 16},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := "testdata/" + tt.file
			entries, err := recording.ReadFile(path)
			if err != nil {
				t.Fatalf("ReadFile(%q) = %v, want no error", path, err)
			}
			if len(entries) != tt.want {
				t.Errorf("ReadFile(%q) returned %d entries, want %d", path, len(entries), tt.want)
			}
		})
	}
}

func TestReadFileNDJSON(t *testing.T) {
	t.Parallel()
	const path = "testdata/traffic.ndjson"
	want := []entry{
		{
			Source:         path + ":1",
			Method:         "GET",
			URL:            "https://api.example.com/v1/books?limit=2&genre=history",
			RequestHeader:  header("Accept", "application/json", "Accept", "text/plain", "X-Branch", "ROM"),
			Status:         200,
			ResponseHeader: header("Content-Type", "application/json"),
			ResponseBody:   `[{"id":"1","title":"SPQR"}]`,
		},
		// Line 2 is blank.
		{
			Source:         path + ":3",
			Method:         "POST",
			URL:            "/v1/books?dryRun=true",
			RequestHeader:  header("Content-Type", "application/json"),
			RequestBody:    `{"title": "Middlemarch", "stock": 3}`,
			Status:         201,
			ResponseHeader: header("Content-Type", "application/json", "Location", "/v1/books/9"),
			ResponseBody:   `{"id":"9","title":"Middlemarch"}`,
		},
		{
			Source:         path + ":4",
			Method:         "GET",
			URL:            "https://cdn.example.com/img/pixel.png",
			Status:         200,
			ResponseHeader: header("Content-Type", "image/png"),
			ResponseBody:   "\x00\xff\xfe\x10\x80",
		},
		{Source: path + ":5", Err: "line is not JSON: "},
		{Source: path + ":6", Err: "line has no request"},
		{Source: path + ":7", Method: "DELETE", URL: "https://api.example.com/v1/books/9"},
		{Source: path + ":8", Method: "GET", URL: "/v1/books", Err: "response status 700 is not an integer in 100..599"},
		{Source: path + ":9", Method: "GET", URL: "/v1/books", Err: "request headers are not a JSON object"},
		{Source: path + ":10", Method: "PUT", URL: "/v1/books/9", Err: "request body is not valid base64"},
		// Line 11 has only spaces.
		{
			Source:         path + ":12",
			Method:         "GET",
			URL:            "/v1/books/9/tags",
			Status:         200,
			ResponseHeader: header("Content-Type", "application/json"),
			ResponseBody:   "[1, 2]",
		},
		{Source: path + ":13", Method: "GET", URL: "/v1/books", Err: `response status "200" is not an integer in 100..599`},
		{Source: path + ":14", Method: "GET", Err: `request url "%" is not a URL`},
		{Source: path + ":15", Err: "request has no method"},
		{Source: path + ":16", Method: "GET", URL: "/v1/books", Err: `request header "X-Limit" is not a string or an array of strings`},
		{Source: path + ":17", Method: "HEAD", URL: "/v1/health", Status: 200},
		{Source: path + ":18", Method: "GET", URL: "/v1/last", Status: 204},
	}
	entries, err := recording.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile(%q) = %v, want no error", path, err)
	}
	if diff := cmp.Diff(want, entriesOf(entries, want)); diff != "" {
		t.Errorf("ReadFile(%q) mismatch (-want +got):\n%s", path, diff)
	}
}

func TestReadFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		wantErr string
		wantIs  error
	}{
		{name: "valid JSON that is not HAR", file: "not-har.json", wantErr: "testdata/not-har.json: file is neither HAR nor NDJSON"},
		{name: "HAR without log.entries", file: "no-entries.har", wantErr: "testdata/no-entries.har: not a HAR 1.2 file: no log.entries"},
		{name: "truncated HAR", file: "truncated.har", wantErr: "testdata/truncated.har: malformed HAR file: unexpected EOF"},
		{name: "missing file", file: "missing.har", wantErr: "testdata/missing.har", wantIs: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := "testdata/" + tt.file
			entries, err := recording.ReadFile(path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ReadFile(%q) error = %v, want one containing %q", path, err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("ReadFile(%q) error = %v, want one that is %v", path, err, tt.wantIs)
			}
			if entries != nil {
				t.Errorf("ReadFile(%q) returned %d entries with its error, want none", path, len(entries))
			}
		})
	}
}

// harOf returns a HAR document with these entries.
func harOf(entries ...string) string {
	return `{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[` + strings.Join(entries, ",") + `]}}`
}

func TestRead(t *testing.T) {
	t.Parallel()
	const (
		harGet    = `{"request":{"method":"GET","url":"https://api.example.com/a","headers":[]},"response":{"status":200,"headers":[],"content":{"size":0,"mimeType":""}}}`
		ndjsonGet = `{"request":{"method":"GET","url":"/a"},"response":{"status":200}}`
	)
	getA := func(source string) entry {
		return entry{Source: source, Method: "GET", URL: "https://api.example.com/a", Status: 200}
	}
	tests := []struct {
		name    string
		input   string
		want    []entry
		wantErr string
	}{
		{
			name:  "HAR after a byte order mark and blank lines",
			input: "\xef\xbb\xbf\n\n  " + harOf(harGet) + "\n",
			want:  []entry{getA("in#1")},
		},
		{
			name:  "HAR whose log is not the first key",
			input: `{"comment":"exported","log":{"entries":[` + harGet + `],"version":"1.2"},"extra":[1,2]}`,
			want:  []entry{getA("in#1")},
		},
		{
			name:  "HAR with no entries",
			input: harOf(),
		},
		{
			name:  "HAR entry with a float status and null fields",
			input: harOf(`{"request":{"method":"GET","url":"/a","headers":null,"postData":null},"response":{"status":200.0,"headers":null,"content":null}}`),
			want:  []entry{{Source: "in#1", Method: "GET", URL: "/a", Status: 200}},
		},
		{
			name:  "HAR entry without response",
			input: harOf(`{"request":{"method":"GET","url":"https://api.example.com/a"}}`),
			want:  []entry{{Source: "in#1", Method: "GET", URL: "https://api.example.com/a"}},
		},
		{
			name:  "HAR content with an unknown encoding",
			input: harOf(`{"request":{"method":"GET","url":"/a"},"response":{"status":200,"content":{"text":"x","encoding":"gzip"}}}`),
			want:  []entry{{Source: "in#1", Method: "GET", URL: "/a", Status: 200, Err: `response body encoding "gzip" is not supported`}},
		},
		{
			name:  "HAR header value of the wrong type",
			input: harOf(`{"request":{"method":"GET","url":"/a","headers":[{"name":"X-Limit","value":10}]}}`),
			want:  []entry{{Source: "in#1", Err: "entry field request.headers.value is a JSON number, not a string"}},
		},
		{
			name:  "HAR content in base64 without padding",
			input: harOf(`{"request":{"method":"GET","url":"/a"},"response":{"status":200,"content":{"text":"AP/+EIA","encoding":"base64"}}}`),
			want:  []entry{{Source: "in#1", Method: "GET", URL: "/a", Status: 200, ResponseBody: "\x00\xff\xfe\x10\x80"}},
		},
		{
			name:  "HAR negative status",
			input: harOf(`{"request":{"method":"GET","url":"/a"},"response":{"status":-1}}`),
			want:  []entry{{Source: "in#1", Method: "GET", URL: "/a", Err: "response status -1 is not an HTTP status in 100..599"}},
		},
		{
			name:  "HAR long url that is not one is cut in the error",
			input: harOf(`{"request":{"method":"GET","url":"data:image/png;base64,` + strings.Repeat("A", 200) + `"}}`),
			want:  []entry{{Source: "in#1", Method: "GET", Err: `request url "data:image/png;base64,` + strings.Repeat("A", 58) + `"... is neither an absolute URL nor a path`}},
		},
		{
			name:    "HAR with null entries",
			input:   `{"log":{"version":"1.2","entries":null}}`,
			wantErr: "in: not a HAR 1.2 file: no log.entries",
		},
		{
			name:    "HAR whose log is not an object",
			input:   `{"log":[]}`,
			wantErr: "in: not a HAR 1.2 file: log is not an object",
		},
		{
			name:    "HAR whose entries are not an array",
			input:   `{"log":{"entries":{}}}`,
			wantErr: "in: not a HAR 1.2 file: log.entries is not an array",
		},
		{
			name:    "HAR followed by more data",
			input:   harOf(harGet) + "\n" + harOf(harGet),
			wantErr: "in: malformed HAR file: data after the end of the document",
		},
		{
			name:    "HAR with a syntax error in an entry",
			input:   harOf(`{"request":}`),
			wantErr: "in: malformed HAR file: ",
		},
		{
			name:  "NDJSON with CRLF line ends, a byte order mark and leading blank lines",
			input: "\xef\xbb\xbf\r\n" + ndjsonGet + "\r\n\r\n" + ndjsonGet + "\r\n",
			want: []entry{
				{Source: "in:2", Method: "GET", URL: "/a", Status: 200},
				{Source: "in:4", Method: "GET", URL: "/a", Status: 200},
			},
		},
		{
			name:    "empty input",
			input:   "",
			wantErr: "in: file is neither HAR nor NDJSON: it has no content",
		},
		{
			name:    "only blank lines",
			input:   "\n  \n\t\n",
			wantErr: "in: file is neither HAR nor NDJSON: it has no content",
		},
		{
			name:    "JSON array",
			input:   `[{"request":{"method":"GET","url":"/a"}}]`,
			wantErr: "in: file is neither HAR nor NDJSON",
		},
		{
			name:    "NDJSON whose first line has no request",
			input:   `{"response":{"status":200}}` + "\n" + ndjsonGet + "\n",
			wantErr: "in: file is neither HAR nor NDJSON",
		},
		{
			name:    "NDJSON whose first line is not JSON",
			input:   "request GET /a\n" + ndjsonGet + "\n",
			wantErr: "in: file is neither HAR nor NDJSON",
		},
		{
			name:    "pretty-printed exchange",
			input:   "{\n  \"request\": {\"method\": \"GET\", \"url\": \"/a\"}\n}\n",
			wantErr: "in: file is neither HAR nor NDJSON",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries, err := recording.Read(strings.NewReader(tt.input), "in")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Read() error = %v, want one containing %q", err, tt.wantErr)
				}
				if entries != nil {
					t.Errorf("Read() returned %d entries with its error, want none", len(entries))
				}
				return
			}
			if err != nil {
				t.Fatalf("Read() = %v, want no error", err)
			}
			if diff := cmp.Diff(tt.want, entriesOf(entries, tt.want)); diff != "" {
				t.Errorf("Read() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadNDJSONLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want entry
	}{
		{
			name: "header names differing only in case are merged in name order",
			line: `{"request":{"method":"GET","url":"/a","headers":{"x-tag":"b","X-Tag":["a"]}}}`,
			want: entry{Method: "GET", URL: "/a", RequestHeader: header("X-Tag", "a", "X-Tag", "b")},
		},
		{
			name: "pseudo-headers are left out",
			line: `{"request":{"method":"GET","url":"/a","headers":{":authority":"api.example.com","Accept":"*/*"}}}`,
			want: entry{Method: "GET", URL: "/a", RequestHeader: header("Accept", "*/*")},
		},
		{
			name: "base64 request body",
			line: `{"request":{"method":"PUT","url":"/a","body":"AP/+EIA=","bodyEncoding":"base64"}}`,
			want: entry{Method: "PUT", URL: "/a", RequestBody: "\x00\xff\xfe\x10\x80"},
		},
		{
			name: "string body that is JSON text",
			line: `{"request":{"method":"POST","url":"/a","body":"{\"a\":1}"}}`,
			want: entry{Method: "POST", URL: "/a", RequestBody: `{"a":1}`},
		},
		{
			name: "number body is its JSON text",
			line: `{"request":{"method":"POST","url":"/a","body":42}}`,
			want: entry{Method: "POST", URL: "/a", RequestBody: "42"},
		},
		{
			name: "null response is no response",
			line: `{"request":{"method":"GET","url":"/a"},"response":null}`,
			want: entry{Method: "GET", URL: "/a"},
		},
		{
			name: "line that is a JSON array",
			line: `[1,2]`,
			want: entry{Err: "line is not a JSON object"},
		},
		{
			name: "line that is null",
			line: `null`,
			want: entry{Err: "line is not a JSON object"},
		},
		{
			name: "JSON followed by more on the line",
			line: `{"request":{"method":"GET","url":"/a"}} {"request":{"method":"GET","url":"/b"}}`,
			want: entry{Err: "line is not JSON: invalid character '{' after top-level value"},
		},
		{
			name: "request that is not an object",
			line: `{"request":"GET /a"}`,
			want: entry{Err: "request is not a JSON object"},
		},
		{
			name: "method that is not a string",
			line: `{"request":{"method":1,"url":"/a"}}`,
			want: entry{Err: "request method is not a JSON string"},
		},
		{
			name: "missing url",
			line: `{"request":{"method":"GET"}}`,
			want: entry{Method: "GET", Err: "request has no url"},
		},
		{
			name: "url that is neither absolute nor a path",
			line: `{"request":{"method":"GET","url":"mailto:someone@example.com"}}`,
			want: entry{Method: "GET", Err: `request url "mailto:someone@example.com" is neither an absolute URL nor a path`},
		},
		{
			name: "response that is not an object",
			line: `{"request":{"method":"GET","url":"/a"},"response":200}`,
			want: entry{Method: "GET", URL: "/a", Err: "response is not a JSON object"},
		},
		{
			name: "response without status",
			line: `{"request":{"method":"GET","url":"/a"},"response":{"body":"x"}}`,
			want: entry{Method: "GET", URL: "/a", Err: "response has no status"},
		},
		{
			name: "status that is not an integer",
			line: `{"request":{"method":"GET","url":"/a"},"response":{"status":200.5}}`,
			want: entry{Method: "GET", URL: "/a", Err: "response status 200.5 is not an integer in 100..599"},
		},
		{
			name: "status below 100",
			line: `{"request":{"method":"GET","url":"/a"},"response":{"status":0}}`,
			want: entry{Method: "GET", URL: "/a", Err: "response status 0 is not an integer in 100..599"},
		},
		{
			name: "null header value",
			line: `{"request":{"method":"GET","url":"/a"},"response":{"status":200,"headers":{"ETag":null}}}`,
			want: entry{Method: "GET", URL: "/a", Status: 200, Err: `response header "ETag" is not a string or an array of strings`},
		},
		{
			name: "header array with a number",
			line: `{"request":{"method":"GET","url":"/a","headers":{"Accept":["*/*",1]}}}`,
			want: entry{Method: "GET", URL: "/a", Err: `request header "Accept" is not a string or an array of strings`},
		},
		{
			name: "unknown bodyEncoding",
			line: `{"request":{"method":"GET","url":"/a"},"response":{"status":200,"body":"x","bodyEncoding":"gzip"}}`,
			want: entry{Method: "GET", URL: "/a", Status: 200, Err: `response body encoding "gzip" is not supported`},
		},
		{
			name: "base64 bodyEncoding of a body that is not a string",
			line: `{"request":{"method":"POST","url":"/a","body":{"a":1},"bodyEncoding":"base64"}}`,
			want: entry{Method: "POST", URL: "/a", Err: `request body is not a JSON string, as bodyEncoding "base64" needs`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A good first line makes the input NDJSON whatever the line under test.
			input := `{"request":{"method":"GET","url":"/"}}` + "\n" + tt.line + "\n"
			entries, err := recording.Read(strings.NewReader(input), "in")
			if err != nil {
				t.Fatalf("Read() = %v, want no error", err)
			}
			if len(entries) != 2 {
				t.Fatalf("Read() returned %d entries, want 2", len(entries))
			}
			want := tt.want
			want.Source = "in:2"
			if diff := cmp.Diff([]entry{want}, entriesOf(entries[1:], []entry{want})); diff != "" {
				t.Errorf("Read() of line %s mismatch (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}

func TestReadReaderError(t *testing.T) {
	t.Parallel()
	errDisk := errors.New("disk on fire")
	entries, err := recording.Read(iotest.ErrReader(errDisk), "in")
	if !errors.Is(err, errDisk) {
		t.Errorf("Read() error = %v, want %v", err, errDisk)
	}
	if entries != nil {
		t.Errorf("Read() returned %d entries with its error, want none", len(entries))
	}
}
