// Package faults injects faults into the answers of a contract server without leaving its
// contract: latency, statuses a client asks for with Prefer, per-client rate limiting and random
// errors. Every status it answers is one the operation documents, every example it answers is
// one the document holds, and errors are rendered by the server's own error envelope through a
// Render hook, so that what it writes passes response validation like any other answer.
package faults

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/datashare/datashare/validator"
)

// Config configures the faults a server injects into the operations of its contract. The zero
// value injects nothing.
type Config struct {
	// Rate is the probability, 0..1, of answering a request with a fault.
	Rate float64
	// Codes are the statuses to inject; each faulty request gets one its operation documents.
	Codes []int
	// LatencyMin and LatencyMax bound the time each request to an operation waits: a uniform
	// random duration in [LatencyMin, LatencyMax]. Both 0 means no wait.
	LatencyMin time.Duration
	LatencyMax time.Duration
	// RateLimit is the number of requests per second allowed to each client (by bearer token,
	// else by IP address); 0 means no limit.
	RateLimit float64
	// Burst is the number of requests a client may send at once; 0 means
	// max(1, ceil(RateLimit)).
	Burst int
	// Random returns a number in [0, 1); nil means math/rand/v2's Float64. Calls to it are
	// serialized, so a seeded *rand.Rand may be used as it is.
	Random func() float64
	// Sleep waits for a duration or until the context ends, and then returns the context's
	// error; nil means a timer that stops when the context ends.
	Sleep func(context.Context, time.Duration) error
	// Now tells the time to the rate limiter; nil means time.Now.
	Now func() time.Time
}

// Render writes an error answer in the service's error envelope, with a Retry-After header of
// retryAfter (rounded up to whole seconds, at least 1) when it is not 0.
type Render func(c echo.Context, status int, message string, retryAfter time.Duration) error

// Faults injects the faults of a Config into the operations of a validator's contract. Build
// it with New; it is safe for concurrent use.
type Faults struct {
	cfg    Config
	v      *validator.Validator
	render Render
	ops    map[*validator.Route]*operation
	limits *limiters // nil without a rate limit
	random func() float64
	sleep  func(context.Context, time.Duration) error
	now    func() time.Time
}

// operation is what the middleware needs to know of an operation, computed once by New.
type operation struct {
	route      *validator.Route
	responses  *openapi3.Responses // never nil
	faultCodes []int               // the configured codes the operation documents
	throttles  bool                // whether the operation documents 429
	examples   []example           // the examples of its responses, encoded
}

// retryAfter is the Retry-After of the faults that are not rate limiting.
const retryAfter = time.Second

// New checks cfg and returns the Faults it describes for the operations of v, whose errors are
// written by render.
func New(cfg Config, v *validator.Validator, render Render) (*Faults, error) {
	if v == nil {
		return nil, errors.New("faults: no validator")
	}
	if render == nil {
		return nil, errors.New("faults: no Render")
	}
	if math.IsNaN(cfg.Rate) || cfg.Rate < 0 || cfg.Rate > 1 {
		return nil, fmt.Errorf("faults: rate %v is not a probability in [0, 1]", cfg.Rate)
	}
	var codes []int
	for _, code := range cfg.Codes {
		if code < 100 || code > 599 {
			return nil, fmt.Errorf("faults: code %d is not an HTTP status (100 to 599)", code)
		}
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	if cfg.Rate > 0 && len(codes) == 0 {
		return nil, fmt.Errorf("faults: rate %v with no codes to inject", cfg.Rate)
	}
	if cfg.LatencyMin < 0 || cfg.LatencyMax < cfg.LatencyMin {
		return nil, fmt.Errorf("faults: latency %v..%v is not a range of durations from 0 up", cfg.LatencyMin, cfg.LatencyMax)
	}
	if math.IsNaN(cfg.RateLimit) || math.IsInf(cfg.RateLimit, 0) || cfg.RateLimit < 0 {
		return nil, fmt.Errorf("faults: rate limit %v is not a finite number of requests per second from 0 up", cfg.RateLimit)
	}
	if cfg.Burst < 0 {
		return nil, fmt.Errorf("faults: burst %d is negative", cfg.Burst)
	}
	cfg.Codes = codes

	f := &Faults{
		cfg:    cfg,
		v:      v,
		render: render,
		ops:    make(map[*validator.Route]*operation),
		random: rand.Float64,
		sleep:  sleep,
		now:    time.Now,
	}
	if cfg.Random != nil {
		var mu sync.Mutex
		f.random = func() float64 {
			mu.Lock()
			defer mu.Unlock()
			return cfg.Random()
		}
	}
	if cfg.Sleep != nil {
		f.sleep = cfg.Sleep
	}
	if cfg.Now != nil {
		f.now = cfg.Now
	}
	if cfg.RateLimit > 0 {
		burst := cfg.Burst
		if burst == 0 {
			burst = int(max(1, math.Min(math.Ceil(cfg.RateLimit), math.MaxInt32)))
		}
		f.limits = newLimiters(cfg.RateLimit, burst)
	}
	for _, r := range v.Routes() {
		op := &operation{route: r, responses: r.Operation().Responses}
		if op.responses == nil {
			op.responses = openapi3.NewResponses()
		}
		for _, code := range codes {
			if documented(op.responses, code) != nil {
				op.faultCodes = append(op.faultCodes, code)
			}
		}
		op.throttles = documented(op.responses, http.StatusTooManyRequests) != nil
		examples, err := examplesOf(op.responses)
		if err != nil {
			return nil, fmt.Errorf("faults: operation %s: %w", r.OperationID, err)
		}
		op.examples = examples
		f.ops[r] = op
	}
	return f, nil
}

// Middleware returns the Echo middleware that injects the faults. Register it after the
// validator's middleware, so that the requests it sees are valid and what it writes is
// validated. It acts on the operations of the contract only; other routes pass untouched.
//
// For each request it, in order: waits the configured latency (the context's error ends the
// wait and is returned); honours the preferences code and example of Prefer; answers 429 to a
// client over the rate limit, if the operation documents 429; answers a random fault with
// probability Rate, one of the Codes the operation documents; and otherwise calls the next
// handler.
//
// Prefer: code=NNN answers status NNN if the operation documents it: an error (400 up) through
// Render, with a Retry-After of 1 s for 429 and 503; any other status as the documented example
// of its response (the one example=NAME names, else the first by name), with the required
// headers of the response set from their examples. Prefer: example=NAME answers the response
// whose content has an example of that name, with its status. A preference that cannot be
// honoured is answered 400, with what the operation documents.
func (f *Faults) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			route := f.v.RouteOf(c)
			if route == nil {
				return next(c)
			}
			op := f.ops[route]
			if op == nil {
				return next(c)
			}
			if err := f.wait(c.Request().Context()); err != nil {
				return err
			}
			if p := parsePrefer(c.Request().Header.Values("Prefer")); p.code != nil || p.example != nil {
				return f.prefer(c, op, p)
			}
			if f.limits != nil {
				if d := f.limits.reserve(clientKey(c), f.now()); d > 0 && op.throttles {
					msg := fmt.Sprintf("Too many requests: a client may send %g requests per second. Retry after %d seconds.",
						f.cfg.RateLimit, wholeSeconds(d))
					return f.renderError(c, op, http.StatusTooManyRequests, msg, d)
				}
			}
			if f.cfg.Rate > 0 && len(op.faultCodes) > 0 && f.random() < f.cfg.Rate {
				code := op.faultCodes[pick(f.random(), len(op.faultCodes))]
				msg := fmt.Sprintf("Injected fault: %d %s.", code, http.StatusText(code))
				return f.renderError(c, op, code, msg, 0)
			}
			return next(c)
		}
	}
}

// wait sleeps the configured latency, unless ctx ends first.
func (f *Faults) wait(ctx context.Context) error {
	lo, hi := f.cfg.LatencyMin, f.cfg.LatencyMax
	if hi == 0 {
		return nil
	}
	d := lo
	if hi > lo {
		// Uniform over the whole nanoseconds of [lo, hi], both included.
		d = lo + time.Duration(math.Floor(f.random()*(float64(hi-lo)+1)))
		d = min(max(d, lo), hi)
	}
	return f.sleep(ctx, d)
}

// renderError answers an error of op through Render: with the Retry-After given, or, when that
// is 0, with one of 1 s for 429 and 503 and for any response that requires Retry-After. Other
// headers that the response requires are set from their examples, unless already set.
func (f *Faults) renderError(c echo.Context, op *operation, status int, message string, after time.Duration) error {
	resp := documented(op.responses, status)
	if after == 0 && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || requires(resp, "Retry-After")) {
		after = retryAfter
	}
	setRequiredHeaders(c.Response().Header(), resp, "Retry-After")
	return f.render(c, status, message, after)
}

// documented returns the response the operation documents for status, as the validator finds
// it (the status, its range such as 4XX, or default), or nil.
func documented(responses *openapi3.Responses, status int) *openapi3.Response {
	if status < 100 || status > 599 {
		return nil
	}
	ref := responses.Status(status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil {
		return nil
	}
	return ref.Value
}

// pick turns a random number in [0, 1) into an index in [0, n).
func pick(r float64, n int) int {
	return min(max(int(r*float64(n)), 0), n-1)
}

// wholeSeconds returns d in seconds, rounded up, at least 1: what Retry-After says.
func wholeSeconds(d time.Duration) int64 {
	return max(1, int64(math.Ceil(d.Seconds())))
}

// sleep waits d, or until ctx ends, and returns ctx's error in that case.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
