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
	max     int            // of named sessions; the default one is always served
	now     func() time.Time
	names   *regexp.Regexp

	mu       sync.Mutex
	sessions map[string]*sessionState
	swept    time.Time
}

// sessionState is what the manager knows of a session.
type sessionState struct {
	lastUsed time.Time // guarded by sessionManager.mu
	// opening is held while the session's store is opened, and seeded when it is new, so that
	// no request uses a new session before its seed is loaded.
	opening sync.Mutex
}

func newSessionManager(backend store.Sessions, seed *store.Fixture, ttl time.Duration, max int) *sessionManager {
	return &sessionManager{
		backend: backend, seed: seed, ttl: ttl, max: max, now: time.Now,
		names:    regexp.MustCompile(`^[A-Za-z0-9._~-]{1,64}$`),
		sessions: make(map[string]*sessionState),
	}
}

// errTooManySessions: the server holds as many sessions as it may.
var errTooManySessions = errors.New("too many sessions")

// open returns the store of the named session, creating and seeding it if needed.
func (m *sessionManager) open(ctx context.Context, name string) (store.Store, error) {
	s, _, err := m.openStore(ctx, name)
	return s, err
}

// openStore is open, and says whether the session was created (and seeded).
func (m *sessionManager) openStore(ctx context.Context, name string) (store.Store, bool, error) {
	now := m.now()
	m.mu.Lock()
	st, err := m.useLocked(ctx, name, now)
	m.mu.Unlock()
	if err != nil {
		return nil, false, err
	}

	st.opening.Lock()
	defer st.opening.Unlock()
	s, created, err := m.backend.Open(ctx, name)
	if err != nil {
		return nil, false, fmt.Errorf("opening session %q: %w", name, err)
	}
	if created {
		if err := m.load(ctx, s); err != nil {
			return nil, false, fmt.Errorf("seeding session %q: %w", name, err)
		}
	}
	return s, created, nil
}

// useLocked marks the named session used at now and returns its state: a new one if the
// session is new, or expired, and there is room for it. The caller holds m.mu.
func (m *sessionManager) useLocked(ctx context.Context, name string, now time.Time) (*sessionState, error) {
	if m.ttl > 0 && now.Sub(m.swept) > m.ttl/10 {
		m.sweepLocked(ctx, now)
	}
	st := m.sessions[name]
	if st != nil && m.expired(name, st, now) {
		// Expired since the last sweep: it starts afresh, as if the sweep had dropped it.
		delete(m.sessions, name)
		_ = m.backend.Drop(ctx, name) // gone already is fine
		st = nil
	}
	if st == nil {
		if name != defaultSession && m.namedLocked() >= m.max && m.ttl > 0 {
			m.sweepLocked(ctx, now) // sessions may have expired since the last sweep
		}
		if name != defaultSession && m.namedLocked() >= m.max {
			return nil, fmt.Errorf("session %q: %w", name, errTooManySessions)
		}
		st = &sessionState{}
		m.sessions[name] = st
	}
	st.lastUsed = now
	return st, nil
}

// expired reports whether the named session has been idle for longer than the TTL at now. The
// default session never expires. The caller holds m.mu.
func (m *sessionManager) expired(name string, st *sessionState, now time.Time) bool {
	return m.ttl > 0 && name != defaultSession && now.Sub(st.lastUsed) > m.ttl
}

// namedLocked returns the number of sessions but the default one. The caller holds m.mu.
func (m *sessionManager) namedLocked() int {
	if _, ok := m.sessions[defaultSession]; ok {
		return len(m.sessions) - 1
	}
	return len(m.sessions)
}

// reset puts the seed back into the named session.
func (m *sessionManager) reset(ctx context.Context, name string) error {
	s, created, err := m.openStore(ctx, name)
	if err != nil || created { // a new session holds the seed already
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
	delete(m.sessions, name)
	m.mu.Unlock()
	return m.backend.Drop(ctx, name)
}

// sweepLocked drops the sessions idle for longer than the TTL, but the default one. The
// caller holds m.mu.
func (m *sessionManager) sweepLocked(ctx context.Context, now time.Time) {
	m.swept = now
	for name, st := range m.sessions {
		if m.expired(name, st, now) {
			delete(m.sessions, name)
			_ = m.backend.Drop(ctx, name) // gone already is fine
		}
	}
}

// sessionInfo is a session as the control API lists it.
type sessionInfo struct {
	Name     string    `json:"name"`
	LastUsed time.Time `json:"lastUsed"`
}

// list returns the sessions, by name, once those that have expired are dropped.
func (m *sessionManager) list(ctx context.Context) []sessionInfo {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ttl > 0 {
		m.sweepLocked(ctx, now)
	}
	out := make([]sessionInfo, 0, len(m.sessions))
	for name, st := range m.sessions {
		out = append(out, sessionInfo{Name: name, LastUsed: st.lastUsed.UTC()})
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

func (f fixedSessions) Name() string               { return "fixed" }
func (f fixedSessions) Ping(context.Context) error { return nil }
func (f fixedSessions) Close() error               { return nil }

func (f fixedSessions) Open(context.Context, string) (store.Store, bool, error) {
	return f.s, false, nil
}
func (f fixedSessions) Drop(context.Context, string) error      { return nil }
func (f fixedSessions) Names(context.Context) ([]string, error) { return []string{defaultSession}, nil }
