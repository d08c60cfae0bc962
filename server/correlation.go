package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/validator"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// correlation is what the server knows of a request before any handler runs.
type correlation struct {
	requestID       string
	clientRequestID string
	// serviceRoot is the absolute URL of the service root as the client reached it:
	// "http://127.0.0.1:8080/beta".
	serviceRoot string
	// session and store are the session of the request and its store, once useSession ran.
	session string
	store   store.Store
}

type correlationKey struct{}

// The correlation headers, in the canonical form of net/http.
const (
	headerRequestID       = "Request-Id"
	headerClientRequestID = "Client-Request-Id"
)

// correlationOf returns the correlation of the request ctx belongs to, or a new zero one.
func correlationOf(ctx context.Context) *correlation {
	if c, _ := ctx.Value(correlationKey{}).(*correlation); c != nil {
		return c
	}
	return &correlation{}
}

// correlate gives every request its request-id and echoes its client-request-id (or the
// request-id), in the response headers and in the request context.
func (s *Server) correlate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		corr := &correlation{requestID: uuid.NewString(), clientRequestID: req.Header.Get(headerClientRequestID)}
		if corr.clientRequestID == "" {
			corr.clientRequestID = corr.requestID
		}
		corr.serviceRoot = s.publicRoot
		if corr.serviceRoot == "" {
			corr.serviceRoot = c.Scheme() + "://" + req.Host + s.basePath
		}
		h := c.Response().Header()
		h[headerRequestID] = []string{corr.requestID}
		h[headerClientRequestID] = []string{corr.clientRequestID}
		c.SetRequest(req.WithContext(context.WithValue(req.Context(), correlationKey{}, corr)))
		return next(c)
	}
}

// logRequests logs one line per request, once the response is written, and keeps the
// requests to the service in the journal.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		req := c.Request()
		if strings.HasPrefix(req.URL.Path, s.basePath+"/") {
			corr := correlationOf(req.Context())
			session := corr.session
			if session == "" { // refused before its session was opened
				var err error
				if session, err = s.sessions.sessionName(req); err != nil {
					session = "(invalid)"
				}
			}
			s.journal.add(journalEntry{
				Time: start.UTC(), RequestID: corr.requestID, Session: session, Method: req.Method,
				Path: req.URL.RequestURI(), Status: c.Response().Status,
				DurationMs: float64(time.Since(start).Microseconds()) / 1000,
			})
		}
		if !s.log.Enabled(req.Context(), slog.LevelInfo) {
			return nil
		}
		s.log.LogAttrs(req.Context(), slog.LevelInfo, "request",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.Int("status", c.Response().Status),
			slog.Duration("duration", time.Since(start)),
			slog.String("request-id", correlationOf(req.Context()).requestID),
		)
		return nil
	}
}

// recordViolations keeps the violations of a response, for the control API.
func (s *Server) recordViolations(ctx context.Context, req *http.Request, err *validator.ResponseError) {
	now := time.Now().UTC()
	for _, v := range err.Violations {
		s.violations.add(violationEntry{
			Time: now, RequestID: correlationOf(ctx).requestID, OperationID: err.OperationID,
			Method: req.Method, Path: req.URL.RequestURI(), Status: err.Status,
			In: v.In, Target: v.Target, Keyword: v.Keyword, Reason: v.Reason, Mode: s.mode.String(),
		})
	}
}
