package faults

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"
)

const (
	listStatuses  = "200, 400, 429, 500, 503"
	listExamples  = "empty (200), page (200), invalid (400), throttled (429), generalException (500), unavailable (503)"
	pageExample   = `{"value":[{"id":"a1","name":"First & best"}]}`
	emptyExample  = `{"value":[]}`
	itemExample   = `{"id":"a1","name":"First & best"}`
	quietExample  = `{"quiet":true}`
	jsonMediaType = "application/json"
)

func TestPrefer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string // GET when empty
		path   string
		prefer []string // the lines of Prefer

		wantStatus  int
		wantBody    string            // exactly, when not empty and wantMessage is empty
		wantCode    string            // the code of an error envelope, with wantMessage
		wantMessage string            // the message of an error envelope
		wantHeader  map[string]string // "" means absent
		wantHandled bool
	}{
		{
			name:        "code of a documented error is rendered with Retry-After for 503",
			path:        "/items",
			prefer:      []string{"code=503"},
			wantStatus:  http.StatusServiceUnavailable,
			wantCode:    "ServiceUnavailable",
			wantMessage: "Injected by Prefer: code=503.",
			wantHeader:  map[string]string{"Retry-After": "1"},
		},
		{
			name:        "code of a documented 429 is rendered with Retry-After",
			path:        "/items/a1",
			prefer:      []string{"code=429"},
			wantStatus:  http.StatusTooManyRequests,
			wantCode:    "TooManyRequests",
			wantMessage: "Injected by Prefer: code=429.",
			wantHeader:  map[string]string{"Retry-After": "1"},
		},
		{
			name:        "code of a documented error without Retry-After",
			path:        "/items/a1",
			prefer:      []string{"code=404"},
			wantStatus:  http.StatusNotFound,
			wantCode:    "NotFound",
			wantMessage: "Injected by Prefer: code=404.",
			wantHeader:  map[string]string{"Retry-After": ""},
		},
		{
			name:       "code of a documented 2xx answers its first example by name",
			path:       "/items",
			prefer:     []string{"code=200"},
			wantStatus: http.StatusOK,
			wantBody:   emptyExample,
			wantHeader: map[string]string{"Content-Type": jsonMediaType},
		},
		{
			name:       "code with example answers the example named",
			path:       "/items",
			prefer:     []string{"code=200, example=page"},
			wantStatus: http.StatusOK,
			wantBody:   pageExample,
		},
		{
			name:       "code with an example its response lacks answers its first example",
			path:       "/items",
			prefer:     []string{"code=200, example=invalid"},
			wantStatus: http.StatusOK,
			wantBody:   emptyExample,
		},
		{
			name:       "code of a 2xx sets the required headers from their examples",
			path:       "/items/a1",
			prefer:     []string{"code=200"},
			wantStatus: http.StatusOK,
			wantBody:   itemExample,
			wantHeader: map[string]string{"ETag": `"v1"`, "Content-Type": jsonMediaType},
		},
		{
			name:       "code of a 304 answers no body and its required headers",
			path:       "/items/a1",
			prefer:     []string{"code=304"},
			wantStatus: http.StatusNotModified,
			wantHeader: map[string]string{"ETag": `"v1"`},
		},
		{
			name:       "code of a 204 answers no body",
			method:     http.MethodDelete,
			path:       "/items/a1",
			prefer:     []string{"code=204"},
			wantStatus: http.StatusNoContent,
		},
		{
			name:       "code of a response with an unnamed example answers it",
			path:       "/quiet",
			prefer:     []string{"code=200"},
			wantStatus: http.StatusOK,
			wantBody:   quietExample,
		},
		{
			name:        "code the operation does not document is 400 listing the statuses",
			path:        "/items",
			prefer:      []string{"code=418"},
			wantStatus:  http.StatusBadRequest,
			wantCode:    "BadRequest",
			wantMessage: "Prefer: code=418 asks for a status this operation does not document; it documents " + listStatuses + ".",
		},
		{
			name:        "code that is not a number is 400",
			path:        "/items",
			prefer:      []string{"code=abc"},
			wantStatus:  http.StatusBadRequest,
			wantCode:    "BadRequest",
			wantMessage: "Prefer: code=abc is not an HTTP status; this operation documents " + listStatuses + ".",
		},
		{
			name:        "code out of the range of statuses is 400",
			path:        "/items",
			prefer:      []string{"code=99"},
			wantStatus:  http.StatusBadRequest,
			wantCode:    "BadRequest",
			wantMessage: "Prefer: code=99 is not an HTTP status; this operation documents " + listStatuses + ".",
		},
		{
			name:        "code without a value is 400",
			path:        "/items",
			prefer:      []string{"code"},
			wantStatus:  http.StatusBadRequest,
			wantCode:    "BadRequest",
			wantMessage: "Prefer: code= is not an HTTP status; this operation documents " + listStatuses + ".",
		},
		{
			name:        "name in any case, quoted value and parameters",
			path:        "/items",
			prefer:      []string{`CODE="503"; reason=test`},
			wantStatus:  http.StatusServiceUnavailable,
			wantMessage: "Injected by Prefer: code=503.",
		},
		{
			name:        "code among other preferences of a joined line",
			path:        "/items",
			prefer:      []string{"return=minimal, odata.maxpagesize=5, code=503"},
			wantStatus:  http.StatusServiceUnavailable,
			wantMessage: "Injected by Prefer: code=503.",
		},
		{
			name:        "code on a second Prefer line",
			path:        "/items",
			prefer:      []string{"return=minimal", "code=429"},
			wantStatus:  http.StatusTooManyRequests,
			wantMessage: "Injected by Prefer: code=429.",
		},
		{
			name:        "the first of repeated codes counts",
			path:        "/items",
			prefer:      []string{"code=503, code=429"},
			wantStatus:  http.StatusServiceUnavailable,
			wantMessage: "Injected by Prefer: code=503.",
		},
		{
			name:       "example of a success answers it with its status",
			path:       "/items",
			prefer:     []string{"example=page"},
			wantStatus: http.StatusOK,
			wantBody:   pageExample,
			wantHeader: map[string]string{"Content-Type": jsonMediaType},
		},
		{
			name:       "example of an error answers it with its status",
			path:       "/items/a1",
			prefer:     []string{"example=itemNotFound"},
			wantStatus: http.StatusNotFound,
			wantBody:   `{"error":{"code":"itemNotFound","message":"No item a1."}}`,
		},
		{
			name:       "example of a throttled answer sets Retry-After from its example",
			path:       "/items",
			prefer:     []string{"example=throttled"},
			wantStatus: http.StatusTooManyRequests,
			wantBody:   `{"error":{"code":"TooManyRequests","message":"Retry after 10 seconds."}}`,
			wantHeader: map[string]string{"Retry-After": "10"},
		},
		{
			name:        "unknown example is 400 listing the examples and their statuses",
			path:        "/items",
			prefer:      []string{"example=nope"},
			wantStatus:  http.StatusBadRequest,
			wantCode:    "BadRequest",
			wantMessage: "Prefer: example=nope names no example of this operation; it documents: " + listExamples + ".",
		},
		{
			name:        "unknown example of an operation without named examples",
			method:      http.MethodDelete,
			path:        "/items/a1",
			prefer:      []string{"example=nope"},
			wantStatus:  http.StatusBadRequest,
			wantMessage: "Prefer: example=nope names no example of this operation; it documents: invalid (400), itemNotFound (404).",
		},
		{
			name:        "other preferences are ignored",
			path:        "/items",
			prefer:      []string{"return=minimal, odata.maxpagesize=5", "respond-async"},
			wantStatus:  http.StatusOK,
			wantBody:    handlerPage,
			wantHandled: true,
		},
		{
			name:        "a code inside a quoted value is another preference's",
			path:        "/items",
			prefer:      []string{`note="a, code=503; example=page", return=minimal`},
			wantStatus:  http.StatusOK,
			wantBody:    handlerPage,
			wantHandled: true,
		},
		{
			name:        "a route not in the document is untouched",
			path:        "/health",
			prefer:      []string{"code=503"},
			wantStatus:  http.StatusOK,
			wantBody:    "ok",
			wantHandled: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, Config{})
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, tt.path, nil)
			for _, p := range tt.prefer {
				req.Header.Add("Prefer", p)
			}
			rec := a.serve(req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			switch {
			case tt.wantMessage != "":
				code, message := errorOf(t, rec.Body.Bytes())
				if message != tt.wantMessage {
					t.Errorf("message = %q, want %q", message, tt.wantMessage)
				}
				if tt.wantCode != "" && code != tt.wantCode {
					t.Errorf("code = %q, want %q", code, tt.wantCode)
				}
			case rec.Body.String() != tt.wantBody:
				t.Errorf("body = %s, want %s", rec.Body, tt.wantBody)
			}
			for name, want := range tt.wantHeader {
				if got := rec.Header().Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			if got := a.handled > 0; got != tt.wantHandled {
				t.Errorf("handler reached = %v, want %v", got, tt.wantHandled)
			}
			a.checkContract(t)
		})
	}
}

func TestFaultRate(t *testing.T) {
	t.Parallel()
	const (
		n    = 20_000
		rate = 0.05
		// The number of faults in n requests is binomial(n, rate): its share has a standard
		// deviation of sqrt(rate*(1-rate)/n) = sqrt(0.05*0.95/20000) ≈ 0.00154, so a tolerance
		// of 0.01 is about 6.5 standard deviations: a correct injector fails it with a
		// probability under 1e-10 whatever the seed, and a rate off by 0.01 passes it as rarely.
		tolerance = 0.01
	)
	a := newApp(t, Config{
		Rate: rate,
		// GET /items/{id} documents 429 and 503, not 500 or 418.
		Codes:  []int{429, 500, 503, 418},
		Random: rand.New(rand.NewPCG(2026, 1)).Float64,
	})
	counts := map[int]int{}
	for range n {
		rec := a.get("/items/a1")
		counts[rec.Code]++
		if rec.Code != http.StatusOK && rec.Header().Get("Retry-After") != "1" {
			t.Fatalf("fault %d has Retry-After %q, want 1", rec.Code, rec.Header().Get("Retry-After"))
		}
	}
	faults := n - counts[http.StatusOK]
	observed := float64(faults) / n
	t.Logf("%d faults in %d requests: rate %.4f (want %.2f ± %.2f); by status %v", faults, n, observed, rate, tolerance, counts)
	if math.Abs(observed-rate) >= tolerance {
		t.Errorf("observed fault rate %.4f, want %.2f ± %.2f", observed, rate, tolerance)
	}
	for status := range counts {
		switch status {
		case http.StatusOK, http.StatusTooManyRequests, http.StatusServiceUnavailable:
		default:
			t.Errorf("%d answers have status %d, which the operation does not document", counts[status], status)
		}
	}
	// Each documented code is chosen with probability 1/2: its share of about 1000 faults has a
	// standard deviation of about 0.016, so 0.4 is more than 6 of them away.
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		if share := float64(counts[status]) / float64(faults); share < 0.4 {
			t.Errorf("status %d is %.3f of the faults, want about 0.5", status, share)
		}
	}
	a.checkContract(t)
}

func TestFaultRateWithoutDocumentedCodes(t *testing.T) {
	t.Parallel()
	a := newApp(t, Config{Rate: 1, Codes: []int{429, 503}})
	for range 200 {
		if rec := a.get("/quiet"); rec.Code != http.StatusOK {
			t.Fatalf("GET /quiet, which documents neither 429 nor 503: status %d, want 200", rec.Code)
		}
	}
	// Rate 1 faults every request to an operation that documents a code.
	if rec := a.get("/items"); rec.Code != http.StatusTooManyRequests && rec.Code != http.StatusServiceUnavailable {
		t.Errorf("GET /items with rate 1: status %d, want 429 or 503", rec.Code)
	}
	a.checkContract(t)
}

// recordingRender is testRender that keeps the retryAfter of each call.
type recordingRender struct {
	mu    sync.Mutex
	after []time.Duration
}

func (r *recordingRender) render(c echo.Context, status int, message string, retryAfter time.Duration) error {
	r.mu.Lock()
	r.after = append(r.after, retryAfter)
	r.mu.Unlock()
	return testRender(c, status, message, retryAfter)
}

func (r *recordingRender) last() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.after) == 0 {
		return 0
	}
	return r.after[len(r.after)-1]
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	// A step sends one request, after advancing the clock.
	type step struct {
		advance        time.Duration
		path           string // /items when empty
		token          string // the bearer token, if any
		ip             string // 192.0.2.1 when empty
		wantStatus     int
		wantRetryAfter string        // the header
		wantDelay      time.Duration // what Render was given, when a 429
	}
	tests := []struct {
		name      string
		rateLimit float64
		burst     int
		steps     []step
	}{
		{
			name:      "second request at the same instant is throttled until the bucket refills",
			rateLimit: 10,
			burst:     1,
			steps: []step{
				{wantStatus: 200},
				{wantStatus: 429, wantRetryAfter: "1", wantDelay: 100 * time.Millisecond},
				{advance: 99 * time.Millisecond, wantStatus: 429, wantRetryAfter: "1", wantDelay: time.Millisecond},
				{advance: time.Millisecond, wantStatus: 200},
				{wantStatus: 429, wantRetryAfter: "1", wantDelay: 100 * time.Millisecond},
			},
		},
		{
			name:      "Retry-After is the delay rounded up",
			rateLimit: 0.4,
			burst:     1,
			steps: []step{
				{wantStatus: 200},
				{wantStatus: 429, wantRetryAfter: "3", wantDelay: 2500 * time.Millisecond},
				{advance: 2 * time.Second, wantStatus: 429, wantRetryAfter: "1", wantDelay: 500 * time.Millisecond},
				{advance: 500 * time.Millisecond, wantStatus: 200},
			},
		},
		{
			name:      "burst defaults to the rate per second",
			rateLimit: 3,
			steps: []step{
				{wantStatus: 200},
				{wantStatus: 200},
				{wantStatus: 200},
				{wantStatus: 429, wantRetryAfter: "1"},
			},
		},
		{
			name:      "clients with different tokens have separate buckets",
			rateLimit: 1,
			burst:     1,
			steps: []step{
				{token: "alice", wantStatus: 200},
				{token: "alice", wantStatus: 429, wantRetryAfter: "1"},
				{token: "bob", wantStatus: 200},
				// The token identifies the client, not the address.
				{token: "alice", ip: "198.51.100.7", wantStatus: 429, wantRetryAfter: "1"},
				{ip: "192.0.2.1", wantStatus: 200},
			},
		},
		{
			name:      "clients with different addresses have separate buckets",
			rateLimit: 1,
			burst:     1,
			steps: []step{
				{ip: "192.0.2.1", wantStatus: 200},
				{ip: "192.0.2.1", wantStatus: 429, wantRetryAfter: "1"},
				{ip: "192.0.2.2", wantStatus: 200},
				{ip: "2001:db8::1", wantStatus: 200},
				{ip: "2001:db8::1", wantStatus: 429, wantRetryAfter: "1"},
			},
		},
		{
			name:      "an operation that does not document 429 lets the request through",
			rateLimit: 1,
			burst:     1,
			steps: []step{
				{wantStatus: 200},
				{path: "/quiet", wantStatus: 200},
				{wantStatus: 429, wantRetryAfter: "1"},
			},
		},
		{
			name:      "a route not in the document is not limited",
			rateLimit: 1,
			burst:     1,
			steps: []step{
				{path: "/health", wantStatus: 200},
				{path: "/health", wantStatus: 200},
				{wantStatus: 200},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			rr := &recordingRender{}
			a := newApp(t, Config{RateLimit: tt.rateLimit, Burst: tt.burst, Now: clk.Now})
			a.f.render = rr.render
			for i, s := range tt.steps {
				clk.advance(s.advance)
				path := s.path
				if path == "" {
					path = "/items"
				}
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.RemoteAddr = "192.0.2.1:4321"
				if s.ip != "" {
					req.RemoteAddr = "[" + s.ip + "]:4321"
				}
				if s.token != "" {
					req.Header.Set("Authorization", "Bearer "+s.token)
				}
				rec := a.serve(req)
				if rec.Code != s.wantStatus {
					t.Fatalf("step %d: status = %d, want %d; body %s", i, rec.Code, s.wantStatus, rec.Body)
				}
				if got := rec.Header().Get("Retry-After"); got != s.wantRetryAfter {
					t.Errorf("step %d: Retry-After = %q, want %q", i, got, s.wantRetryAfter)
				}
				if s.wantDelay != 0 {
					if got := rr.last(); got.Round(time.Microsecond) != s.wantDelay {
						t.Errorf("step %d: delay = %v, want %v", i, got, s.wantDelay)
					}
				}
			}
			a.checkContract(t)
		})
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		min, max time.Duration
		path     string
		want     int // requests that sleep
	}{
		{name: "a range draws durations within it", min: 20 * time.Millisecond, max: 200 * time.Millisecond, path: "/items", want: 500},
		{name: "one duration is always it", min: 50 * time.Millisecond, max: 50 * time.Millisecond, path: "/items", want: 500},
		{name: "a range starting at 0", max: time.Millisecond, path: "/items/a1", want: 500},
		{name: "a route not in the document does not wait", min: time.Second, max: 2 * time.Second, path: "/health", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var slept []time.Duration
			a := newApp(t, Config{
				LatencyMin: tt.min,
				LatencyMax: tt.max,
				Random:     rand.New(rand.NewPCG(7, 11)).Float64,
				Sleep: func(ctx context.Context, d time.Duration) error {
					mu.Lock()
					defer mu.Unlock()
					slept = append(slept, d)
					return nil
				},
			})
			for range 500 {
				if rec := a.get(tt.path); rec.Code != http.StatusOK {
					t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
				}
			}
			if len(slept) != tt.want {
				t.Fatalf("%d requests slept, want %d", len(slept), tt.want)
			}
			if tt.want == 0 {
				return
			}
			lo, hi := slept[0], slept[0]
			for _, d := range slept {
				lo, hi = min(lo, d), max(hi, d)
			}
			if lo < tt.min || hi > tt.max {
				t.Errorf("slept from %v to %v, want within [%v, %v]", lo, hi, tt.min, tt.max)
			}
			// 500 uniform draws leave less than a tenth of the range at either end with
			// probability 1 - 2*0.9^500, that is, always.
			if span := tt.max - tt.min; lo > tt.min+span/10 || hi < tt.max-span/10 {
				t.Errorf("slept from %v to %v, want the whole of [%v, %v] covered", lo, hi, tt.min, tt.max)
			}
		})
	}
}

func TestLatencyEndsWithTheContext(t *testing.T) {
	t.Parallel()
	a := newApp(t, Config{LatencyMin: time.Hour, LatencyMax: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	rec := a.serve(httptest.NewRequest(http.MethodGet, "/items", nil).WithContext(ctx))
	if elapsed := time.Since(start); elapsed > time.Minute {
		t.Fatalf("the request waited %v after its context ended", elapsed)
	}
	if a.handled != 0 {
		t.Errorf("the handler was reached")
	}
	if len(a.errs) == 0 || !errors.Is(a.errs[0], context.Canceled) {
		t.Errorf("Echo's error handler got %v, want first context.Canceled", a.errs)
	}
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500 from Echo's error handler", rec.Code)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // a part of the error; "" means none
	}{
		{name: "zero config", cfg: Config{}},
		{name: "full config", cfg: Config{Rate: 1, Codes: []int{429, 503, 503}, LatencyMin: 1, LatencyMax: 2, RateLimit: 0.5, Burst: 3}},
		{name: "rate below 0", cfg: Config{Rate: -0.1, Codes: []int{503}}, wantErr: "rate -0.1"},
		{name: "rate above 1", cfg: Config{Rate: 1.5, Codes: []int{503}}, wantErr: "rate 1.5"},
		{name: "rate NaN", cfg: Config{Rate: nan, Codes: []int{503}}, wantErr: "rate NaN"},
		{name: "rate without codes", cfg: Config{Rate: 0.1}, wantErr: "no codes"},
		{name: "code below 100", cfg: Config{Codes: []int{99}}, wantErr: "code 99"},
		{name: "code above 599", cfg: Config{Codes: []int{600}}, wantErr: "code 600"},
		{name: "latency min above max", cfg: Config{LatencyMin: 2 * time.Second, LatencyMax: time.Second}, wantErr: "latency 2s..1s"},
		{name: "negative latency", cfg: Config{LatencyMin: -time.Second, LatencyMax: time.Second}, wantErr: "latency -1s..1s"},
		{name: "negative rate limit", cfg: Config{RateLimit: -1}, wantErr: "rate limit -1"},
		{name: "infinite rate limit", cfg: Config{RateLimit: math.Inf(1)}, wantErr: "rate limit +Inf"},
		{name: "NaN rate limit", cfg: Config{RateLimit: nan}, wantErr: "rate limit NaN"},
		{name: "negative burst", cfg: Config{RateLimit: 1, Burst: -1}, wantErr: "burst -1"},
	}
	v := newValidator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg, v, testRender)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("New() = %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("New() = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
	if _, err := New(Config{}, nil, testRender); err == nil {
		t.Error("New without a validator: no error")
	}
	if _, err := New(Config{}, v, nil); err == nil {
		t.Error("New without a Render: no error")
	}
}

func TestParsePrefer(t *testing.T) {
	t.Parallel()
	str := func(s string) *string { return &s }
	tests := []struct {
		name  string
		lines []string
		want  preferences
	}{
		{name: "none"},
		{name: "others only", lines: []string{"return=minimal, odata.maxpagesize=5"}},
		{name: "code and example", lines: []string{"code=200, example=page"}, want: preferences{code: str("200"), example: str("page")}},
		{name: "spaces around =", lines: []string{"code = 503 ;x=y"}, want: preferences{code: str("503")}},
		{name: "case of names", lines: []string{"Code=503, EXAMPLE=Page"}, want: preferences{code: str("503"), example: str("Page")}},
		{name: "quoted with escapes", lines: []string{`example="a \"b\", c"`}, want: preferences{example: str(`a "b", c`)}},
		{name: "first wins across lines", lines: []string{"code=503", "code=429, example=x"}, want: preferences{code: str("503"), example: str("x")}},
		{name: "name without value", lines: []string{"code"}, want: preferences{code: str("")}},
		{name: "empty elements", lines: []string{" , ,code=1,"}, want: preferences{code: str("1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := parsePrefer(tt.lines)
			if diff := cmp.Diff(tt.want.code, got.code); diff != "" {
				t.Errorf("code (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want.example, got.example); diff != "" {
				t.Errorf("example (-want +got):\n%s", diff)
			}
		})
	}
}
