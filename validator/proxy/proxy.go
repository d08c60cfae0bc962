// Package proxy is a reverse proxy that validates the traffic crossing it against an OpenAPI
// contract: the requests of a client before they reach the upstream server, and the responses
// of the upstream before they reach the client.
//
// In Report mode everything is forwarded and each violation is logged. In Enforce mode a
// request that breaks the contract is answered by the proxy (400, or what the violation
// calls for) and never reaches the upstream, and a response that breaks it is replaced by a
// 502. In Off mode everything is forwarded, and recorded, without being validated.
//
// Bodies are buffered only as far as validation needs them, and never beyond the limit of
// Config.MaxBody. In Enforce mode a response body is buffered only when the contract gives a
// schema to check it against; one without a schema is streamed once its first bytes are in
// (they tell whether there is a body at all). A body larger than the limit is streamed without
// being validated: its status and headers still are, and a warning is logged. In Report mode
// every response is streamed while a bounded copy of it is validated when it ends.
//
// The proxy asks the upstream for uncompressed responses (Accept-Encoding: identity); an
// upstream that answers in gzip anyway is passed through as it is, and its body is decompressed
// to be validated and recorded.
package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/recording"
)

// DefaultMaxBody is the largest body the proxy buffers to validate, unless Config says otherwise.
const DefaultMaxBody = 8 << 20

// Config configures a Proxy.
type Config struct {
	// Validator holds the contract.
	Validator *validator.Validator
	// Upstream is the server requests are forwarded to: scheme, host and an optional path
	// prefix.
	Upstream *url.URL
	// Mode is Enforce, Report or Off (forward and record only, without validating).
	Mode validator.Mode
	// Record, when set, gets every exchange with its violations (none in Off mode). A body
	// larger than MaxBody is recorded as absent; a gzip body is recorded decompressed, as
	// HAR's content.text is.
	Record *recording.HARWriter
	// Logger receives one line per violation; nil discards them.
	Logger *slog.Logger
	// MaxBody is the largest body buffered to be validated; 0 means DefaultMaxBody. A larger
	// body is streamed and not validated (a warning is logged).
	MaxBody int64
	// RenderError writes the answers of the proxy itself, with the status to answer with: the
	// one the violations of an invalid request call for (400, 401, 403, 404, 405, 406, 415)
	// with a *validator.RequestError, 502 with a *validator.ResponseError for a replaced
	// response, 502 with the error of the transport for an unreachable upstream, 400 for a
	// request body that cannot be read.
	RenderError func(w http.ResponseWriter, r *http.Request, status int, err error)
	// Transport carries requests to the upstream; nil means http.DefaultTransport.
	Transport http.RoundTripper
}

// Proxy is the validating reverse proxy, an http.Handler.
type Proxy struct {
	cfg Config
	rp  *httputil.ReverseProxy
	log *slog.Logger
}

// New returns a Proxy for cfg.
func New(cfg Config) (*Proxy, error) {
	if cfg.Validator == nil {
		return nil, errors.New("proxy: no validator")
	}
	if cfg.Upstream == nil || cfg.Upstream.Scheme == "" || cfg.Upstream.Host == "" {
		return nil, errors.New("proxy: the upstream must be an absolute URL")
	}
	if cfg.RenderError == nil {
		return nil, errors.New("proxy: no error renderer")
	}
	if cfg.Mode < validator.Enforce || cfg.Mode > validator.Off {
		return nil, fmt.Errorf("proxy: unknown mode %v", cfg.Mode)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	p := &Proxy{cfg: cfg, log: cfg.Logger}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	base := cfg.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(cfg.Upstream)
			pr.SetXForwarded()
			if cfg.Mode != validator.Off {
				// The proxy validates what the upstream says, so it asks for it uncompressed.
				// Leaving Accept-Encoding out would not do: http.Transport would then ask for
				// gzip itself and decompress the response behind the proxy's back.
				pr.Out.Header.Set("Accept-Encoding", "identity")
			}
		},
		Transport:      transport{base},
		ModifyResponse: p.inspectResponse,
		ErrorHandler:   p.upstreamFailed,
		ErrorLog:       slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
		FlushInterval:  -1, // stream as the upstream writes
		BufferPool:     &bufferPool{},
	}
	return p, nil
}

// transport carries requests with base, and makes sure that a response knows its request, which
// a RoundTripper other than http.Transport may leave out: the proxy finds the exchange there.
type transport struct{ base http.RoundTripper }

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if resp != nil && resp.Request == nil {
		resp.Request = req
	}
	return resp, err
}

// bufferPool lends ReverseProxy the buffers it copies bodies with, instead of the 32 KiB it
// would allocate for each response.
type bufferPool struct{ pool sync.Pool }

func (b *bufferPool) Get() []byte {
	if buf, ok := b.pool.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.pool.Put(&buf) }

// exchange is what the proxy knows of one exchange while it crosses.
type exchange struct {
	started time.Time
	ex      validator.Exchange
	result  validator.Result
	route   *validator.Route
	once    sync.Once
}

type exchangeKey struct{}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{started: time.Now()}
	x.ex = validator.Exchange{Method: r.Method, URL: p.recordedURL(r), RequestHeader: r.Header.Clone()}
	validating := p.cfg.Mode != validator.Off

	// The body is read up to the limit, unless it is known to be larger.
	complete := false
	if (validating || p.cfg.Record != nil) && r.ContentLength <= p.cfg.MaxBody {
		body, whole, err := readBounded(r.Body, p.cfg.MaxBody)
		if err != nil {
			p.log.Warn("reading the request body", slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.String("error", err.Error()))
			p.answer(w, r, x, http.StatusBadRequest, fmt.Errorf("reading the request body: %w", err))
			return
		}
		r.Body = body.reader(r.Body)
		if complete = whole; complete {
			x.ex.RequestBody = body.Bytes()
		}
	}

	if validating {
		route, params, err := p.cfg.Validator.FindRoute(r.Method, r.URL.EscapedPath())
		var status int
		if err != nil {
			x.result.Request = []validator.Violation{routeViolation(r, err)}
			status = http.StatusNotFound
			if errors.Is(err, validator.ErrMethodNotAllowed) {
				status = http.StatusMethodNotAllowed
			}
		} else {
			x.route, x.result.Route = route, route
			if !complete {
				p.log.Warn("request body not validated: larger than the limit", slog.Int64("limit", p.cfg.MaxBody),
					slog.String("method", r.Method), slog.String("path", r.URL.Path))
			}
			x.result.Request = p.requestViolations(r, route, params, x.ex.RequestBody, complete)
			status = (&validator.RequestError{Violations: x.result.Request}).Status()
		}
		p.logViolations(r.Context(), x, "request", x.result.Request)

		if len(x.result.Request) > 0 && p.cfg.Mode == validator.Enforce {
			rerr := &validator.RequestError{Violations: x.result.Request}
			if route != nil {
				rerr.OperationID = route.OperationID
			}
			p.answer(w, r, x, status, rerr)
			return
		}
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)))
}

// requestViolations validates the request, on a copy that carries its own reader of the body.
// When the body was too large to be read whole, everything but the body is validated.
func (p *Proxy) requestViolations(r *http.Request, route *validator.Route, params map[string]string, body []byte, complete bool) []validator.Violation {
	vr := r.Clone(r.Context())
	vr.Body, vr.ContentLength, vr.GetBody = http.NoBody, 0, nil
	if complete && len(body) > 0 {
		vr.Body, vr.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}
	err := p.cfg.Validator.ValidateRequest(r.Context(), vr, route, params)
	var re *validator.RequestError
	if !errors.As(err, &re) {
		if err != nil {
			p.log.Error("validating the request", slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		}
		return nil
	}
	if complete {
		return re.Violations
	}
	return withoutBody(re.Violations)
}

// withoutBody drops the violations of the body: those of a body the proxy did not read.
func withoutBody(vs []validator.Violation) []validator.Violation {
	var out []validator.Violation
	for _, v := range vs {
		if v.In != validator.InBody {
			out = append(out, v)
		}
	}
	return out
}

// inspectResponse validates the response of the upstream: in Enforce mode before it is sent
// (see enforce); otherwise as it streams through, by a bounded copy validated when it ends.
func (p *Proxy) inspectResponse(resp *http.Response) error {
	x, _ := resp.Request.Context().Value(exchangeKey{}).(*exchange)
	if x == nil {
		return nil
	}
	x.ex.Status, x.ex.ResponseHeader = resp.StatusCode, resp.Header.Clone()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return p.upgrade(x, resp)
	}
	if p.cfg.Mode == validator.Enforce && x.route != nil {
		return p.enforce(x, resp)
	}
	validating := x.route != nil && p.cfg.Mode == validator.Report
	limit := int64(-1) // keep nothing
	if (validating || p.cfg.Record != nil) && resp.ContentLength <= p.cfg.MaxBody {
		limit = p.cfg.MaxBody
	}
	ctx := resp.Request.Context()
	resp.Body = &tee{ReadCloser: resp.Body, limit: limit, done: func(body []byte, ended, overflow bool) {
		if validating && (ended || overflow) {
			x.result.Response = p.responseViolations(ctx, x, body, ended && !overflow)
			p.logViolations(ctx, x, "response", x.result.Response)
		}
		p.recordResponse(x, body, ended && !overflow)
	}}
	return nil
}

// enforce validates a response before it is sent, and replaces it with the rendering of its
// violations when it breaks the contract. It buffers the body, up to the limit, only when the
// contract gives a schema to check it against; otherwise it reads only its first bytes, which
// tell whether it has one, and streams the rest.
func (p *Proxy) enforce(x *exchange, resp *http.Response) error {
	ctx := resp.Request.Context()
	var (
		body     []byte // what was read of the body
		complete bool   // body is all of it
		peeked   bool   // body is its first bytes, all that validation needs
	)
	switch {
	case !needsBody(x.route, resp.StatusCode, resp.Header):
		first, err := peek(resp.Body)
		if err != nil {
			return fmt.Errorf("reading the upstream response: %w", err)
		}
		resp.Body = first.reader(resp.Body)
		body, peeked = first.Bytes(), true
		complete = len(body) == 0 || resp.ContentLength == int64(len(body))
		// As they came, not decompressed: only whether there are some matters.
		x.result.Response = p.validateResponse(ctx, x, body)
	case resp.ContentLength > p.cfg.MaxBody:
		// Known to be too large: not read at all.
		x.result.Response = p.responseViolations(ctx, x, nil, false)
	default:
		b, all, err := readBounded(resp.Body, p.cfg.MaxBody)
		if err != nil {
			return fmt.Errorf("reading the upstream response: %w", err)
		}
		resp.Body = b.reader(resp.Body)
		if complete = all; complete {
			body = b.Bytes()
		}
		x.result.Response = p.responseViolations(ctx, x, body, complete)
	}
	p.logViolations(ctx, x, "response", x.result.Response)

	if len(x.result.Response) > 0 {
		if peeked && !complete && resp.ContentLength >= 0 && resp.ContentLength <= p.cfg.MaxBody {
			// The rest of a body of known, bounded length is read for the recording. That of
			// a body of unknown length is not: it could be a stream that never ends.
			if b, all, err := readBounded(resp.Body, p.cfg.MaxBody); err == nil {
				body, complete = b.Bytes(), all
			}
		}
		p.recordResponse(x, body, complete)
		resp.Body.Close()
		rec := newResponseRecorder()
		p.cfg.RenderError(rec, resp.Request, http.StatusBadGateway,
			&validator.ResponseError{OperationID: x.route.OperationID, Status: resp.StatusCode, Violations: x.result.Response})
		rec.replace(resp)
		return nil
	}
	if complete {
		p.recordResponse(x, body, true)
		return nil
	}
	// Streamed, and recorded when it ends; with its body only when it can be kept.
	limit := int64(-1)
	if p.cfg.Record != nil && peeked && resp.ContentLength <= p.cfg.MaxBody {
		limit = p.cfg.MaxBody
	}
	resp.Body = &tee{ReadCloser: resp.Body, limit: limit, done: func(body []byte, ended, overflow bool) {
		p.recordResponse(x, body, ended && !overflow)
	}}
	return nil
}

// upgrade validates the status and headers of a 101 response, whose body is the upgraded
// connection and not for the proxy to read. In Enforce mode a 101 that breaks the contract
// becomes an error of the upstream, which RenderError answers with a 502.
func (p *Proxy) upgrade(x *exchange, resp *http.Response) error {
	if x.route != nil && p.cfg.Mode != validator.Off {
		ctx := resp.Request.Context()
		x.result.Response = withoutBody(p.validateResponse(ctx, x, nil))
		p.logViolations(ctx, x, "response", x.result.Response)
	}
	p.recordResponse(x, nil, true)
	if p.cfg.Mode == validator.Enforce && len(x.result.Response) > 0 {
		return &validator.ResponseError{OperationID: x.route.OperationID, Status: resp.StatusCode, Violations: x.result.Response}
	}
	return nil
}

// needsBody reports whether validating a response takes its body: whether the contract gives
// a schema for its status and media type. Otherwise only whether it has a body matters.
func needsBody(route *validator.Route, status int, header http.Header) bool {
	responses := route.Operation().Responses
	if responses == nil {
		return false
	}
	ref := responses.Status(status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return false
	}
	mt := ref.Value.Content.Get(header.Get("Content-Type"))
	return mt != nil && mt.Schema != nil && mt.Schema.Value != nil
}

// responseViolations validates the response of x with its body when complete (decompressing a
// gzip body first), else its status and headers only.
func (p *Proxy) responseViolations(ctx context.Context, x *exchange, body []byte, complete bool) []validator.Violation {
	header := x.ex.ResponseHeader
	if complete {
		plain, ok, bad := p.decode(header, body)
		switch {
		case bad != nil:
			vs := withoutBody(p.validateResponse(ctx, x, nil))
			return append(vs, *bad)
		case ok:
			return p.validateResponse(ctx, x, plain)
		}
		p.log.Warn("response body not validated: its content coding is not supported or it is larger than the limit once decoded",
			slog.String("method", x.ex.Method), slog.String("path", x.ex.URL.Path),
			slog.String("encoding", header.Get("Content-Encoding")), slog.Int64("limit", p.cfg.MaxBody))
	} else {
		p.log.Warn("response body not validated: larger than the limit", slog.Int64("limit", p.cfg.MaxBody),
			slog.String("method", x.ex.Method), slog.String("path", x.ex.URL.Path))
	}
	return withoutBody(p.validateResponse(ctx, x, nil))
}

func (p *Proxy) validateResponse(ctx context.Context, x *exchange, body []byte) []validator.Violation {
	err := p.cfg.Validator.ValidateResponse(ctx, x.route, x.ex.Status, x.ex.ResponseHeader, body)
	var re *validator.ResponseError
	if errors.As(err, &re) {
		return re.Violations
	}
	return nil
}

// decode returns a body without its content coding, and whether it could: not when the coding
// is not gzip (or none), or the decoded body is larger than the limit. A body that is not the
// gzip that Content-Encoding says is a violation.
func (p *Proxy) decode(header http.Header, body []byte) ([]byte, bool, *validator.Violation) {
	switch coding := strings.ToLower(strings.TrimSpace(strings.Join(header.Values("Content-Encoding"), ","))); coding {
	case "", "identity":
		return body, true, nil
	case "gzip", "x-gzip":
		if len(body) == 0 {
			return body, true, nil
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			var plain *bounded
			var all bool
			if plain, all, err = readBounded(io.NopCloser(zr), p.cfg.MaxBody); err == nil {
				return plain.Bytes(), all, nil
			}
		}
		return nil, false, &validator.Violation{In: validator.InBody, Keyword: validator.KeywordMalformed,
			Reason: "is not well-formed gzip, as Content-Encoding says", Err: err}
	}
	return nil, false, nil
}

// recordResponse records the exchange with the response body it got: decompressed when it can
// be, absent when incomplete.
func (p *Proxy) recordResponse(x *exchange, body []byte, complete bool) {
	if p.cfg.Record == nil {
		return
	}
	x.ex.ResponseBody = nil
	if complete {
		x.ex.ResponseBody = body
		if plain, ok, _ := p.decode(x.ex.ResponseHeader, body); ok {
			x.ex.ResponseBody = plain
		}
	}
	p.record(x)
}

// upstreamFailed answers 502 when the upstream cannot be reached or its response cannot be read.
func (p *Proxy) upstreamFailed(w http.ResponseWriter, r *http.Request, err error) {
	x, _ := r.Context().Value(exchangeKey{}).(*exchange)
	method, path := r.Method, r.URL.Path
	if x != nil {
		method, path = x.ex.Method, x.ex.URL.Path // r is the request to the upstream
	}
	if re := (*validator.ResponseError)(nil); !errors.As(err, &re) { // its violations are logged
		p.log.Error("upstream failed", slog.String("method", method), slog.String("path", path), slog.String("error", err.Error()))
	}
	p.answer(w, r, x, http.StatusBadGateway, err)
}

// answer writes the answer of the proxy itself with RenderError, and records it.
func (p *Proxy) answer(w http.ResponseWriter, r *http.Request, x *exchange, status int, err error) {
	c := &capture{ResponseWriter: w, limit: p.cfg.MaxBody}
	p.cfg.RenderError(c, r, status, err)
	if x != nil {
		if c.status == 0 {
			c.status = http.StatusOK // what net/http sends for a handler that writes nothing
		}
		x.ex.Status, x.ex.ResponseHeader, x.ex.ResponseBody = c.status, w.Header().Clone(), c.body.Bytes()
		p.record(x)
	}
}

// record appends the exchange to the recording, once; with its violations unless in Off mode.
func (p *Proxy) record(x *exchange) {
	if p.cfg.Record == nil {
		return
	}
	x.once.Do(func() {
		var result *validator.Result
		if p.cfg.Mode != validator.Off {
			r := x.result
			result = &r
		}
		if err := p.cfg.Record.Append(x.ex, x.started, time.Since(x.started), result); err != nil {
			p.log.Error("recording the exchange", slog.String("error", err.Error()))
		}
	})
}

func (p *Proxy) logViolations(ctx context.Context, x *exchange, side string, vs []validator.Violation) {
	for _, v := range vs {
		p.log.LogAttrs(ctx, slog.LevelWarn, side+" breaks the contract",
			slog.String("method", x.ex.Method), slog.String("path", x.ex.URL.Path),
			slog.String("in", v.In), slog.String("target", v.Target),
			slog.String("keyword", v.Keyword), slog.String("reason", v.Reason),
			slog.String("mode", p.cfg.Mode.String()))
	}
}

// recordedURL is the URL the client asked for, absolute.
func (p *Proxy) recordedURL(r *http.Request) *url.URL {
	u := *r.URL
	u.Host = r.Host
	u.Scheme = "http"
	if r.TLS != nil {
		u.Scheme = "https"
	}
	return &u
}

func routeViolation(r *http.Request, err error) validator.Violation {
	if errors.Is(err, validator.ErrMethodNotAllowed) {
		return validator.Violation{In: validator.InMethod, Target: r.Method, Keyword: validator.KeywordMethod,
			Reason: "is not a method of the operations at this path", Err: err}
	}
	return validator.Violation{In: validator.InPath, Target: r.URL.Path, Keyword: validator.KeywordNoOperation,
		Reason: "is not the path of an operation of the contract", Err: err}
}

// bounded is the start of a body, read up to a limit.
type bounded struct{ bytes.Buffer }

// readBounded reads body up to limit bytes, and reports whether that was all of it.
func readBounded(body io.ReadCloser, limit int64) (*bounded, bool, error) {
	b := &bounded{}
	if body == nil || body == http.NoBody {
		return b, true, nil
	}
	n, err := io.Copy(&b.Buffer, io.LimitReader(body, limit+1))
	if err != nil {
		return nil, false, err
	}
	return b, n <= limit, nil
}

// peek reads the first bytes of body: what one read of it gives, at least one byte unless it
// is empty.
func peek(body io.ReadCloser) (*bounded, error) {
	b := &bounded{}
	if body == nil || body == http.NoBody {
		return b, nil
	}
	buf := make([]byte, 512)
	n, err := io.ReadAtLeast(body, buf, 1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	b.Write(buf[:n])
	return b, nil
}

// reader returns a body that yields what was read, then the rest of rest.
func (b *bounded) reader(rest io.ReadCloser) io.ReadCloser {
	if rest == nil || rest == http.NoBody {
		if b.Len() == 0 {
			return http.NoBody
		}
		return io.NopCloser(bytes.NewReader(b.Bytes()))
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b.Bytes()), rest), rest}
}

// tee passes a body through, keeping a copy of its first limit bytes (none when limit is
// negative), and calls done once when the body ends or is closed: with the copy, whether the
// body ended, and whether it overflowed the limit (the copy is then empty).
type tee struct {
	io.ReadCloser
	limit    int64
	buf      bytes.Buffer
	overflow bool
	ended    bool
	once     sync.Once
	done     func(body []byte, ended, overflow bool)
}

func (t *tee) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	if n > 0 && !t.overflow {
		if int64(t.buf.Len()+n) > t.limit {
			t.overflow = true
			t.buf = bytes.Buffer{}
		} else {
			t.buf.Write(p[:n])
		}
	}
	if errors.Is(err, io.EOF) {
		t.ended = true
		t.finish()
	}
	return n, err
}

func (t *tee) Close() error {
	err := t.ReadCloser.Close()
	t.finish()
	return err
}

func (t *tee) finish() {
	t.once.Do(func() { t.done(t.buf.Bytes(), t.ended, t.overflow) })
}

// capture is a ResponseWriter that keeps a bounded copy of what the proxy itself answers, for
// the recording.
type capture struct {
	http.ResponseWriter
	limit  int64
	status int
	body   bytes.Buffer
}

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if int64(c.body.Len()+len(b)) <= c.limit {
		c.body.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the ResponseWriter.
func (c *capture) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// responseRecorder renders a replacement response, to put in place of an upstream one.
type responseRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newResponseRecorder() *responseRecorder { return &responseRecorder{header: http.Header{}} }

func (r *responseRecorder) Header() http.Header { return r.header }

func (r *responseRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *responseRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// replace makes resp the rendered response.
func (r *responseRecorder) replace(resp *http.Response) {
	if r.status == 0 {
		r.status = http.StatusOK // as net/http answers a handler that writes nothing
	}
	resp.StatusCode = r.status
	resp.Status = strconv.Itoa(r.status) + " " + http.StatusText(r.status)
	resp.Header = r.header
	resp.Header.Set("Content-Length", strconv.Itoa(r.body.Len()))
	resp.ContentLength = int64(r.body.Len())
	resp.TransferEncoding = nil
	resp.Trailer = nil
	resp.Uncompressed = false
	resp.Body = io.NopCloser(bytes.NewReader(r.body.Bytes()))
}
