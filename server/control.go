package server

import (
	"crypto/subtle"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/datashare/datashare/server/fixture"
	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/validator"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// controlYAML is the OpenAPI document of the control API.
//
//go:embed control.yaml
var controlYAML []byte

// controlPath is where the control API lives, outside the service root.
const controlPath = "/_datashare"

// ControlSpec returns the OpenAPI document of the control API, loaded; the caller owns it.
func ControlSpec() (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromData(controlYAML)
}

// registerControl adds the control API to e: validated against its own document, then behind
// its guard, so that the guard's refusals are validated too.
func (s *Server) registerControl(e *echo.Echo, doc *openapi3.T, mode validator.Mode) error {
	v, err := validator.New(doc,
		validator.WithMode(mode),
		validator.WithLogger(s.log),
		validator.WithBasePath(controlPath),
		validator.RejectUnknownQueryParameters(),
	)
	if err != nil {
		return fmt.Errorf("control API: %w", err)
	}
	g := e.Group(controlPath, v.Middleware(), s.guardControl)
	g.POST("/reset", s.controlReset)
	g.PUT("/fixture", s.controlLoadFixture)
	g.GET("/journal", s.controlJournal)
	g.DELETE("/journal", s.controlClearJournal)
	g.GET("/violations", s.controlViolations)
	g.GET("/sessions", s.controlSessions)
	g.DELETE("/sessions/:name", s.controlDropSession)
	return nil
}

// guardControl lets through only the clients the control API answers: those with the control
// token when the server has one, else those on the loopback interface.
func (s *Server) guardControl(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if s.controlToken != "" {
			token, ok := validator.BearerToken(req.Header)
			if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.controlToken)) != 1 {
				return &Error{Status: http.StatusUnauthorized, Target: "Authorization",
					Message: "The control API needs the server's control token: Authorization: Bearer <token>."}
			}
			return next(c)
		}
		host, _, err := net.SplitHostPort(req.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return &Error{Status: http.StatusForbidden,
				Message: "The control API answers only on the loopback interface unless the server has a --control-token."}
		}
		return next(c)
	}
}

// controlReset puts the seed back into the session the request names.
func (s *Server) controlReset(c echo.Context) error {
	name, err := s.sessions.sessionName(c.Request())
	if err != nil {
		return err
	}
	if err := s.sessions.reset(c.Request().Context(), name); err != nil {
		return s.sessionError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// controlLoadFixture replaces the content of the session the request names with a fixture.
func (s *Server) controlLoadFixture(c echo.Context) error {
	req := c.Request()
	name, err := s.sessions.sessionName(req)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(req.Body)
	if err != nil {
		return fmt.Errorf("reading the fixture: %w", err)
	}
	f, err := s.fixtures.Parse("the fixture", data)
	if err != nil {
		return fixtureError(err)
	}
	st, err := s.sessions.open(req.Context(), name)
	if err != nil {
		return s.sessionError(err)
	}
	if err := st.Load(req.Context(), f); err != nil {
		return fixtureError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// fixtureError answers a fixture that cannot be loaded: 400 with a detail for each problem.
func fixtureError(err error) error {
	var fe *fixture.Error
	if errors.As(err, &fe) {
		ge := &Error{Status: http.StatusBadRequest, Err: err,
			Message: fmt.Sprintf("The fixture cannot be loaded: %d problems; see details.", len(fe.Problems))}
		for _, p := range fe.Problems {
			target := p.Entry
			if p.Property != "" {
				target += "." + p.Property
			}
			ge.Details = append(ge.Details, Detail{Code: "invalidFixture", Message: p.String(), Target: target})
		}
		if len(ge.Details) == 1 {
			ge.Message = "The fixture cannot be loaded: " + ge.Details[0].Message
		}
		return ge
	}
	if errors.Is(err, store.ErrDuplicateID) {
		return &Error{Status: http.StatusBadRequest, Message: "The fixture cannot be loaded: it gives two entities the same id.", Err: err}
	}
	return err
}

// sessionError answers a failure to open a session.
func (s *Server) sessionError(err error) error {
	if errors.Is(err, errTooManySessions) {
		return &Error{Status: http.StatusServiceUnavailable, Err: err, RetryAfter: 10 * time.Second,
			Message: fmt.Sprintf("The server holds its maximum of %d sessions; retry when idle ones have expired.", s.sessions.max)}
	}
	return err
}

func limitOf(c echo.Context) int {
	n, err := strconv.Atoi(c.QueryParam("limit"))
	if err != nil || n < 1 {
		return 100
	}
	return n
}

// controlJournal answers the last requests to the service.
func (s *Server) controlJournal(c echo.Context) error {
	session := c.QueryParam("session")
	entries := s.journal.last(limitOf(c), func(e journalEntry) bool { return session == "" || e.Session == session })
	return c.JSON(http.StatusOK, map[string]any{"value": entries})
}

func (s *Server) controlClearJournal(c echo.Context) error {
	s.journal.clear()
	return c.NoContent(http.StatusNoContent)
}

// controlViolations answers the last violations of the contract by responses.
func (s *Server) controlViolations(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"value": s.violations.last(limitOf(c), nil)})
}

func (s *Server) controlSessions(c echo.Context) error {
	sessions, err := s.sessions.list(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"value": sessions})
}

func (s *Server) controlDropSession(c echo.Context) error {
	name := c.Param("name")
	if err := s.sessions.drop(c.Request().Context(), name); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return &Error{Status: http.StatusNotFound, Target: "name", Message: fmt.Sprintf("There is no session '%s'.", name), Err: err}
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
