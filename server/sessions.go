package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
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
//
// The backend records when each session was last used, so that the processes that share it
// (replicas on one database, or the same process after a restart) agree on which sessions are
// idle. To spare the backend a write per request, a process records a use only when its
// previous record of that session is touchEvery old; before it drops idle sessions, it records
// the uses that would otherwise make it drop a session it used. The record of another process
// may thus lag its uses by touchEvery: a session used only there may be dropped after an idle
// time of TTL less touchEvery (a tenth of the TTL, a minute at most).
type sessionManager struct {
	backend    store.Sessions
	seed       *store.Fixture // nil: sessions start empty
	ttl        time.Duration  // 0: sessions never expire
	max        int            // of named sessions; the default one is always served
	touchEvery time.Duration
	now        func() time.Time
	names      *regexp.Regexp

	mu       sync.Mutex
	sessions map[string]*sessionState // the sessions this process has used, by name
	swept    time.Time
}

// sessionState is what a process knows of a session it has used.
type sessionState struct {
	lastUsed time.Time // its last use by this process
	recorded time.Time // the last use this process recorded in the backend
}

func newSessionManager(backend store.Sessions, seed *store.Fixture, ttl time.Duration, max int) *sessionManager {
	touchEvery := time.Minute
	if ttl > 0 {
		touchEvery = min(ttl/10, time.Minute)
	}
	return &sessionManager{
		backend: backend, seed: seed, ttl: ttl, max: max, touchEvery: touchEvery, now: time.Now,
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
	record, err := m.useLocked(ctx, name, now)
	m.mu.Unlock()
	if err != nil {
		return nil, false, err
	}
	s, created, err := m.backend.Open(ctx, name, m.seed, now)
	if err != nil {
		return nil, false, fmt.Errorf("opening session %q: %w", name, err)
	}
	if record && !created {
		// Gone since Open (dropped by another process) is fine: the use is over.
		if err := m.backend.Touch(ctx, name, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, false, fmt.Errorf("recording a use of session %q: %w", name, err)
		}
	}
	return s, created, nil
}

// useLocked marks the named session used at now, and says whether to record the use in the
// backend. A session this process does not know yet is refused when the backend holds as many
// named sessions as it may, and the name is not one of them. The caller holds m.mu.
func (m *sessionManager) useLocked(ctx context.Context, name string, now time.Time) (record bool, err error) {
	if m.ttl > 0 && now.Sub(m.swept) > m.ttl/10 {
		m.sweepLocked(ctx, now)
	}
	st := m.sessions[name]
	if st != nil && m.expired(name, st, now) {
		// Idle here since before the TTL: the sweep drops it, unless another process used it.
		m.sweepLocked(ctx, now)
		st = m.sessions[name]
	}
	if st == nil {
		if name != defaultSession {
			if err := m.roomLocked(ctx, name, now); err != nil {
				return false, err
			}
		}
		st = &sessionState{}
		m.sessions[name] = st
	}
	st.lastUsed = now
	if now.Sub(st.recorded) < m.touchEvery {
		return false, nil
	}
	st.recorded = now // by this request, which others need not repeat
	return true, nil
}

// roomLocked returns nil if the named session exists in the backend or there is room for one
// more, sweeping the idle sessions to make room if need be; errTooManySessions otherwise.
// Processes that create sessions at the same moment may together exceed the bound by a few.
// The caller holds m.mu.
func (m *sessionManager) roomLocked(ctx context.Context, name string, now time.Time) error {
	for try := 0; ; try++ {
		infos, err := m.backend.List(ctx)
		if err != nil {
			return fmt.Errorf("counting sessions: %w", err)
		}
		named := 0
		for _, info := range infos {
			switch info.Name {
			case name:
				return nil
			case defaultSession:
			default:
				named++
			}
		}
		if named < m.max {
			return nil
		}
		if try > 0 || m.ttl == 0 {
			return fmt.Errorf("session %q: %w", name, errTooManySessions)
		}
		m.sweepLocked(ctx, now) // sessions may have expired since the last sweep
	}
}

// expired reports whether the named session has been idle here for longer than the TTL at
// now. The default session never expires. The caller holds m.mu.
func (m *sessionManager) expired(name string, st *sessionState, now time.Time) bool {
	return m.ttl > 0 && name != defaultSession && now.Sub(st.lastUsed) > m.ttl
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

// sweepLocked drops the sessions idle for longer than the TTL, but the default one. It first
// records the uses of this process that the backend lacks and that would keep a session. A
// failure of the backend leaves the sessions as they are, for the next sweep. The caller holds
// m.mu.
func (m *sessionManager) sweepLocked(ctx context.Context, now time.Time) {
	m.swept = now
	before := now.Add(-m.ttl)
	for name, st := range m.sessions {
		if name != defaultSession && st.recorded.Before(before) && !st.lastUsed.Before(before) {
			if err := m.backend.Touch(ctx, name, st.lastUsed); err == nil {
				st.recorded = st.lastUsed
			}
		}
	}
	if _, err := m.backend.DropIdle(ctx, before, defaultSession); err != nil {
		return
	}
	for name, st := range m.sessions {
		if m.expired(name, st, now) {
			delete(m.sessions, name) // dropped, or kept by another process: asked again at its next use
		}
	}
}

// sessionInfo is a session as the control API lists it.
type sessionInfo struct {
	Name     string    `json:"name"`
	LastUsed time.Time `json:"lastUsed"`
}

// list returns the sessions, by name, once those that have expired are dropped, with their last
// uses: by this process, or as the backend records them, whichever is later.
func (m *sessionManager) list(ctx context.Context) ([]sessionInfo, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ttl > 0 {
		m.sweepLocked(ctx, now)
	}
	infos, err := m.backend.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	out := make([]sessionInfo, len(infos))
	for i, info := range infos {
		last := info.LastUsed
		if st := m.sessions[info.Name]; st != nil && st.lastUsed.After(last) {
			last = st.lastUsed
		}
		out[i] = sessionInfo{Name: info.Name, LastUsed: last.UTC()}
	}
	return out, nil
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

func (f fixedSessions) Open(context.Context, string, *store.Fixture, time.Time) (store.Store, bool, error) {
	return f.s, false, nil
}
func (f fixedSessions) Touch(context.Context, string, time.Time) error { return nil }
func (f fixedSessions) Drop(context.Context, string) error             { return nil }
func (f fixedSessions) DropIdle(context.Context, time.Time, string) ([]string, error) {
	return []string{}, nil
}
func (f fixedSessions) List(context.Context) ([]store.SessionInfo, error) {
	return []store.SessionInfo{{Name: defaultSession}}, nil
}
