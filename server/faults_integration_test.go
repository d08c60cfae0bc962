package server

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/server/faults"
	"github.com/google/go-cmp/cmp"
)

// documentedExample returns the named example of the response of an operation of the
// contract, as JSON decodes it.
func documentedExample(tb testing.TB, path, method string, status int, name string) any {
	tb.Helper()
	doc, err := gen.Spec()
	if err != nil {
		tb.Fatal(err)
	}
	op := doc.Paths.Value(path).GetOperation(method)
	ex := op.Responses.Status(status).Value.Content["application/json"].Examples[name]
	if ex == nil || ex.Value == nil {
		tb.Fatalf("%s %s documents no example %q of %d", method, path, name, status)
	}
	b, err := json.Marshal(ex.Value.Value)
	if err != nil {
		tb.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// noViolations fails the test if the log holds a response that broke the contract.
func noViolations(tb testing.TB, log *syncBuffer) {
	tb.Helper()
	if strings.Contains(log.String(), "response breaks the contract") {
		tb.Errorf("responses broke the contract:\n%s", log.String())
	}
}

// TestPreferFaults proves the faults a request asks for with Prefer, through the whole server:
// each is an answer the operation documents, which response validation lets through.
func TestPreferFaults(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	srv := mustNew(t, Config{Logger: newTestLogger(&log)})
	flow := mustCreate(t, srv)
	tests := []struct {
		name          string
		method        string
		path          string
		body          string
		prefer        string
		wantStatus    int
		wantCode      string // of the error envelope, for errors
		wantMessage   string // error.message, for errors
		wantRetry     string // Retry-After
		wantExample   any    // the body, for examples
		wantHeaders   map[string]string
		wantUntouched bool // the request must not reach the store
	}{
		{name: "code=503 on List answers 503 in Graph's envelope with Retry-After", method: http.MethodGet, path: flowsURL,
			prefer: "code=503", wantStatus: 503, wantCode: CodeUnavailable, wantMessage: "Injected by Prefer: code=503.", wantRetry: "1"},
		{name: "code=429 on Get answers 429 with Retry-After", method: http.MethodGet, path: flowsURL + "/" + flow.ID,
			prefer: "code=429", wantStatus: 429, wantCode: CodeTooManyRequests, wantMessage: "Injected by Prefer: code=429.", wantRetry: "1"},
		{name: "code=404 on Delete answers 404 and deletes nothing", method: http.MethodDelete, path: flowsURL + "/" + flow.ID,
			prefer: "code=404", wantStatus: 404, wantCode: CodeNotFound, wantMessage: "Injected by Prefer: code=404.", wantUntouched: true},
		{name: "code=418 answers 400 listing the documented statuses", method: http.MethodGet, path: flowsURL,
			prefer: "code=418", wantStatus: 400, wantCode: CodeBadRequest,
			wantMessage: "Prefer: code=418 asks for a status this operation does not document; it documents 200, 400, 401, 403, 406, 429, 500, 503."},
		{name: "example=page answers the documented example", method: http.MethodGet, path: flowsURL, prefer: "example=page",
			wantStatus: 200, wantExample: documentedExample(t, "/industryData/dataShareOutgoingFlows", http.MethodGet, 200, "page")},
		{name: "example=nope answers 400 listing the documented examples", method: http.MethodGet, path: flowsURL, prefer: "example=nope",
			wantStatus: 400, wantCode: CodeBadRequest, wantMessage: "Prefer: example=nope names no example of this operation; it documents: page (200)"},
		{name: "code=201 on create answers the documented example with Location and ETag", method: http.MethodPost, path: flowsURL,
			body: createBody, prefer: "code=201", wantStatus: 201,
			wantExample: documentedExample(t, "/industryData/dataShareOutgoingFlows", http.MethodPost, 201, "created"),
			wantHeaders: map[string]string{
				"Location": "https://graph.microsoft.com/beta/industryData/dataShareOutgoingFlows/3baf174c-174c-3baf-4c17-af3b4c17af3b",
				"ETag":     `"9kVmZDN2qQeQKx7cN1w3Ag"`,
			}, wantUntouched: true},
		{name: "code=204 on update answers 204 with its ETag and changes nothing", method: http.MethodPatch, path: flowsURL + "/" + flow.ID,
			body: `{"displayName":"changed"}`, prefer: "code=204", wantStatus: 204,
			wantHeaders: map[string]string{"ETag": `"9kVmZDN2qQeQKx7cN1w3Ag"`}, wantUntouched: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: some rows prove that nothing changed.
			rec := do(t, srv, tt.method, tt.path, tt.body, "Prefer", tt.prefer)
			if tt.wantCode != "" {
				ge := checkEnvelope(t, rec, tt.wantStatus, tt.wantCode)
				if !strings.HasPrefix(ge.Error.Message, tt.wantMessage) {
					t.Errorf("error.message = %q; want %q", ge.Error.Message, tt.wantMessage)
				}
			} else if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, body %s; want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After = %q; want %q", got, tt.wantRetry)
			}
			if tt.wantExample != nil {
				var got any
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatalf("body %s: %v", rec.Body, err)
				}
				if diff := cmp.Diff(tt.wantExample, got); diff != "" {
					t.Errorf("body is not the documented example (-want +got):\n%s", diff)
				}
			}
			for name, want := range tt.wantHeaders {
				if got := rec.Header().Get(name); got != want {
					t.Errorf("%s = %q; want %q", name, got, want)
				}
			}
			if rec.Header().Get("request-id") == "" {
				t.Errorf("no request-id header: the answer must be correlated like any other")
			}
			if tt.wantUntouched {
				if got := flowsOf(t, srv, ""); len(got) != 1 || got[0].ID != flow.ID || got[0].DisplayName != flow.DisplayName {
					t.Errorf("flows after the fault: %+v; want the one flow, unchanged", got)
				}
			}
		})
	}
	noViolations(t, &log)
}

// TestRandomFaultRate proves that a fault rate of 0.2 with codes 429 and 503 answers about a
// fifth of 2000 requests with a fault, half of them each code: the counts lie within 4.5
// standard deviations of their binomial means, which a correct injector misses with a
// probability under 1e-5, and every fault is a documented answer.
func TestRandomFaultRate(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	random := rand.New(rand.NewPCG(20260101, 42))
	srv := mustNew(t, Config{Logger: newTestLogger(&log),
		Faults: faults.Config{Rate: 0.2, Codes: []int{429, 503}, Random: random.Float64}})
	const n, rate = 2000, 0.2
	counts := map[int]int{}
	for range n {
		rec := do(t, srv, http.MethodGet, flowsURL+"/$count", "")
		counts[rec.Code]++
		switch rec.Code {
		case http.StatusOK:
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			if rec.Header().Get("Retry-After") != "1" {
				t.Fatalf("a %d fault has Retry-After %q; want 1", rec.Code, rec.Header().Get("Retry-After"))
			}
			checkEnvelope(t, rec, rec.Code, codeFor(rec.Code))
		default:
			t.Fatalf("status %d, body %s; want 200, 429 or 503", rec.Code, rec.Body)
		}
	}
	within := func(what string, got int, trials int, p float64) {
		mean := float64(trials) * p
		tolerance := 4.5 * math.Sqrt(float64(trials)*p*(1-p))
		if math.Abs(float64(got)-mean) > tolerance {
			t.Errorf("%s: %d; want %.0f ± %.0f", what, got, mean, tolerance)
		}
	}
	faulty := counts[429] + counts[503]
	within("faults in 2000 requests at rate 0.2", faulty, n, rate)
	within("429s among the faults", counts[429], faulty, 0.5)
	t.Logf("statuses: %v", counts)
	noViolations(t, &log)
}

// TestRateLimit proves the per-client rate limit through the server: with 5 requests a second,
// a client's 6th immediate request is answered 429 with Retry-After 1, while another client
// is not limited; the bucket refills with time.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	clock := newFakeClock()
	srv := mustNew(t, Config{Logger: newTestLogger(&log), Faults: faults.Config{RateLimit: 5, Now: clock.Now}})
	steps := []struct {
		name       string
		advance    time.Duration
		token      string
		requests   int
		wantStatus []int
	}{
		{name: "a client's first 5 immediate requests are served", token: "client-a", requests: 5, wantStatus: []int{200, 200, 200, 200, 200}},
		{name: "its 6th is throttled", token: "client-a", requests: 1, wantStatus: []int{429}},
		{name: "another client is not limited", token: "client-b", requests: 5, wantStatus: []int{200, 200, 200, 200, 200}},
		{name: "still throttled in the same instant", token: "client-a", requests: 1, wantStatus: []int{429}},
		{name: "a fifth of a second later, one more request is served", advance: 200 * time.Millisecond, token: "client-a",
			requests: 2, wantStatus: []int{200, 429}},
		{name: "a second later, a full burst again", advance: time.Second, token: "client-a", requests: 6,
			wantStatus: []int{200, 200, 200, 200, 200, 429}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.Advance(st.advance)
			var got []int
			for range st.requests {
				rec := do(t, srv, http.MethodGet, flowsURL, "", "Authorization", "Bearer "+st.token)
				got = append(got, rec.Code)
				if rec.Code == http.StatusTooManyRequests {
					ge := checkEnvelope(t, rec, http.StatusTooManyRequests, CodeTooManyRequests)
					if ra := rec.Header().Get("Retry-After"); ra != "1" {
						t.Errorf("Retry-After = %q; want 1", ra)
					}
					if !strings.Contains(ge.Error.Message, "5 requests per second") {
						t.Errorf("error.message = %q; want it to give the limit", ge.Error.Message)
					}
				}
			}
			if diff := cmp.Diff(st.wantStatus, got); diff != "" {
				t.Errorf("statuses mismatch (-want +got):\n%s", diff)
			}
		})
	}
	noViolations(t, &log)
}
