package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Sessions holds one Store per session, by name: each test suite (or each test) can have a
// state of its own. Each session records when it was last used, so that every process sharing
// the sessions agrees on which are idle. Implementations are safe for concurrent use.
type Sessions interface {
	// Open returns the store of the named session. A session that does not exist is created
	// holding seed (nothing when seed is nil), last used at at, in one step: no one sees it
	// before it holds its seed, and a failure creates nothing. created says whether it did.
	Open(ctx context.Context, name string, seed *Fixture, at time.Time) (s Store, created bool, err error)
	// Touch records a use of the session at at, unless a later one is recorded already;
	// ErrNotFound if there is no such session.
	Touch(ctx context.Context, name string, at time.Time) error
	// Drop deletes the session and everything it holds; ErrNotFound if there is none.
	Drop(ctx context.Context, name string) error
	// DropIdle deletes the sessions last used before before, but the one named keep, and
	// returns their names, sorted.
	DropIdle(ctx context.Context, before time.Time, keep string) ([]string, error)
	// List returns the sessions, by the code points of their names, with their last uses.
	List(ctx context.Context) ([]SessionInfo, error)
}

// SessionInfo is a session as Sessions.List gives it.
type SessionInfo struct {
	Name     string
	LastUsed time.Time
}

// Backend is where the server keeps its sessions: in memory, in a bbolt file or in PostgreSQL.
// Every backend behaves the same: storetest proves it.
type Backend interface {
	Sessions
	// Name says which backend it is, for /healthz and the log: "memory", "bolt", "postgres".
	Name() string
	// Ping reports whether the backend can serve requests: nil, or why not.
	Ping(ctx context.Context) error
	// Close releases what the backend holds: files, connections.
	Close() error
}

// MemorySessions keeps the stores of sessions in memory.
type MemorySessions struct {
	mu       sync.Mutex
	sessions map[string]*memorySession
}

type memorySession struct {
	store    *Memory
	lastUsed time.Time // guarded by MemorySessions.mu
}

var _ Backend = (*MemorySessions)(nil)

// NewMemorySessions returns an empty set of in-memory sessions.
func NewMemorySessions() *MemorySessions {
	return &MemorySessions{sessions: make(map[string]*memorySession)}
}

// Open implements Sessions. The seed of a new session is loaded under the lock of the
// sessions, so that a concurrent Open of the same name waits for it.
func (m *MemorySessions) Open(ctx context.Context, name string, seed *Fixture, at time.Time) (Store, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sessions[name]; ok {
		return s.store, false, nil
	}
	s := NewMemory()
	if seed != nil {
		if err := s.Load(ctx, *seed); err != nil {
			return nil, false, fmt.Errorf("session %q: seed: %w", name, err)
		}
	}
	m.sessions[name] = &memorySession{store: s, lastUsed: at}
	return s, true, nil
}

// Touch implements Sessions.
func (m *MemorySessions) Touch(_ context.Context, name string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[name]
	if !ok {
		return fmt.Errorf("session %q: %w", name, ErrNotFound)
	}
	if at.After(s.lastUsed) {
		s.lastUsed = at
	}
	return nil
}

// Drop implements Sessions.
func (m *MemorySessions) Drop(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[name]; !ok {
		return fmt.Errorf("session %q: %w", name, ErrNotFound)
	}
	delete(m.sessions, name)
	return nil
}

// DropIdle implements Sessions.
func (m *MemorySessions) DropIdle(_ context.Context, before time.Time, keep string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dropped := []string{}
	for name, s := range m.sessions {
		if name != keep && s.lastUsed.Before(before) {
			delete(m.sessions, name)
			dropped = append(dropped, name)
		}
	}
	slices.Sort(dropped)
	return dropped, nil
}

// List implements Sessions.
func (m *MemorySessions) List(context.Context) ([]SessionInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]SessionInfo, 0, len(m.sessions))
	for name, s := range m.sessions {
		out = append(out, SessionInfo{Name: name, LastUsed: s.lastUsed})
	}
	slices.SortFunc(out, func(a, b SessionInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Name implements Backend.
func (m *MemorySessions) Name() string { return "memory" }

// Ping implements Backend: memory is always there.
func (m *MemorySessions) Ping(context.Context) error { return nil }

// Close implements Backend: there is nothing to release.
func (m *MemorySessions) Close() error { return nil }
