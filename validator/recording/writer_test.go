package recording_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/recording"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", s, err)
	}
	return u
}

// exchangeOf returns the exchange of an entry as the tests compare it.
func exchangeOf(ex validator.Exchange) entry {
	return entriesOf([]recording.Entry{{Exchange: ex}}, nil)[0]
}

// mustAppend appends ex to w and checks that the file is a complete JSON document after it.
func mustAppend(t *testing.T, w *recording.HARWriter, path string, ex validator.Exchange, result *validator.Result) {
	t.Helper()
	started := time.Date(2024, 5, 14, 9, 12, 3, 871_000_000, time.UTC)
	if err := w.Append(ex, started, 12500*time.Microsecond, result); err != nil {
		t.Fatalf("Append(): %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("%s is not valid JSON after Append:\n%s", path, b)
	}
}

func TestHARWriterRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ex   validator.Exchange
	}{
		{
			name: "query, repeated headers and a JSON response",
			ex: validator.Exchange{
				Method:         http.MethodGet,
				URL:            mustURL(t, "https://api.example.com/v1/books?limit=2&tag=a&tag=b%26c"),
				RequestHeader:  header("Accept", "application/json", "Accept", "text/plain", "X-Branch", "ROM"),
				Status:         http.StatusOK,
				ResponseHeader: header("Content-Type", "application/json", "Vary", "Accept", "Vary", "Origin"),
				ResponseBody:   []byte(`[{"id":"1","title":"<SPQR> & co"}]`),
			},
		},
		{
			name: "binary request and response bodies",
			ex: validator.Exchange{
				Method:         http.MethodPut,
				URL:            mustURL(t, "http://localhost:8080/v1/books/1/cover"),
				RequestHeader:  header("Content-Type", "image/png"),
				RequestBody:    []byte("\x89PNG\r\n\x1a\n\x00\xff"),
				Status:         http.StatusCreated,
				ResponseHeader: header("Content-Type", "application/octet-stream"),
				ResponseBody:   []byte{0, 0xfe, 0x80, 'a'},
			},
		},
		{
			name: "a form request body without Content-Type",
			ex: validator.Exchange{
				Method:      http.MethodPost,
				URL:         mustURL(t, "https://shop.example.com/search"),
				RequestBody: []byte("title=Emma&genre=fiction"),
				Status:      http.StatusSeeOther,
				ResponseHeader: header(
					"Location", "/search/results/42",
				),
			},
		},
		{
			name: "no response",
			ex: validator.Exchange{
				Method:        http.MethodDelete,
				URL:           mustURL(t, "https://api.example.com/v1/books/1"),
				RequestHeader: header("X-Branch", "ROM"),
			},
		},
		{
			name: "a path without host and a response without headers or body",
			ex: validator.Exchange{
				Method: http.MethodHead,
				URL:    mustURL(t, "/v1/health"),
				Status: http.StatusNoContent,
			},
		},
		{
			name: "UTF-8 bodies with characters that JSON escapes",
			ex: validator.Exchange{
				Method:         http.MethodPost,
				URL:            mustURL(t, "https://api.example.com/v1/notes"),
				RequestHeader:  header("Content-Type", "text/plain; charset=utf-8"),
				RequestBody:    []byte("line 1\nline 2\t\"quoted\" \\ \u2028 é 😀"),
				Status:         http.StatusOK,
				ResponseHeader: header("Content-Type", "text/plain; charset=utf-8"),
				ResponseBody:   []byte("\x00\x01 control"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "traffic.har")
			w, err := recording.OpenHAR(path, "validating-proxy", "1.0.0")
			if err != nil {
				t.Fatalf("OpenHAR(): %v", err)
			}
			mustAppend(t, w, path, tt.ex, nil)
			if err := w.Close(); err != nil {
				t.Fatalf("Close(): %v", err)
			}
			entries, err := recording.ReadFile(path)
			if err != nil {
				t.Fatalf("ReadFile(): %v", err)
			}
			want := exchangeOf(tt.ex)
			want.Source = path + "#1"
			if diff := cmp.Diff([]entry{want}, entriesOf(entries, nil)); diff != "" {
				t.Errorf("ReadFile() of what Append wrote mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHARWriterEntry(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "traffic.har")
	w, err := recording.OpenHAR(path, "validating-proxy", "1.0.0")
	if err != nil {
		t.Fatalf("OpenHAR(): %v", err)
	}
	ex := validator.Exchange{
		Method:         http.MethodPost,
		URL:            mustURL(t, "https://api.example.com/v1/books?dryRun=true&tag=a%20b"),
		RequestHeader:  header("Content-Type", "application/json"),
		RequestBody:    []byte(`{"title":""}`),
		Status:         http.StatusBadRequest,
		ResponseHeader: header("Content-Type", "application/problem+json", "Location", "/v1/books"),
		ResponseBody:   []byte(`{"title":"Bad Request"}`),
	}
	result := &validator.Result{
		Request: []validator.Violation{{In: validator.InBody, Target: "title", Keyword: "minLength", Reason: "must be at least 1 character long"}},
		Response: []validator.Violation{
			{In: validator.InStatus, Target: "400", Keyword: validator.KeywordStatus, Reason: "is not a status the operation documents"},
			{In: validator.InBody, Keyword: validator.KeywordMalformed, Reason: "is not valid JSON"},
		},
	}
	mustAppend(t, w, path, ex, result)
	mustAppend(t, w, path, ex, &validator.Result{})
	mustAppend(t, w, path, ex, nil)
	if err := w.Close(); err != nil {
		t.Fatalf("Close(): %v", err)
	}

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Version string
			Creator struct{ Name, Version string }
			Entries []map[string]any
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	if doc.Log.Version != "1.2" || doc.Log.Creator.Name != "validating-proxy" || doc.Log.Creator.Version != "1.0.0" {
		t.Errorf("log version %q, creator %+v; want 1.2, {validating-proxy 1.0.0}", doc.Log.Version, doc.Log.Creator)
	}
	if len(doc.Log.Entries) != 3 {
		t.Fatalf("%s has %d entries, want 3", path, len(doc.Log.Entries))
	}

	// Fields that a HAR viewer needs.
	first := doc.Log.Entries[0]
	pick := func(m map[string]any, keys ...string) map[string]any {
		out := map[string]any{}
		for _, k := range keys {
			out[k] = m[k]
		}
		return out
	}
	gotFields := pick(first, "startedDateTime", "time", "cache", "timings", "_violations")
	gotFields["request"] = pick(first["request"].(map[string]any), "httpVersion", "cookies", "queryString", "headersSize", "bodySize", "postData")
	gotFields["response"] = pick(first["response"].(map[string]any), "status", "statusText", "httpVersion", "cookies", "redirectURL", "content", "headersSize", "bodySize")
	wantFields := map[string]any{
		"startedDateTime": "2024-05-14T09:12:03.871Z",
		"time":            12.5,
		"cache":           map[string]any{},
		"timings":         map[string]any{"send": 0.0, "wait": 12.5, "receive": 0.0},
		"_violations": []any{
			map[string]any{"side": "request", "in": "body", "target": "title", "keyword": "minLength", "reason": "must be at least 1 character long"},
			map[string]any{"side": "response", "in": "status", "target": "400", "keyword": "status", "reason": "is not a status the operation documents"},
			map[string]any{"side": "response", "in": "body", "target": "", "keyword": "malformed", "reason": "is not valid JSON"},
		},
		"request": map[string]any{
			"httpVersion": "HTTP/1.1",
			"cookies":     []any{},
			"queryString": []any{
				map[string]any{"name": "dryRun", "value": "true"},
				map[string]any{"name": "tag", "value": "a b"},
			},
			"headersSize": -1.0,
			"bodySize":    -1.0,
			"postData":    map[string]any{"mimeType": "application/json", "text": `{"title":""}`},
		},
		"response": map[string]any{
			"status":      400.0,
			"statusText":  "Bad Request",
			"httpVersion": "HTTP/1.1",
			"cookies":     []any{},
			"redirectURL": "/v1/books",
			"content":     map[string]any{"size": 23.0, "mimeType": "application/problem+json", "text": `{"title":"Bad Request"}`},
			"headersSize": -1.0,
			"bodySize":    -1.0,
		},
	}
	if diff := cmp.Diff(wantFields, gotFields); diff != "" {
		t.Errorf("first entry of %s mismatch (-want +got):\n%s", path, diff)
	}

	// _violations: an empty list for an exchange without violations, absent when unchecked.
	if got, ok := doc.Log.Entries[1]["_violations"]; !ok || !cmp.Equal(got, []any{}) {
		t.Errorf("_violations of an exchange without violations = %v (present: %t), want []", got, ok)
	}
	if got, ok := doc.Log.Entries[2]["_violations"]; ok {
		t.Errorf("_violations of an exchange without result = %v, want none", got)
	}
}

func TestHARWriterContinuesItsFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "traffic.har")
	get := func(p string) validator.Exchange {
		return validator.Exchange{Method: http.MethodGet, URL: mustURL(t, "https://api.example.com"+p), Status: http.StatusOK}
	}

	// Opened and closed without entries, then continued twice.
	var want []entry
	for i, paths := range [][]string{{}, {"/a", "/b"}, {"/c"}} {
		w, err := recording.OpenHAR(path, "validating-proxy", "1.0.0")
		if err != nil {
			t.Fatalf("OpenHAR() #%d: %v", i+1, err)
		}
		for _, p := range paths {
			mustAppend(t, w, path, get(p), nil)
			e := exchangeOf(get(p))
			e.Source = fmt.Sprintf("%s#%d", path, len(want)+1)
			want = append(want, e)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close() #%d: %v", i+1, err)
		}
	}
	entries, err := recording.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile(): %v", err)
	}
	if diff := cmp.Diff(want, entriesOf(entries, nil)); diff != "" {
		t.Errorf("ReadFile() of a continued file mismatch (-want +got):\n%s", diff)
	}
}

func TestOpenHARExistingFiles(t *testing.T) {
	t.Parallel()
	chrome, err := os.ReadFile("testdata/chrome.har")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		contents string
		wantErr  bool
	}{
		{name: "an empty file is written as a new one", contents: ""},
		{name: "a browser export is refused", contents: string(chrome), wantErr: true},
		{name: "an HAR on one line is refused", contents: `{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[]}}`, wantErr: true},
		{name: "a text file is refused", contents: "hello\n", wantErr: true},
		{
			name:     "a file with the closing but not the start of OpenHAR is refused",
			contents: `{"log":{"entries":[` + "\n]}}\n",
			wantErr:  true,
		},
		{
			name:     "a file that OpenHAR wrote, cut after an entry, is refused",
			contents: `{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[` + "\n" + `{"request":{}}`,
			wantErr:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "existing.har")
			if err := os.WriteFile(path, []byte(tt.contents), 0o600); err != nil {
				t.Fatal(err)
			}
			w, err := recording.OpenHAR(path, "validating-proxy", "1.0.0")
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), path) {
					t.Errorf("OpenHAR() error = %v, want one naming %s", err, path)
				}
				if w != nil {
					t.Errorf("OpenHAR() returned a writer with its error")
				}
				if b, _ := os.ReadFile(path); string(b) != tt.contents {
					t.Errorf("OpenHAR() changed the file it refused:\n%s", b)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenHAR() = %v, want no error", err)
			}
			mustAppend(t, w, path, validator.Exchange{Method: http.MethodGet, URL: mustURL(t, "/a")}, nil)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if entries, err := recording.ReadFile(path); err != nil || len(entries) != 1 {
				t.Errorf("ReadFile() = %d entries, %v; want 1, no error", len(entries), err)
			}
		})
	}
}

func TestHARWriterConcurrentAppends(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "traffic.har")
	w, err := recording.OpenHAR(path, "validating-proxy", "1.0.0")
	if err != nil {
		t.Fatalf("OpenHAR(): %v", err)
	}
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ex := validator.Exchange{
				Method:       http.MethodGet,
				URL:          &url.URL{Scheme: "https", Host: "api.example.com", Path: fmt.Sprintf("/v1/books/%d", i)},
				Status:       http.StatusOK,
				ResponseBody: []byte(strings.Repeat("x", i*100)),
			}
			if err := w.Append(ex, time.Now(), time.Millisecond, nil); err != nil {
				t.Errorf("Append() #%d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatalf("Close(): %v", err)
	}
	entries, err := recording.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile(): %v", err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Err != nil {
			t.Errorf("entry %s: %v", e.Source, e.Err)
			continue
		}
		seen[e.Exchange.URL.Path] = true
	}
	if len(entries) != n || len(seen) != n {
		t.Errorf("ReadFile() = %d entries for %d paths, want %d of each", len(entries), len(seen), n)
	}
}

func TestHARWriterAppendAfterClose(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "traffic.har")
	w, err := recording.OpenHAR(path, "validating-proxy", "1.0.0")
	if err != nil {
		t.Fatalf("OpenHAR(): %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close(): %v", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	err = w.Append(validator.Exchange{Method: http.MethodGet, URL: mustURL(t, "/a")}, time.Now(), 0, nil)
	if !errors.Is(err, os.ErrClosed) {
		t.Errorf("Append() after Close() = %v, want %v", err, os.ErrClosed)
	}
}
