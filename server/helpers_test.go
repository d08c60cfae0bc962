package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	flowsURL   = "/beta/industryData/dataShareOutgoingFlows"
	inviteeID  = "2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"
	validToken = "Bearer test-token"
)

// createBody is a valid create request.
const createBody = `{"displayName":"Contoso student records","readinessStatus":"notReady",` +
	`"inviteeUserIds":["` + inviteeID + `"],"sharingState":"pending","shareName":"contoso_share"}`

var guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// mustNew builds a Server as run does, failing the test if it cannot.
func mustNew(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatalf("New() error = %v", err)
	}
	return s
}

// do sends a request to h and returns the recorded response. The request carries a valid
// bearer token, and a JSON Content-Type when it has a body, unless header says otherwise
// (pairs of name and value; an empty value removes the header).
func do(tb testing.TB, h http.Handler, method, path, body string, header ...string) *httptest.ResponseRecorder {
	tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", validToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// flowJSON is a flow as a client decodes it.
type flowJSON struct {
	Context         string   `json:"@odata.context"`
	Type            string   `json:"@odata.type"`
	ID              string   `json:"id"`
	ETag            string   `json:"eTag"`
	DisplayName     string   `json:"displayName"`
	ReadinessStatus string   `json:"readinessStatus"`
	InviteeUserIDs  []string `json:"inviteeUserIds"`
	SharingState    string   `json:"sharingState"`
	ShareName       string   `json:"shareName"`
}

// graphError is Graph's error envelope as a client decodes it.
type graphError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Target  string `json:"target"`
		Details []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Target  string `json:"target"`
		} `json:"details"`
		InnerError struct {
			Date            string `json:"date"`
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

func decode[T any](tb testing.TB, rec *httptest.ResponseRecorder) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		tb.Fatalf("decoding %T from %q: %v", v, rec.Body.String(), err)
	}
	return v
}

// mustCreate creates a flow and returns it.
func mustCreate(tb testing.TB, h http.Handler) flowJSON {
	tb.Helper()
	rec := do(tb, h, http.MethodPost, flowsURL, createBody)
	if rec.Code != http.StatusCreated {
		tb.Fatalf("create: status = %d, body %s; want 201", rec.Code, rec.Body)
	}
	return decode[flowJSON](tb, rec)
}

// checkEnvelope checks that rec is a complete Graph error envelope with the status and code,
// whose innerError matches the correlation headers, and returns it.
func checkEnvelope(tb testing.TB, rec *httptest.ResponseRecorder, status int, code string) graphError {
	tb.Helper()
	if rec.Code != status {
		tb.Fatalf("status = %d, body %s; want %d", rec.Code, rec.Body, status)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		tb.Errorf("Content-Type = %q; want application/json", ct)
	}
	ge := decode[graphError](tb, rec)
	if ge.Error.Code != code {
		tb.Errorf("error.code = %q; want %q", ge.Error.Code, code)
	}
	if ge.Error.Message == "" {
		tb.Errorf("error.message is empty")
	}
	inner := ge.Error.InnerError
	if _, err := time.Parse(time.RFC3339, inner.Date); err != nil {
		tb.Errorf("innerError.date = %q: %v", inner.Date, err)
	}
	if got, want := inner.RequestID, rec.Header().Get("request-id"); got != want || !guidPattern.MatchString(got) {
		tb.Errorf("innerError.request-id = %q; want the request-id header %q, a GUID", got, want)
	}
	if got, want := inner.ClientRequestID, rec.Header().Get("client-request-id"); got != want || got == "" {
		tb.Errorf("innerError.client-request-id = %q; want the client-request-id header %q", got, want)
	}
	for _, leak := range []string{"goroutine ", ".go:", "runtime error", "kin-openapi", "Schema:"} {
		if strings.Contains(rec.Body.String(), leak) {
			tb.Errorf("error body leaks %q: %s", leak, rec.Body)
		}
	}
	return ge
}

// syncBuffer is a bytes.Buffer that a logger may write from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
