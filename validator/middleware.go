package validator

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// Middleware returns the Echo middleware that validates the traffic of the operations of the
// document. Register it with Echo.Use, so that it runs after routing: it finds the operation of
// a request by the route Echo matched, and lets requests to other routes (and to none) pass.
//
// A request that breaks the contract never reaches the next handler: the middleware renders a
// *RequestError with the error handler. Unless the mode is Off, the response — whether the
// handler wrote it or the error handler rendered the error the handler returned — is buffered
// and validated before it is sent. In Enforce mode a response that breaks the contract is
// replaced by the rendering of a *ResponseError; in Report mode it is sent as it is. In both
// modes each violation is logged.
func (v *Validator) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			route := v.routes[routeKey{req.Method, c.Path()}]
			if route == nil {
				return next(c)
			}
			if spansSegments(c) {
				// Echo lets a path parameter at the end of a route take the rest of the path,
				// slashes included; in OpenAPI it is one segment, so no operation matches.
				return echo.ErrNotFound
			}
			if v.mode == Off {
				err := v.ValidateRequest(req.Context(), req, route, pathParams(c))
				if err == nil {
					err = next(c)
				}
				if err != nil {
					v.renderError(c, err)
				}
				return nil
			}
			v.serveValidated(c, route, next)
			return nil
		}
	}
}

// RouteOf returns the route of the document that Echo matched for c, or nil: for middleware
// that runs after Middleware and acts on the operation of a request.
func (v *Validator) RouteOf(c echo.Context) *Route {
	if spansSegments(c) {
		return nil
	}
	return v.routes[routeKey{c.Request().Method, c.Path()}]
}

// serveValidated runs the request through validation and next into a buffer, validates what
// was written there, and sends it, or its replacement, to the client.
func (v *Validator) serveValidated(c echo.Context, route *Route, next echo.HandlerFunc) {
	original := c.Response()
	rec := newRecorder(original.Header())
	c.SetResponse(echo.NewResponse(rec, c.Echo()))
	defer c.SetResponse(original)

	req := c.Request()
	err := v.ValidateRequest(req.Context(), req, route, pathParams(c))
	if err == nil {
		err = next(c)
	}
	if err != nil {
		v.renderError(c, err)
	}

	if vs := v.responseViolations(route, rec.status, rec.header, rec.body.Bytes()); len(vs) > 0 {
		rerr := &ResponseError{OperationID: route.OperationID, Status: rec.status, Violations: vs}
		v.logResponseError(req.Context(), req, rerr)
		if v.mode == Enforce {
			rec = newRecorder(original.Header())
			c.SetResponse(echo.NewResponse(rec, c.Echo()))
			v.renderError(c, rerr)
			// The replacement is sent whatever it is, but an error handler that breaks the
			// contract too is worth a line in the log.
			if vs := v.responseViolations(route, rec.status, rec.header, rec.body.Bytes()); len(vs) > 0 {
				v.logResponseError(req.Context(), req, &ResponseError{OperationID: route.OperationID, Status: rec.status, Violations: vs})
			}
		}
	}
	rec.sendTo(original)
}

func (v *Validator) renderError(c echo.Context, err error) {
	if v.errorHandler != nil {
		v.errorHandler(c, err)
		return
	}
	c.Echo().HTTPErrorHandler(err, c)
}

func (v *Validator) logResponseError(ctx context.Context, req *http.Request, err *ResponseError) {
	if v.onResponseError != nil {
		v.onResponseError(ctx, req, err)
	}
	action := "sent anyway"
	if v.mode == Enforce {
		action = "replaced"
	}
	for _, vio := range err.Violations {
		v.logger.LogAttrs(ctx, slog.LevelError, "response breaks the contract",
			slog.String("operation", err.OperationID),
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.Int("status", err.Status),
			slog.String("in", vio.In),
			slog.String("target", vio.Target),
			slog.String("keyword", vio.Keyword),
			slog.String("reason", vio.Reason),
			slog.String("response", action),
		)
	}
}

// spansSegments reports whether a path parameter Echo matched holds more than one segment.
func spansSegments(c echo.Context) bool {
	for _, value := range c.ParamValues() {
		if strings.Contains(value, "/") {
			return true
		}
	}
	return false
}

// pathParams returns the path parameters Echo matched, unescaped.
func pathParams(c echo.Context) map[string]string {
	names := c.ParamNames()
	if len(names) == 0 {
		return nil
	}
	values := c.ParamValues()
	params := make(map[string]string, len(names))
	for i, name := range names {
		if i >= len(values) {
			break
		}
		value := values[i]
		if u, err := url.PathUnescape(value); err == nil {
			value = u
		}
		params[name] = value
	}
	return params
}

// recorder is the http.ResponseWriter the handler writes into while its response waits to be
// validated. Its header starts as a copy of the real one, so that headers set by outer
// middleware are validated too.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder(h http.Header) *recorder {
	return &recorder{header: h.Clone(), status: http.StatusOK}
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) { r.status = status }

func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// sendTo writes the recorded response to w, header, status and body.
func (r *recorder) sendTo(w *echo.Response) {
	h := w.Header()
	clear(h)
	maps.Copy(h, r.header)
	w.WriteHeader(r.status)
	if r.body.Len() > 0 {
		_, _ = w.Write(r.body.Bytes())
	}
}
