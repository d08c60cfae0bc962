package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/datashare/datashare/server/store"
	"github.com/labstack/echo/v4"
)

// sessionHeader names the session of a request; without it, the default session.
const sessionHeader = "X-Datashare-Session"

// defaultSession is the name of the session of requests without sessionHeader.
const defaultSession = "default"

// sessionManager hands each request the store of its session: it creates a session, seeded,
// on first use, drops the sessions idle for longer than the TTL, and bounds their number.
type sessionManager struct {
	backend store.Sessions
	seed    *store.Fixture // nil: sessions start empty
	ttl     time.Duration  // 0: sessions never expire
	max     int
	now     func() time.Time
	names   *regexp.Regexp

	mu       sync.Mutex
	lastUsed map[string]time.Time
	swept    time.Time
}

func newSessionManager(backend store.Sessions, seed *store.Fixture, ttl time.Duration, max int) *sessionManager {
	return &sessionManager{
		backend: backend, seed: seed, ttl: ttl, max: max, now: time.Now,
		names:    regexp.MustCompile(`^[A-Za-z0-9._~-]{1,64}$`),
		lastUsed: make(map[string]time.Time),
	}
}

// errTooManySessions: the server holds as many sessions as it may.
var errTooManySessions = errors.New("too many sessions")

// open returns the store of the named session, creating and seeding it if needed.
func (m *sessionManager) open(ctx context.Context, name string) (store.Store, error) {
	now := m.now()
	m.mu.Lock()
	if m.ttl > 0 && now.Sub(m.swept) > m.ttl/10 {
		m.sweepLocked(ctx, now)
	}
	_, known := m.lastUsed[name]
	if !known && len(m.lastUsed) >= m.max {
		m.mu.Unlock()
		return nil, fmt.Errorf("session %q: %w", name, errTooManySessions)
	}
	m.lastUsed[name] = now
	m.mu.Unlock()

	s, created, err := m.backend.Open(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("opening session %q: %w", name, err)
	}
	if created {
		if err := m.load(ctx, s); err != nil {
			return nil, fmt.Errorf("seeding session %q: %w", name, err)
		}
	}
	return s, nil
}

// reset puts the seed back into the named session.
func (m *sessionManager) reset(ctx context.Context, name string) error {
	s, err := m.open(ctx, name)
	if err != nil {
		return err
	}
	return m.load(ctx, s)
}

func (m *sessionManager) load(ctx context.Context, s store.Store) error {
	if m.seed == nil {
		return s.Load(ctx, store.Fixture{})
	}
	return s.Load(ctx, *m.seed)
}

// drop deletes the named session; the default one is emptied and seeded again instead.
func (m *sessionManager) drop(ctx context.Context, name string) error {
	if name == defaultSession {
		return m.reset(ctx, name)
	}
	m.mu.Lock()
	delete(m.lastUsed, name)
	m.mu.Unlock()
	return m.backend.Drop(ctx, name)
}

// sweepLocked drops the sessions idle for longer than the TTL, but the default one. The
// caller holds m.mu.
func (m *sessionManager) sweepLocked(ctx context.Context, now time.Time) {
	m.swept = now
	for name, used := range m.lastUsed {
		if name != defaultSession && now.Sub(used) > m.ttl {
			delete(m.lastUsed, name)
			_ = m.backend.Drop(ctx, name) // gone already is fine
		}
	}
}

// sessionInfo is a session as the control API lists it.
type sessionInfo struct {
	Name     string    `json:"name"`
	LastUsed time.Time `json:"lastUsed"`
}

func (m *sessionManager) list() []sessionInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]sessionInfo, 0, len(m.lastUsed))
	for name, used := range m.lastUsed {
		out = append(out, sessionInfo{Name: name, LastUsed: used.UTC()})
	}
	slices.SortFunc(out, func(a, b sessionInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// sessionName returns the session a request names, or an error for a malformed name.
func (m *sessionManager) sessionName(req *http.Request) (string, error) {
	name := req.Header.Get(sessionHeader)
	if name == "" {
		return defaultSession, nil
	}
	if !m.names.MatchString(name) {
		return "", &Error{Status: http.StatusBadRequest, Target: sessionHeader,
			Message: "The header '" + sessionHeader + "' must be 1 to 64 letters, digits or ._~- characters.",
			Details: []Detail{{Code: "invalidValue", Target: sessionHeader,
				Message: "The header '" + sessionHeader + "' must be 1 to 64 letters, digits or ._~- characters."}}}
	}
	return name, nil
}

// useSession resolves the store of the session of each request to an operation of the
// contract, for the handlers.
func (s *Server) useSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.api.RouteOf(c) == nil {
			return next(c)
		}
		req := c.Request()
		name, err := s.sessions.sessionName(req)
		if err != nil {
			return err
		}
		st, err := s.sessions.open(req.Context(), name)
		if err != nil {
			return s.sessionError(err)
		}
		corr := correlationOf(req.Context())
		corr.session, corr.store = name, st
		return next(c)
	}
}

// storeOf returns the store of the session of the request ctx belongs to.
func storeOf(ctx context.Context) store.Store { return correlationOf(ctx).store }

// fixedSessions gives every session one store: the Config.Store of tests.
type fixedSessions struct{ s store.Store }

func (f fixedSessions) Open(context.Context, string) (store.Store, bool, error) {
	return f.s, false, nil
}
func (f fixedSessions) Drop(context.Context, string) error      { return nil }
func (f fixedSessions) Names(context.Context) ([]string, error) { return []string{defaultSession}, nil }
