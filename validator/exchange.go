package validator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// Errors of FindRoute.
var (
	// ErrNoOperation: no operation of the document has this path.
	ErrNoOperation = errors.New("no operation of the contract has this path")
	// ErrMethodNotAllowed: operations have this path, but none with this method.
	ErrMethodNotAllowed = errors.New("no operation of the contract has this method at this path")
)

// An Exchange is one request and the response it got, as recorded or as seen in flight.
type Exchange struct {
	Method        string
	URL           *url.URL
	RequestHeader http.Header
	RequestBody   []byte
	// Status is 0 when the request got no response (a recording without one).
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
}

// A Result says how an exchange stands with the contract.
type Result struct {
	// Route is the operation the request targets; nil when none does.
	Route *Route
	// Request lists the violations of the request (a request to no operation is one).
	Request []Violation
	// Response lists the violations of the response.
	Response []Violation
}

// OK reports whether the exchange obeys the contract.
func (r Result) OK() bool { return len(r.Request) == 0 && len(r.Response) == 0 }

// Violations returns the violations of the request, then those of the response.
func (r Result) Violations() []Violation {
	return append(append([]Violation(nil), r.Request...), r.Response...)
}

// FindRoute returns the operation that a request with this method and path (escaped, as on
// the wire) targets, and its path parameters, unescaped. The path is matched, with Echo's router,
// against the operations' paths under the base paths of the document's servers (or
// WithBasePath), whatever the host. It returns ErrNoOperation or ErrMethodNotAllowed when no
// operation matches.
func (v *Validator) FindRoute(method, path string) (*Route, map[string]string, error) {
	c := v.router.AcquireContext()
	defer v.router.ReleaseContext(c)
	c.Reset(nil, nil)
	v.router.Router().Find(method, path, c)
	route := v.routes[routeKey{method, c.Path()}]
	if route == nil || spansSegments(c) {
		if v.paths[c.Path()] && !spansSegments(c) {
			return nil, nil, ErrMethodNotAllowed
		}
		return nil, nil, ErrNoOperation
	}
	return route, pathParams(c), nil
}

// newRouter returns an Echo instance whose router knows the routes of v, for FindRoute.
func newRouter(routes []*Route) *echo.Echo {
	e := echo.New()
	noop := func(echo.Context) error { return nil }
	for _, r := range routes {
		e.Add(r.Method, echoPath(r.Path), noop)
	}
	return e
}

// CheckExchange checks an exchange against the contract: the request against the operation it
// targets, and the response against what the operation documents for its status.
func (v *Validator) CheckExchange(ctx context.Context, ex Exchange) Result {
	var res Result
	path := "/"
	if ex.URL != nil {
		path = ex.URL.EscapedPath()
	}
	route, params, err := v.FindRoute(ex.Method, path)
	if err != nil {
		keyword, reason := KeywordNoOperation, "is not the path of an operation of the contract"
		if errors.Is(err, ErrMethodNotAllowed) {
			keyword, reason = KeywordMethod, "is not a method of the operations at this path"
		}
		target := path
		if keyword == KeywordMethod {
			target = ex.Method
		}
		in := InPath
		if keyword == KeywordMethod {
			in = InMethod
		}
		res.Request = []Violation{{In: in, Target: target, Keyword: keyword, Reason: reason, Err: err}}
		return res
	}
	res.Route = route

	req, err := ex.request(ctx)
	if err != nil {
		res.Request = []Violation{{In: InPath, Keyword: KeywordMalformed, Reason: "is not a request that can be checked", Err: err}}
	} else if err := v.ValidateRequest(ctx, req, route, params); err != nil {
		var re *RequestError
		if errors.As(err, &re) {
			res.Request = re.Violations
		} else {
			res.Request = []Violation{{In: InBody, Keyword: KeywordMalformed, Reason: "could not be read", Err: err}}
		}
	}
	if ex.Status != 0 {
		res.Response = v.responseViolations(route, ex.Status, ex.ResponseHeader, ex.ResponseBody)
	}
	return res
}

// request turns the request of ex into an *http.Request.
func (ex Exchange) request(ctx context.Context) (*http.Request, error) {
	u := ex.URL
	if u == nil {
		u = &url.URL{Path: "/"}
	}
	req, err := http.NewRequestWithContext(ctx, ex.Method, u.String(), bytes.NewReader(ex.RequestBody))
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	if len(ex.RequestBody) == 0 {
		req.Body = http.NoBody
	}
	if ex.RequestHeader != nil {
		req.Header = ex.RequestHeader.Clone()
	}
	if host := req.Header.Get("Host"); host != "" && req.Host == "" {
		req.Host = host
	}
	return req, nil
}

// ValidateExchange checks a request and the response it got, as an HTTP client sees them: it
// reads both bodies and leaves them readable again. The request body must be readable through
// GetBody (as http.NewRequest makes it for byte, string and bytes readers) or not yet consumed.
func (v *Validator) ValidateExchange(req *http.Request, resp *http.Response) (Result, error) {
	reqBody, err := readRequestBody(req)
	if err != nil {
		return Result{}, err
	}
	ex := Exchange{Method: req.Method, URL: req.URL, RequestHeader: req.Header, RequestBody: reqBody}
	if resp != nil {
		body, err := readAndRestore(&resp.Body)
		if err != nil {
			return Result{}, fmt.Errorf("reading the response body: %w", err)
		}
		ex.Status, ex.ResponseHeader, ex.ResponseBody = resp.StatusCode, resp.Header, body
	}
	return v.CheckExchange(req.Context(), ex), nil
}

// readRequestBody returns the body of a request a client is about to send or has sent.
func readRequestBody(req *http.Request) ([]byte, error) {
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("reading the request body: %w", err)
		}
		defer body.Close()
		return io.ReadAll(body)
	}
	b, err := readAndRestore(&req.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	return b, nil
}

// readAndRestore reads a body whole and puts an equal one in its place.
func readAndRestore(body *io.ReadCloser) ([]byte, error) {
	if *body == nil || *body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(*body)
	(*body).Close()
	*body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

// Describe returns the violations of r in lines, "request body "x": must be a string".
func (r Result) Describe() string {
	var b strings.Builder
	for _, v := range r.Request {
		b.WriteString("request " + v.String() + "\n")
	}
	for _, v := range r.Response {
		b.WriteString("response " + v.String() + "\n")
	}
	return b.String()
}
