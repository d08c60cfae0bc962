package proxy_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/proxy"
	"github.com/datashare/datashare/validator/recording"
)

// TestResponsesStream proves that the proxy passes a response on as the upstream writes it:
// the upstream writes a first chunk, flushes it, and writes the rest only once the client has
// received that chunk. A proxy that waited for the whole body would never send the first chunk
// and the exchange would fail at its deadline.
func TestResponsesStream(t *testing.T) {
	t.Parallel()
	items := func(n int) string { return strings.Repeat(`{"n":1},`, n) }
	tests := []struct {
		name          string
		mode          validator.Mode
		maxBody       int64
		path          string
		contentType   string
		first, rest   string
		declareLength bool     // send Content-Length, else the body is chunked
		wantLogs      []logged // violations
		wantWarning   string
	}{
		{
			name: "report mode streams a json response and validates it when it ends",
			mode: validator.Report, path: "/s/items", contentType: "application/json",
			first: `[{"n":1}`, rest: `,{"n":"two"}]`,
			wantLogs: []logged{{"response breaks the contract", http.MethodGet, "/s/items", validator.InBody, "1/n", "type"}},
		},
		{
			name: "enforce mode streams a response that no schema describes",
			mode: validator.Enforce, path: "/s/events", contentType: "text/event-stream",
			first: "data: one\n\n", rest: "data: two\n\n",
		},
		{
			name: "enforce mode streams a json response that turns out larger than the limit",
			mode: validator.Enforce, maxBody: 1 << 10, path: "/s/items", contentType: "application/json",
			first: "[" + items(300), rest: `{"n":2}]`,
			wantWarning: warnResponseTooLarge,
		},
		{
			name: "enforce mode streams a json response declared larger than the limit",
			mode: validator.Enforce, maxBody: 1 << 10, path: "/s/items", contentType: "application/json",
			first: `[{"n":1},`, rest: items(300) + `{"n":2}]`, declareLength: true,
			wantWarning: warnResponseTooLarge,
		},
		{
			name: "off mode streams",
			mode: validator.Off, path: "/s/items", contentType: "application/json",
			first: `[{"n":1}`, rest: `,{"n":"two"}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			received := make(chan struct{}) // closed once the client has the first chunk
			var once sync.Once
			release := func() { once.Do(func() { close(received) }) }
			defer release()

			hs := newHarness(t, setup{contract: streams, mode: tt.mode, maxBody: tt.maxBody}, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				if tt.declareLength {
					w.Header().Set("Content-Length", strconv.Itoa(len(tt.first)+len(tt.rest)))
				}
				io.WriteString(w, tt.first)
				http.NewResponseController(w).Flush()
				select {
				case <-received:
				case <-r.Context().Done():
					return
				}
				io.WriteString(w, tt.rest)
			})

			ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, hs.proxy.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hs.proxy.Client().Do(req)
			if err != nil {
				t.Fatalf("GET %s: %v (the proxy did not pass the first chunk on)", tt.path, err)
			}
			defer resp.Body.Close()
			first := make([]byte, len(tt.first))
			if _, err := io.ReadFull(resp.Body, first); err != nil {
				t.Fatalf("reading the first chunk: %v (the proxy did not pass it on)", err)
			}
			release()
			rest, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("reading the rest of the body: %v", err)
			}
			if got, want := string(first)+string(rest), tt.first+tt.rest; got != want {
				t.Errorf("body = %q, want %q", got, want)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status = %d, want %d", resp.StatusCode, http.StatusOK)
			}
			if diff := cmp.Diff(tt.wantLogs, hs.logs.violations(t)); diff != "" {
				t.Errorf("logged violations (-want +got):\n%s", diff)
			}
			if tt.wantWarning != "" && !hs.logs.has(t, tt.wantWarning) {
				t.Errorf("no %q in the log", tt.wantWarning)
			}
		})
	}
}

// The sizes of the large bodies of the tests: several times DefaultMaxBody. The race detector
// makes each byte that crosses the proxy cost, so only one response is of the larger size.
const (
	largeBody  = 64 << 20
	mediumBody = 3 * proxy.DefaultMaxBody
)

// jsonItems returns a reader of a JSON array of at least size bytes, valid for the streams
// contract.
func jsonItems(size int) io.Reader {
	const item = `{"n":1},`
	n := size / len(item)
	return io.MultiReader(strings.NewReader("["), repeatReader(item, n), strings.NewReader(`{"n":2}]`))
}

// events returns a reader of at least size bytes of server-sent events.
func events(size int) io.Reader {
	const event = "data: a line of an event stream that goes on and on\n\n"
	return repeatReader(event, size/len(event)+1)
}

// randomBytes returns a reader of size bytes that are the same for the same seed.
func randomBytes(size int, seed byte) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{seed}), int64(size))
}

// repeatReader returns a reader of s, n times, without holding them all in memory.
func repeatReader(s string, n int) io.Reader {
	chunk := strings.Repeat(s, max(1, (64<<10)/len(s)))
	per := len(chunk) / len(s)
	var rs []io.Reader
	for ; n >= per; n -= per {
		rs = append(rs, strings.NewReader(chunk))
	}
	rs = append(rs, strings.NewReader(strings.Repeat(s, n)))
	return io.MultiReader(rs...)
}

// TestLargeResponsesFlowIntact sends responses several times larger than the limit through the
// proxy, and compares what the client gets with what the upstream sent by their hashes.
func TestLargeResponsesFlowIntact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		mode          validator.Mode
		path          string
		contentType   string
		size          int
		body          func(size int) io.Reader
		declareLength bool
		wantWarning   string
	}{
		{
			name: "report mode, json of unknown length",
			mode: validator.Report, path: "/s/items", contentType: "application/json",
			size: mediumBody, body: jsonItems,
			wantWarning: warnResponseTooLarge,
		},
		{
			name: "enforce mode, binary of declared length",
			mode: validator.Enforce, path: "/s/blobs/large", contentType: "application/octet-stream",
			size: largeBody, body: func(n int) io.Reader { return randomBytes(n, 1) }, declareLength: true,
			wantWarning: warnResponseTooLarge,
		},
		{
			name: "enforce mode, binary of unknown length",
			mode: validator.Enforce, path: "/s/blobs/large", contentType: "application/octet-stream",
			size: mediumBody, body: func(n int) io.Reader { return randomBytes(n, 2) },
			wantWarning: warnResponseTooLarge,
		},
		{
			name: "enforce mode, events that no schema describes",
			mode: validator.Enforce, path: "/s/events", contentType: "text/event-stream",
			size: mediumBody, body: events,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sent := make(chan []byte, 1) // the hash of what the upstream sent
			hs := newHarness(t, setup{contract: streams, mode: tt.mode, record: true}, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				if tt.declareLength {
					w.Header().Set("Content-Length", strconv.Itoa(tt.size))
				}
				h := sha256.New()
				if _, err := io.Copy(io.MultiWriter(w, h), tt.body(tt.size)); err != nil {
					t.Errorf("upstream: writing the body: %v", err)
				}
				sent <- h.Sum(nil)
			})

			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, hs.proxy.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hs.proxy.Client().Do(req)
			if err != nil {
				t.Fatalf("GET %s: %v", tt.path, err)
			}
			defer resp.Body.Close()
			h := sha256.New()
			n, err := io.Copy(h, resp.Body)
			if err != nil {
				t.Fatalf("reading the body: %v after %d bytes", err, n)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status = %d, want %d", resp.StatusCode, http.StatusOK)
			}
			if n < int64(tt.size) {
				t.Errorf("the client got %d bytes, want at least %d", n, tt.size)
			}
			select {
			case want := <-sent:
				if got := h.Sum(nil); !bytes.Equal(got, want) {
					t.Errorf("the body the client got has the hash %x, want %x: the upstream's", got, want)
				}
			case <-ctx.Done():
				t.Fatal("the upstream did not finish sending")
			}
			if tt.wantWarning != "" && !hs.logs.has(t, tt.wantWarning) {
				t.Errorf("no %q in the log", tt.wantWarning)
			}

			// The exchange is recorded without its body, which is larger than the limit.
			hs.proxy.Close() // waits for the proxy to finish the exchange
			entries, err := recording.ReadFile(hs.har)
			if err != nil {
				t.Fatalf("ReadFile(%s): %v", hs.har, err)
			}
			if len(entries) != 1 {
				t.Fatalf("%d recorded entries, want 1", len(entries))
			}
			if ex := entries[0].Exchange; ex.Status != http.StatusOK || len(ex.ResponseBody) != 0 {
				t.Errorf("recorded status %d and a body of %d bytes, want %d and none", ex.Status, len(ex.ResponseBody), http.StatusOK)
			}
		})
	}
}

// TestLargeRequestBodies sends request bodies larger than the limit: they are forwarded intact,
// without their body being validated, but what else the request carries still is.
func TestLargeRequestBodies(t *testing.T) {
	t.Parallel()
	const maxBody = 64 << 10
	random, err := io.ReadAll(randomBytes(1<<20, 3))
	if err != nil {
		t.Fatal(err)
	}
	items, err := io.ReadAll(jsonItems(1 << 20))
	if err != nil {
		t.Fatal(err)
	}
	// Larger than the limit, within what net/http discards of a body a handler leaves unread.
	book := `{"title":"` + strings.Repeat("a", 3*maxBody) + `","genre":"fiction"}`
	tests := []struct {
		name       string
		contract   string
		req        request
		wantStatus int
		wantHits   int64
	}{
		{
			name:     "binary body of declared length",
			contract: streams,
			req: request{method: http.MethodPut, path: "/s/blobs/large",
				header: map[string]string{"Content-Type": "application/octet-stream"}, body: string(random)},
			wantStatus: http.StatusNoContent,
			wantHits:   1,
		},
		{
			name:     "json body of unknown length",
			contract: streams,
			req: request{method: http.MethodPost, path: "/s/items",
				header: map[string]string{"Content-Type": "application/json"}, body: string(items), unknownLength: true},
			wantStatus: http.StatusNoContent,
			wantHits:   1,
		},
		{
			name:     "body too large to validate does not spare the credentials",
			contract: library,
			req: request{method: http.MethodPost, path: "/v2/books",
				header: map[string]string{"Content-Type": "application/json"}, body: book},
			wantStatus: http.StatusUnauthorized,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hs := newHarness(t, setup{contract: tt.contract, mode: validator.Enforce, maxBody: maxBody}, reply(http.StatusNoContent, nil, ""))
			got := hs.do(t, tt.req)

			if got.status != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", got.status, tt.wantStatus, got.body)
			}
			if !hs.logs.has(t, warnRequestTooLarge) {
				t.Errorf("no %q in the log", warnRequestTooLarge)
			}
			reqs := hs.up.requests()
			if int64(len(reqs)) != tt.wantHits {
				t.Fatalf("the upstream got %d requests, want %d", len(reqs), tt.wantHits)
			}
			if len(reqs) == 1 && reqs[0].Body != tt.req.body {
				t.Errorf("the upstream got a body of %d bytes that differs from the %d the client sent", len(reqs[0].Body), len(tt.req.body))
			}
		})
	}
}
