package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// startProxy runs `datashare proxy` with args and returns the URL it announces, a function
// that cancels its context and returns what run returned, and its log. The test ends the proxy
// if it did not.
func startProxy(t *testing.T, args ...string) (proxyURL string, stop func() error, log *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	log = &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"datashare", "proxy"}, args...), env(nil), stdoutW, log)
		stdoutW.Close()
	}()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				runErr = context.DeadlineExceeded
				t.Errorf("run() did not return within 10 s of the cancellation")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("run() after cancel = %v; want nil (graceful shutdown)", err)
		}
	})

	lines := bufio.NewScanner(stdoutR)
	if !lines.Scan() {
		t.Fatalf("run printed nothing on stdout; stderr:\n%s", log)
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	announced, ok := strings.CutPrefix(lines.Text(), "datashare proxying ")
	proxyURL, upstream, ok2 := strings.Cut(announced, " to ")
	if !ok || !ok2 || !strings.HasPrefix(proxyURL, "http://") || upstream == "" {
		t.Fatalf("stdout = %q; want \"datashare proxying http://<addr> to <upstream>\"", lines.Text())
	}
	return proxyURL, stop, log
}

// libraryUpstream is a server that implements part of library.yaml, and breaks it on purpose
// on GET /v2/books/{bookId}. It counts the requests that reach it by method and path.
type libraryUpstream struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func newLibraryUpstream(t *testing.T) *libraryUpstream {
	t.Helper()
	u := &libraryUpstream{hits: map[string]int{}}
	writeJSON := func(w http.ResponseWriter, status int, body any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "open"})
	})
	mux.HandleFunc("GET /v2/books", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Rate-Limit", "42")
		writeJSON(w, http.StatusOK, map[string]any{"items": []any{book()}})
	})
	mux.HandleFunc("POST /v2/books", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Title any `json:"title"`
			Genre any `json:"genre"`
		}
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": "BadRequest", "message": "The body is not JSON."})
			return
		}
		title, ok := b.Title.(string)
		if !ok || title == "" || b.Genre == nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": "BadRequest", "message": "A book needs a title and a genre."})
			return
		}
		w.Header().Set("Location", "http://"+r.Host+"/v2/books/"+bookID)
		w.Header().Set("X-Rate-Limit", "41")
		writeJSON(w, http.StatusCreated, map[string]any{"id": bookID, "title": title, "genre": b.Genre})
	})
	mux.HandleFunc("GET /v2/books/{bookId}", func(w http.ResponseWriter, r *http.Request) {
		// Broken on purpose: a genre outside the enumeration and a property Book lacks.
		writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("bookId"), "title": "Leaves of Grass", "genre": "poetry", "isbn": "9780140421996"})
	})
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.hits[r.Method+" "+r.URL.Path]++
		u.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *libraryUpstream) hitCount(method, path string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits[method+" "+path]
}

// graphEnvelope is Graph's error envelope, as the proxy answers with it.
type graphEnvelope struct {
	Error *struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError *struct {
			Date            string `json:"date"`
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// send sends a request and returns the status and body of the answer.
func send(t *testing.T, method, url string, header map[string]string, body string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range header {
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, b
}

// TestProxyLibrary runs the proxy with library.yaml in front of an upstream that breaks the
// contract on one path, in both modes, then validates what it recorded.
func TestProxyLibrary(t *testing.T) {
	t.Parallel()
	const (
		validBook   = `{"title":"The Go Programming Language","genre":"science"}`
		invalidBook = `{"title":42}`
	)
	type step struct {
		name       string
		method     string
		path       string
		header     map[string]string
		body       string
		wantStatus int
		// wantCode is the code of Graph's error envelope the proxy answers with itself; ""
		// when the answer is the upstream's.
		wantCode string
	}
	steps := func(mode string) []step {
		s := []step{
			{name: "an open operation", method: "GET", path: "/v2/status", wantStatus: 200},
			{name: "a list", method: "GET", path: "/v2/books?genre=science",
				header: map[string]string{"Authorization": "Bearer librarian", "X-Branch": "LON"}, wantStatus: 200},
			{name: "a valid create", method: "POST", path: "/v2/books",
				header: map[string]string{"Authorization": "Bearer librarian", "Content-Type": "application/json"}, body: validBook, wantStatus: 201},
			{name: "an invalid create", method: "POST", path: "/v2/books",
				header: map[string]string{"Authorization": "Bearer librarian", "Content-Type": "application/json"}, body: invalidBook, wantStatus: 400},
			{name: "a read the upstream answers against the contract", method: "GET", path: "/v2/books/" + bookID,
				header: map[string]string{"X-API-Key": "k3y"}, wantStatus: 200},
		}
		if mode == "enforce" {
			s[3].wantCode = "BadRequest"
			s[4].wantStatus, s[4].wantCode = 502, "BadGateway"
		}
		return s
	}

	tests := []struct {
		mode string
		// wantUpstreamCreates is how many creates reach the upstream.
		wantUpstreamCreates int
		// wantLog lists what the log of the proxy says.
		wantLog []string
		// wantBroken lists the violations, side in target, that validate finds in the
		// recording, by method, path and recorded status.
		wantBroken map[string][]string
	}{
		{
			mode:                "report",
			wantUpstreamCreates: 2,
			wantLog:             []string{"request breaks the contract", "response breaks the contract", "mode=report"},
			wantBroken: map[string][]string{
				"POST /v2/books 400":               {"request body genre", "request body title"},
				"GET /v2/books/" + bookID + " 200": {"response body genre", "response body isbn"},
			},
		},
		{
			mode:                "enforce",
			wantUpstreamCreates: 1,
			wantLog:             []string{"request breaks the contract", "response breaks the contract", "mode=enforce"},
			wantBroken: map[string][]string{
				// The proxy's own answer is in Graph's envelope, which library.yaml's Error is not.
				"POST /v2/books 400": {"request body genre", "request body title",
					"response body code", "response body error", "response body message"},
				"GET /v2/books/" + bookID + " 200": {"response body genre", "response body isbn"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			upstream := newLibraryUpstream(t)
			record := filepath.Join(t.TempDir(), "traffic.har")
			proxyURL, stop, log := startProxy(t, "--upstream", upstream.URL, "--addr", "127.0.0.1:0",
				"--spec", librarySpec, "--mode", tt.mode, "--record", record)

			for _, s := range steps(tt.mode) {
				status, header, body := send(t, s.method, proxyURL+s.path, s.header, s.body)
				if status != s.wantStatus {
					t.Errorf("%s: %s %s: status = %d; want %d; body: %s", s.name, s.method, s.path, status, s.wantStatus, body)
				}
				if s.wantCode == "" {
					continue
				}
				if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("%s: Content-Type = %q; want application/json", s.name, ct)
				}
				var env graphEnvelope
				if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
					t.Errorf("%s: body %s is not Graph's error envelope (%v)", s.name, body, err)
					continue
				}
				if env.Error.Code != s.wantCode || env.Error.Message == "" {
					t.Errorf("%s: error code %q, message %q; want code %q and a message", s.name, env.Error.Code, env.Error.Message, s.wantCode)
				}
				if ie := env.Error.InnerError; ie == nil || ie.RequestID == "" || ie.RequestID != header.Get("request-id") {
					t.Errorf("%s: innerError = %+v; want the request-id of the answer, %q", s.name, ie, header.Get("request-id"))
				}
			}
			if got := upstream.hitCount("POST", "/v2/books"); got != tt.wantUpstreamCreates {
				t.Errorf("creates that reached the upstream = %d; want %d", got, tt.wantUpstreamCreates)
			}

			if err := stop(); err != nil {
				t.Fatalf("run() after cancel = %v; want nil (graceful shutdown)", err)
			}
			for _, want := range tt.wantLog {
				if !strings.Contains(log.String(), want) {
					t.Errorf("the log lacks %q:\n%s", want, log)
				}
			}

			got := runCLI(t, nil, "validate", "--spec", librarySpec, "--format", "json", record)
			if got.code != 1 {
				t.Errorf("validate of the recording: exit code = %d; want 1; stderr:\n%s%s", got.code, got.stderr, got.msg)
			}
			r := decodeReport(t, got.stdout)
			if r.Exchanges != len(steps(tt.mode)) || r.Malformed != 0 {
				t.Errorf("validate read %d exchanges, %d malformed; want %d and none", r.Exchanges, r.Malformed, len(steps(tt.mode)))
			}
			// The proxy records an exchange when it ends, so the order of the recording is
			// not that of the requests: compare by method, path and status.
			broken := map[string][]string{}
			for _, res := range r.Results {
				if res.OK {
					continue
				}
				key := res.Method + " " + res.Path + " " + strconv.Itoa(res.Status)
				for _, v := range res.Violations {
					broken[key] = append(broken[key], v.Side+" "+v.In+" "+v.Target)
				}
				slices.Sort(broken[key])
			}
			if diff := cmp.Diff(tt.wantBroken, broken); diff != "" {
				t.Errorf("violations in the recording (-want +got):\n%s\nreport:\n%s", diff, got.stdout)
			}
		})
	}
}

// TestProxyGraph runs the proxy with the embedded contract in front of the contract server:
// the traffic of a client that keeps the contract crosses it unchanged and its recording
// validates.
func TestProxyGraph(t *testing.T) {
	t.Parallel()
	base, _ := startServe(t, nil, "--addr", "127.0.0.1:0")
	record := filepath.Join(t.TempDir(), "graph.har")
	proxyURL, stop, log := startProxy(t, "--upstream", strings.TrimSuffix(base, "/beta"), "--addr", "127.0.0.1:0",
		"--mode", "enforce", "--record", record)

	flows := proxyURL + "/beta/industryData/dataShareOutgoingFlows"
	auth := map[string]string{"Authorization": "Bearer e2e"}
	withAuth := func(kv ...string) map[string]string {
		h := map[string]string{"Authorization": "Bearer e2e"}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}

	status, header, body := send(t, "POST", flows, withAuth("Content-Type", "application/json", "client-request-id", "8f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"),
		`{"@odata.type":"#microsoft.graph.industryData.dataShareOutgoingFlow","displayName":"Contoso student records","readinessStatus":"notReady",`+
			`"inviteeUserIds":["`+inviteeID+`"],"sharingState":"pending","shareName":"contoso_student_records"}`)
	if status != http.StatusCreated {
		t.Fatalf("create: status = %d; want 201; body: %s", status, body)
	}
	var created struct {
		ID   string `json:"id"`
		ETag string `json:"eTag"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.ID == "" {
		t.Fatalf("create: body %s has no id (%v)", body, err)
	}
	if got := header.Get("client-request-id"); got != "8f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b" {
		t.Errorf("create: client-request-id = %q; want the one sent", got)
	}
	flow := flows + "/" + created.ID

	for _, s := range []struct {
		name       string
		method     string
		url        string
		header     map[string]string
		body       string
		wantStatus int
	}{
		{"list", "GET", flows + "?$top=5&$count=true", auth, "", 200},
		{"count", "GET", flows + "/$count", auth, "", 200},
		{"read", "GET", flow + "?$select=displayName,sharingState", auth, "", 200},
		{"read if changed", "GET", flow, withAuth("If-None-Match", `"`+created.ETag+`"`), "", 304},
		{"update", "PATCH", flow, withAuth("Content-Type", "application/json", "If-Match", `"`+created.ETag+`"`), `{"readinessStatus":"ready","sharingState":"running"}`, 200},
		{"update with a stale eTag", "PATCH", flow, withAuth("Content-Type", "application/json", "If-Match", `"`+created.ETag+`"`), `{"sharingState":"problem"}`, 412},
		{"update without a body in the answer", "PATCH", flow, withAuth("Content-Type", "application/json", "Prefer", "return=minimal"), `{"sharingState":"problem"}`, 204},
		{"delete", "DELETE", flow, auth, "", 204},
		{"read a deleted flow", "GET", flow, auth, "", 404},
	} {
		status, _, body := send(t, s.method, s.url, s.header, s.body)
		if status != s.wantStatus {
			t.Errorf("%s: %s %s: status = %d; want %d; body: %s", s.name, s.method, s.url, status, s.wantStatus, body)
		}
	}

	if err := stop(); err != nil {
		t.Fatalf("run() after cancel = %v; want nil (graceful shutdown)", err)
	}
	if strings.Contains(log.String(), "breaks the contract") {
		t.Errorf("the proxy logged violations:\n%s", log)
	}
	got := runCLI(t, nil, "validate", record)
	if got.code != 0 {
		t.Errorf("validate of the recording: exit code = %d; want 0; report:\n%s%s", got.code, got.stdout, got.msg)
	}
	if want := "10 exchanges, 0 violations\n"; !strings.HasSuffix(got.stdout, want) {
		t.Errorf("validate of the recording ends %q; want %q", lastLine(got.stdout), want)
	}
}

// TestProxyRecordingContinues runs the proxy twice with the same --record: the second run
// appends to what the first recorded.
func TestProxyRecordingContinues(t *testing.T) {
	t.Parallel()
	upstream := newLibraryUpstream(t)
	record := filepath.Join(t.TempDir(), "traffic.har")
	for range 2 {
		proxyURL, stop, _ := startProxy(t, "--upstream", upstream.URL, "--addr", "127.0.0.1:0", "--spec", librarySpec, "--record", record)
		if status, _, body := send(t, "GET", proxyURL+"/v2/status", nil, ""); status != 200 {
			t.Errorf("GET /v2/status: status = %d; want 200; body: %s", status, body)
		}
		if err := stop(); err != nil {
			t.Fatalf("run() after cancel = %v; want nil", err)
		}
	}
	got := runCLI(t, nil, "validate", "--spec", librarySpec, record)
	if got.code != 0 {
		t.Errorf("validate of the recording: exit code = %d; want 0; report:\n%s%s", got.code, got.stdout, got.msg)
	}
	if want := "2 exchanges, 0 violations\n"; !strings.HasSuffix(got.stdout, want) {
		t.Errorf("validate of the recording ends %q; want %q", lastLine(got.stdout), want)
	}
}

func TestProxyCommandLineErrors(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // not defer: the parallel subtests run after this function returns
	dir := t.TempDir()
	foreign := filepath.Join(dir, "notes.har")
	if err := os.WriteFile(foreign, []byte("my notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missingDir := filepath.Join(dir, "no-such-dir", "traffic.har")
	const up = "http://127.0.0.1:9"

	tests := []struct {
		name     string
		args     []string
		vars     map[string]string
		wantCode int
		wantMsg  string
	}{
		{name: "no upstream", args: []string{}, wantCode: 2, wantMsg: "--upstream is required"},
		{name: "an upstream without a scheme", args: []string{"--upstream", "127.0.0.1:8080"}, wantCode: 2, wantMsg: `--upstream "127.0.0.1:8080"`},
		{name: "an upstream that is a host and port", args: []string{"--upstream", "localhost:8080"}, wantCode: 2, wantMsg: `--upstream "localhost:8080"`},
		{name: "an upstream that is a path", args: []string{"--upstream", "/beta"}, wantCode: 2, wantMsg: `--upstream "/beta"`},
		{name: "an upstream that is not HTTP", args: []string{"--upstream", "ftp://files.example.com"}, wantCode: 2, wantMsg: `--upstream "ftp://files.example.com"`},
		{name: "an upstream in the environment", vars: map[string]string{"DATASHARE_PROXY_UPSTREAM": "graph.microsoft.com"}, wantCode: 2, wantMsg: `--upstream "graph.microsoft.com"`},
		{name: "an unknown mode", args: []string{"--upstream", up, "--mode", "strict"}, wantCode: 2, wantMsg: "strict"},
		{name: "mode off, which the proxy does not offer", args: []string{"--upstream", up, "--mode", "off"}, wantCode: 2, wantMsg: "off"},
		{name: "an unknown mode in the environment names the variable", args: []string{"--upstream", up},
			vars: map[string]string{"DATASHARE_PROXY_MODE": "strict"}, wantCode: 2, wantMsg: "DATASHARE_PROXY_MODE"},
		{name: "--record in a missing directory is named", args: []string{"--upstream", up, "--record", missingDir}, wantCode: 2, wantMsg: missingDir},
		{name: "--record on a file that is not a recording is named", args: []string{"--upstream", up, "--record", foreign}, wantCode: 2, wantMsg: foreign},
		{name: "a missing --spec is named", args: []string{"--upstream", up, "--spec", filepath.Join(dir, "missing.yaml")}, wantCode: 2, wantMsg: filepath.Join(dir, "missing.yaml")},
		{name: "a --base-path that does not begin with a slash", args: []string{"--upstream", up, "--base-path", "v2"}, wantCode: 2, wantMsg: `--base-path "v2"`},
		{name: "an unknown log format", args: []string{"--upstream", up, "--log-format", "xml"}, wantCode: 2, wantMsg: "xml"},
		{name: "a bad --max-body", args: []string{"--upstream", up, "--max-body", "lots"}, wantCode: 2, wantMsg: "-max-body"},
		{name: "an unexpected argument", args: []string{"--upstream", up, "extra"}, wantCode: 2, wantMsg: `unexpected argument "extra"`},
		{name: "address in use", args: []string{"--upstream", up, "--addr", busy.Addr().String()}, wantCode: 1, wantMsg: busy.Addr().String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Should run start proxying by mistake, the deadline ends it and the test fails.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var stdout, stderr syncBuffer
			// A free port, unless the row names one: should run start proxying by mistake, it
			// must not take the default port of a proxy the user runs.
			args := append([]string{"datashare", "proxy", "--addr", "127.0.0.1:0"}, tt.args...)
			err := run(ctx, args, env(tt.vars), &stdout, &stderr)
			if err == nil {
				t.Fatalf("run(%q) = nil; want an error", args)
			}
			var msg syncBuffer
			if code := exitCode(err, &msg); code != tt.wantCode {
				t.Errorf("exit code = %d; want %d", code, tt.wantCode)
			}
			if !strings.Contains(msg.String(), tt.wantMsg) {
				t.Errorf("reported %q; want it to contain %q", msg.String(), tt.wantMsg)
			}
		})
	}
}

func TestProxyHelp(t *testing.T) {
	t.Parallel()
	got := runCLI(t, nil, "proxy", "--help")
	if got.code != 0 || got.stderr != "" || got.msg != "" {
		t.Errorf("exit code %d, stderr %q, reported %q; want 0 and nothing on stderr", got.code, got.stderr, got.msg)
	}
	for _, want := range []string{
		"datashare proxy --upstream URL [flags]",
		"--upstream", "DATASHARE_PROXY_UPSTREAM",
		"--addr", "DATASHARE_PROXY_ADDR", "127.0.0.1:8081",
		"--spec", "DATASHARE_PROXY_SPEC",
		"--mode", "DATASHARE_PROXY_MODE", "enforce", "report",
		"--record", "DATASHARE_PROXY_RECORD", "HAR",
		"--base-path", "DATASHARE_PROXY_BASE_PATH",
		"--max-body", "DATASHARE_PROXY_MAX_BODY",
		"--log-format", "DATASHARE_PROXY_LOG_FORMAT",
		"--log-level", "DATASHARE_PROXY_LOG_LEVEL",
		"400", "502", "error envelope", "datashare validate",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, got.stdout)
		}
	}
}
