// Package server is the contract server: the handlers of the operations of openapi.yaml, on
// the generated Echo strict server, behind the validator and in front of a store. It answers
// as Microsoft Graph does: correlation ids, the OData error envelope, OData context URLs.
package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/server/faults"
	"github.com/datashare/datashare/server/fixture"
	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/validator"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Config configures a Server. The zero value is a server on an empty in-memory store that
// enforces the contract on its responses and logs nothing.
type Config struct {
	// Backend keeps the state of each session; nil means in memory. The server does not close
	// it: its owner does, after the server has shut down.
	Backend store.Backend
	// Store, when set, is the one store of every session (for tests); Sessions is then unused.
	Store store.Store
	// Seed is loaded into every new session, and into a session that is reset; nil: empty.
	Seed *store.Fixture
	// SessionTTL drops sessions idle for longer (never the default session); 0: never.
	SessionTTL time.Duration
	// MaxSessions bounds the number of named sessions (those of X-Datashare-Session); a new
	// one beyond it is refused 503. The default session is always served. 0 means 1000.
	MaxSessions int
	// ControlToken, when set, is the token the control API asks of every client; when empty,
	// the control API answers only on the loopback interface.
	ControlToken string
	// Faults are the faults injected into the operations (latency, throttling, random errors),
	// besides those a request asks for with Prefer: code= or example=.
	Faults faults.Config
	// ResponseValidation says what happens to a response that breaks the contract.
	ResponseValidation validator.Mode
	// Logger receives one line per request and every contract violation; nil discards them.
	Logger *slog.Logger
	// Authenticator checks the credentials of each security requirement of an operation, with
	// the scopes it lists (see server/auth); nil checks only that a Bearer token is present.
	Authenticator openapi3filter.AuthenticationFunc
	// PublicURL is the absolute URL clients reach the server at ("https://mock.example.com"),
	// for the URLs in answers (@odata.nextLink, Location, @odata.context); empty means the
	// scheme and host of each request.
	PublicURL string
}

// maxBodyBytes is the largest request body the server reads; a larger one is answered 413.
const maxBodyBytes = 1 << 20

// Server is the contract server, an http.Handler. Build it with New.
type Server struct {
	echo         *echo.Echo
	api          *validator.Validator
	log          *slog.Logger
	sessions     *sessionManager
	backend      store.Backend
	fixtures     *fixture.Checker
	controlToken string
	journal      *ring[journalEntry]
	violations   *ring[violationEntry]
	mode         validator.Mode
	basePath     string
	publicRoot   string // the service root of PublicURL, or ""
	segments     segments
	specYAML     []byte
}

// New builds a Server: it loads the embedded contract, compiles its validator and registers
// the routes, once.
func New(cfg Config) (*Server, error) {
	doc, err := gen.Spec()
	if err != nil {
		return nil, fmt.Errorf("loading the embedded contract: %w", err)
	}
	basePath, err := servicePath(doc)
	if err != nil {
		return nil, err
	}
	publicRoot, err := publicServiceRoot(cfg.PublicURL, basePath)
	if err != nil {
		return nil, err
	}
	control, err := ControlSpec()
	if err != nil {
		return nil, fmt.Errorf("loading the control API's document: %w", err)
	}
	checker, err := fixture.NewChecker(doc, control)
	if err != nil {
		return nil, err
	}
	s := &Server{
		log:          cfg.Logger,
		fixtures:     checker,
		controlToken: cfg.ControlToken,
		journal:      newRing[journalEntry](journalSize),
		violations:   newRing[violationEntry](journalSize),
		mode:         cfg.ResponseValidation,
		basePath:     basePath,
		publicRoot:   publicRoot,
		segments:     newSegments(basePath, doc.Paths.InMatchingOrder()),
		specYAML:     gen.SpecYAML(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	backend := cfg.Backend
	switch {
	case cfg.Store != nil:
		backend = fixedSessions{cfg.Store}
	case backend == nil:
		backend = store.NewMemorySessions()
	}
	s.backend = backend
	maxSessions := cfg.MaxSessions
	if maxSessions <= 0 {
		maxSessions = 1000
	}
	s.sessions = newSessionManager(backend, cfg.Seed, cfg.SessionTTL, maxSessions)
	opts := []validator.Option{
		validator.WithMode(cfg.ResponseValidation),
		validator.WithLogger(s.log),
		validator.WithBasePath(basePath),
		validator.RejectUnknownQueryParameters(),
		validator.WithResponseErrorHook(s.recordViolations),
	}
	if cfg.Authenticator != nil {
		opts = append(opts, validator.WithAuthenticator(cfg.Authenticator))
	}
	v, err := validator.New(doc, opts...)
	if err != nil {
		return nil, err
	}
	s.api = v

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.Pre(middleware.RemoveTrailingSlash(), s.normalizeRequests)
	injected, err := faults.New(cfg.Faults, v, s.renderFault)
	if err != nil {
		return nil, err
	}
	e.Use(s.correlate, s.logRequests, s.recoverPanics(), s.limitBodies(), v.Middleware(), s.recoverPanics(),
		s.useSession, injected.Middleware())
	e.GET("/healthz", s.healthz)
	e.GET("/openapi.yaml", s.openapi)
	if err := s.registerControl(e, control, cfg.ResponseValidation); err != nil {
		return nil, err
	}
	h := &handlers{schema: store.FlowSchema(), runSchema: store.RunSchema()}
	gen.RegisterHandlersWithBaseURL(e, gen.NewStrictHandler(h, nil), basePath)
	s.echo = e
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// BasePath returns the path of the service root, "/beta".
func (s *Server) BasePath() string { return s.basePath }

// servicePath returns the path the servers of doc share: every server of the contract is the
// same service root on another host, so the path is the one thing the routes depend on.
func servicePath(doc *openapi3.T) (string, error) {
	path := ""
	for i, srv := range doc.Servers {
		p, err := srv.BasePath()
		if err != nil {
			return "", fmt.Errorf("contract server %q: %w", srv.URL, err)
		}
		if i > 0 && p != path {
			return "", fmt.Errorf("contract servers have different paths %q and %q", path, p)
		}
		path = p
	}
	if path == "" || path == "/" {
		return "", errors.New("the contract names no service root path in its servers")
	}
	return path, nil
}

// renderFault answers an injected fault in Graph's error envelope.
func (s *Server) renderFault(c echo.Context, status int, message string, retryAfter time.Duration) error {
	return &Error{Status: status, Message: message, RetryAfter: retryAfter}
}

// publicServiceRoot returns the service root under publicURL: publicURL with the base path,
// unless it already ends with it.
func publicServiceRoot(publicURL, basePath string) (string, error) {
	if publicURL == "" {
		return "", nil
	}
	u, err := url.Parse(publicURL)
	if err != nil || u.Scheme == "" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("public URL %q: want an absolute http(s) URL without query", publicURL)
	}
	root := strings.TrimRight(publicURL, "/")
	if !strings.HasSuffix(root, basePath) {
		root += basePath
	}
	return root, nil
}

// normalizeRequests gives requests to the service the form Graph's beta endpoint reads them in,
// before anything validates them: the query as normalizeQuery says, and the lines of a
// list-valued header (If-Match, If-None-Match, Prefer) joined into one, as RFC 9110 allows.
func (s *Server) normalizeRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if strings.HasPrefix(req.URL.Path, s.basePath+"/") {
			normalizeQuery(req)
			for _, name := range [...]string{"If-Match", "If-None-Match", "Prefer"} {
				if values := req.Header[name]; len(values) > 1 {
					req.Header[name] = []string{strings.Join(values, ", ")}
				}
			}
		}
		return next(c)
	}
}

// limitBodies answers 413 to a request whose body is larger than maxBodyBytes, by its
// Content-Length or as soon as reading passes the limit, never reading it whole. Methods whose
// operations take no body are left alone: their bodies are never read.
func (s *Server) limitBodies() echo.MiddlewareFunc {
	return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit: strconv.Itoa(maxBodyBytes) + "B",
		Skipper: func(c echo.Context) bool {
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodOptions:
				return true
			}
			return false
		},
	})
}

// healthz answers 200 while the server and its store can serve, 503 otherwise, saying which
// store it is and, when it fails, why.
func (s *Server) healthz(c echo.Context) error {
	body := map[string]string{"status": "ok", "store": s.backend.Name()}
	if err := s.backend.Ping(c.Request().Context()); err != nil {
		body["status"], body["error"] = "unavailable", err.Error()
		return c.JSON(http.StatusServiceUnavailable, body)
	}
	return c.JSON(http.StatusOK, body)
}

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", s.specYAML)
}

// recoverPanics is Echo's Recover middleware, set to log the panic with its stack and to
// return it as an error, so that it is rendered (and validated) like any other error.
func (s *Server) recoverPanics() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableErrorHandler: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.LogAttrs(c.Request().Context(), slog.LevelError, "panic",
				slog.String("error", err.Error()),
				slog.String("request-id", correlationOf(c.Request().Context()).requestID),
				slog.String("stack", string(stack)))
			return err
		},
	})
}
