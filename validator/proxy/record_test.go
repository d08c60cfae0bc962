package proxy_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/proxy"
	"github.com/datashare/datashare/validator/recording"
)

// libraryUpstream answers the library contract, in its own way:
//   - GET /v2/status: valid;
//   - GET /v2/books: a body that breaks the contract;
//   - GET /v2/books/{id}: no answer at all (the connection is dropped);
//   - DELETE /v2/books/{id}: a status the contract does not document;
//   - PATCH /v2/books/{id}: a valid book, in gzip whatever the request asks for;
//   - POST /v2/loans: the loan of the request, echoed.
func libraryUpstream(w http.ResponseWriter, r *http.Request) {
	asJSON := map[string]string{"Content-Type": "application/json"}
	switch {
	case r.URL.Path == "/v2/status":
		reply(http.StatusOK, asJSON, `{"status":"open"}`)(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/v2/books":
		reply(http.StatusOK, map[string]string{"Content-Type": "application/json", "X-Rate-Limit": "41"}, invalidList)(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v2/books/"):
		panic(http.ErrAbortHandler)
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v2/books/"):
		reply(http.StatusTeapot, asJSON, `{"status":"teapot"}`)(w, r)
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/v2/books/"):
		reply(http.StatusOK, map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}, gzippedBook)(w, r)
	case r.URL.Path == "/v2/loans":
		body, _ := io.ReadAll(r.Body)
		reply(http.StatusCreated, asJSON, string(body))(w, r)
	default:
		reply(http.StatusInternalServerError, asJSON, `{"code":"unexpected","message":"unexpected request"}`)(w, r)
	}
}

var gzippedBook = gzipped(validBook)

// recorded is the part of a recorded exchange that the tests compare.
type recorded struct {
	Method, Path              string
	Status                    int
	RequestBody, ResponseBody string
}

// harViolation is a violation as HARWriter writes it in "_violations".
type harViolation struct {
	Side, In, Target, Keyword string
}

// readRecording reads the exchanges of a HAR file with recording.ReadFile, and the violations
// of each by decoding the file itself; both in the order of the file.
func readRecording(t testing.TB, path string) ([]recorded, []*[]harViolation) {
	t.Helper()
	entries, err := recording.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", path, err)
	}
	var exchanges []recorded
	for _, e := range entries {
		if e.Err != nil {
			t.Fatalf("%s: %v", e.Source, e.Err)
		}
		ex := e.Exchange
		exchanges = append(exchanges, recorded{ex.Method, ex.URL.Path, ex.Status, string(ex.RequestBody), string(ex.ResponseBody)})
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Entries []struct {
				Violations *[]harViolation `json:"_violations"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(raw, &har); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	var violations []*[]harViolation
	for _, e := range har.Log.Entries {
		violations = append(violations, e.Violations)
	}
	if len(violations) != len(exchanges) {
		t.Fatalf("%s: %d entries with violations, %d exchanges", path, len(violations), len(exchanges))
	}
	return exchanges, violations
}

func TestRecording(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, setup{mode: validator.Enforce, record: true}, libraryUpstream)
	withJSON := authorized("Content-Type", "application/json")
	tests := []struct {
		name           string
		req            request
		wantStatus     int // at the client
		want           recorded
		wantViolations []harViolation
		// proxyAnswers: the response is the proxy's own, recorded as the client got it.
		proxyAnswers bool
	}{
		{
			name:       "forwarded",
			req:        request{method: http.MethodGet, path: "/v2/status"},
			wantStatus: http.StatusOK,
			want:       recorded{http.MethodGet, "/v2/status", http.StatusOK, "", `{"status":"open"}`},
		},
		{
			name:       "forwarded with a request body",
			req:        request{method: http.MethodPost, path: "/v2/loans", header: withJSON, body: validLoan},
			wantStatus: http.StatusCreated,
			want:       recorded{http.MethodPost, "/v2/loans", http.StatusCreated, validLoan, validLoan},
		},
		{
			name:       "forwarded in gzip, recorded decompressed",
			req:        request{method: http.MethodPatch, path: "/v2/books/" + bookID, header: withJSON, body: `{"title":"Baudolino"}`},
			wantStatus: http.StatusOK,
			want:       recorded{http.MethodPatch, "/v2/books/" + bookID, http.StatusOK, `{"title":"Baudolino"}`, validBook},
		},
		{
			name: "refused",
			req: request{method: http.MethodPost, path: "/v2/books",
				header: map[string]string{"Content-Type": "application/json"}, body: newBook},
			wantStatus:     http.StatusUnauthorized,
			want:           recorded{Method: http.MethodPost, Path: "/v2/books", Status: http.StatusUnauthorized, RequestBody: newBook},
			wantViolations: []harViolation{{"request", validator.InSecurity, "Authorization", validator.KeywordSecurity}},
			proxyAnswers:   true,
		},
		{
			name:       "replaced, recorded as the upstream sent it",
			req:        request{method: http.MethodGet, path: "/v2/books", header: authorized("X-Branch", "ABC")},
			wantStatus: http.StatusBadGateway,
			want:       recorded{http.MethodGet, "/v2/books", http.StatusOK, "", invalidList},
			wantViolations: []harViolation{
				{"response", validator.InBody, "items/0/id", "format"},
				{"response", validator.InBody, "items/0/title", "type"},
			},
		},
		{
			name:         "upstream failed",
			req:          request{method: http.MethodGet, path: "/v2/books/" + bookID, header: map[string]string{"X-API-Key": apiKey}},
			wantStatus:   http.StatusBadGateway,
			want:         recorded{Method: http.MethodGet, Path: "/v2/books/" + bookID, Status: http.StatusBadGateway},
			proxyAnswers: true,
		},
	}
	var want []recorded
	wantViolations := map[string][]harViolation{}
	for _, tt := range tests {
		got := hs.do(t, tt.req)
		if got.status != tt.wantStatus {
			t.Errorf("%s: status = %d, want %d; body %s", tt.name, got.status, tt.wantStatus, got.body)
		}
		w := tt.want
		if tt.proxyAnswers {
			if got.header.Get("X-Rendered-By") != "test" {
				t.Errorf("%s: the answer was not rendered by RenderError: header %v", tt.name, got.header)
			}
			w.ResponseBody = string(got.body)
		}
		want = append(want, w)
		wantViolations[w.Method+" "+w.Path] = append([]harViolation{}, tt.wantViolations...)
	}
	hs.proxy.Close() // waits for the proxy to finish every exchange

	got, violations := readRecording(t, hs.har)
	gotViolations := map[string][]harViolation{}
	for i, vs := range violations {
		if vs == nil {
			t.Errorf("entry %d (%s %s) has no _violations", i+1, got[i].Method, got[i].Path)
			continue
		}
		gotViolations[got[i].Method+" "+got[i].Path] = *vs
	}
	// An exchange is recorded when it ends, which the client may see before the proxy does.
	byRequest := func(a, b recorded) int { return strings.Compare(a.Method+" "+a.Path, b.Method+" "+b.Path) }
	slices.SortFunc(want, byRequest)
	slices.SortFunc(got, byRequest)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recorded exchanges (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantViolations, gotViolations); diff != "" {
		t.Errorf("recorded violations (-want +got):\n%s", diff)
	}
}

func TestOffModeForwardsAndRecordsWithoutValidating(t *testing.T) {
	t.Parallel()
	// A request and a response that both break the contract.
	hs := newHarness(t, setup{mode: validator.Off, record: true},
		reply(http.StatusCreated, map[string]string{"Content-Type": "application/json"}, invalidBook))
	req := request{method: http.MethodPost, path: "/v2/books", header: map[string]string{"Content-Type": "application/json"}, body: invalidBook}
	got := hs.do(t, req)

	if got.status != http.StatusCreated || string(got.body) != invalidBook {
		t.Errorf("got %d %s, want %d %s: the upstream's", got.status, got.body, http.StatusCreated, invalidBook)
	}
	if logs := hs.logs.violations(t); len(logs) > 0 {
		t.Errorf("violations logged in Off mode: %v", logs)
	}
	hs.proxy.Close()
	exchanges, violations := readRecording(t, hs.har)
	want := []recorded{{http.MethodPost, "/v2/books", http.StatusCreated, invalidBook, invalidBook}}
	if diff := cmp.Diff(want, exchanges); diff != "" {
		t.Errorf("recorded exchanges (-want +got):\n%s", diff)
	}
	if len(violations) == 1 && violations[0] != nil {
		t.Errorf("recorded _violations %v, want none: nothing was validated", *violations[0])
	}
}

// TestConcurrentClients sends the exchanges of many clients at once through one proxy that
// records them, and checks that each is answered and recorded as its own.
func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	const clients = 32
	hs := newHarness(t, setup{mode: validator.Enforce, record: true}, libraryUpstream)

	type kind struct {
		req        func(client int) request
		wantStatus int
	}
	kinds := []kind{
		{func(int) request { return request{method: http.MethodGet, path: "/v2/status"} }, http.StatusOK},
		{func(c int) request {
			return request{method: http.MethodPost, path: "/v2/books",
				header: map[string]string{"Content-Type": "application/json"}, body: fmt.Sprintf(`{"title":"client %d","genre":"fiction"}`, c)}
		}, http.StatusUnauthorized},
		{func(int) request {
			return request{method: http.MethodGet, path: "/v2/books", header: authorized("X-Branch", "ABC")}
		}, http.StatusBadGateway},
		{func(c int) request {
			return request{method: http.MethodPost, path: "/v2/loans", header: authorized("Content-Type", "application/json"),
				body: fmt.Sprintf(`{"bookId":"%s","member":{"name":"client %d","card":%d}}`, bookID, c, c+1)}
		}, http.StatusCreated},
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range kinds {
				k := kinds[(c+i)%len(kinds)]
				req := k.req(c)
				got := hs.do(t, req)
				if got.status != k.wantStatus {
					t.Errorf("client %d: %s %s: status = %d, want %d; body %s", c, req.method, req.path, got.status, k.wantStatus, got.body)
				}
				if req.path == "/v2/loans" && string(got.body) != req.body {
					t.Errorf("client %d: got the loan %s, want its own %s", c, got.body, req.body)
				}
			}
		})
	}
	wg.Wait()
	hs.proxy.Close()

	exchanges, violations := readRecording(t, hs.har)
	counts := map[string]int{}
	for i, ex := range exchanges {
		counts[ex.Method+" "+ex.Path+" "+strconv.Itoa(ex.Status)]++
		if ex.Method == http.MethodPost && ex.RequestBody == "" {
			t.Errorf("entry %d: %s %s recorded without its request body", i+1, ex.Method, ex.Path)
		}
		if ex.Path == "/v2/loans" && ex.ResponseBody != ex.RequestBody {
			t.Errorf("entry %d: recorded the response %s to the loan %s", i+1, ex.ResponseBody, ex.RequestBody)
		}
		if violations[i] == nil {
			t.Errorf("entry %d: no _violations", i+1)
		}
	}
	want := map[string]int{
		"GET /v2/status 200": clients,
		"POST /v2/books 401": clients,
		"GET /v2/books 200":  clients, // as the upstream sent it, before the proxy replaced it
		"POST /v2/loans 201": clients,
	}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("recorded exchanges by request and status (-want +got):\n%s", diff)
	}
}

// BenchmarkProxy measures a valid JSON exchange through the proxy, a request body and a
// response body both validated, with an upstream in memory.
func BenchmarkProxy(b *testing.B) {
	for _, mode := range []validator.Mode{validator.Enforce, validator.Report} {
		b.Run(mode.String(), func(b *testing.B) {
			upstream := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if _, err := io.Copy(io.Discard, r.Body); err != nil {
					return nil, err
				}
				return &http.Response{
					StatusCode: http.StatusCreated, Status: "201 Created", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
					Header:        http.Header{"Content-Type": {"application/json"}},
					Body:          io.NopCloser(strings.NewReader(validLoan)),
					ContentLength: int64(len(validLoan)),
					Request:       r,
				}, nil
			})
			p, err := proxy.New(proxy.Config{
				Validator:   newValidator(b, library),
				Upstream:    &url.URL{Scheme: "http", Host: "library.test"},
				Mode:        mode,
				RenderError: renderError,
				Transport:   upstream,
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/v2/loans", strings.NewReader(validLoan))
				req.Header.Set("Authorization", bearer)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				p.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					b.Fatalf("status = %d, want %d; body %s", rec.Code, http.StatusCreated, rec.Body)
				}
			}
		})
	}
}
