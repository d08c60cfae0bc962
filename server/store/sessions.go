package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Sessions holds one Store per session, by name: each test suite (or each test) can have a
// state of its own. Implementations are safe for concurrent use.
type Sessions interface {
	// Open returns the store of the session, creating an empty one if there is none; created
	// says whether it did.
	Open(ctx context.Context, name string) (s Store, created bool, err error)
	// Drop deletes the session and everything it holds; ErrNotFound if there is none.
	Drop(ctx context.Context, name string) error
	// Names returns the names of the sessions, sorted.
	Names(ctx context.Context) ([]string, error)
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
	mu     sync.Mutex
	stores map[string]*Memory
}

var _ Backend = (*MemorySessions)(nil)

// NewMemorySessions returns an empty set of in-memory sessions.
func NewMemorySessions() *MemorySessions {
	return &MemorySessions{stores: make(map[string]*Memory)}
}

// Open implements Sessions.
func (m *MemorySessions) Open(_ context.Context, name string) (Store, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.stores[name]; ok {
		return s, false, nil
	}
	s := NewMemory()
	m.stores[name] = s
	return s, true, nil
}

// Drop implements Sessions.
func (m *MemorySessions) Drop(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.stores[name]; !ok {
		return fmt.Errorf("session %q: %w", name, ErrNotFound)
	}
	delete(m.stores, name)
	return nil
}

// Names implements Sessions.
func (m *MemorySessions) Names(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.stores))
	for name := range m.stores {
		names = append(names, name)
	}
	sort.Strings(names)
	return slices.Clip(names), nil
}

// Name implements Backend.
func (m *MemorySessions) Name() string { return "memory" }

// Ping implements Backend: memory is always there.
func (m *MemorySessions) Ping(context.Context) error { return nil }

// Close implements Backend: there is nothing to release.
func (m *MemorySessions) Close() error { return nil }
