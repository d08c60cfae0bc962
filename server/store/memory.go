package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// Memory is a Store that keeps flows in memory. The zero value is not usable; use NewMemory.
type Memory struct {
	mu    sync.RWMutex
	seq   uint64
	flows map[string]*record
}

type record struct {
	seq  uint64 // creation order
	flow Flow
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{flows: make(map[string]*record)}
}

// CreateFlow implements Store.
func (m *Memory) CreateFlow(_ context.Context, f Flow) (Flow, error) {
	f = f.Clone()
	f.ID = uuid.NewString()
	f.ETag = NewETag()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	m.flows[f.ID] = &record{seq: m.seq, flow: f}
	return f.Clone(), nil
}

// GetFlow implements Store.
func (m *Memory) GetFlow(_ context.Context, id string) (Flow, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.flows[id]
	if !ok {
		return Flow{}, fmt.Errorf("flow %q: %w", id, ErrNotFound)
	}
	return r.flow.Clone(), nil
}

// UpdateFlow implements Store.
func (m *Memory) UpdateFlow(_ context.Context, id string, p Patch, ifMatch string) (Flow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.flows[id]
	if !ok {
		return Flow{}, fmt.Errorf("flow %q: %w", id, ErrNotFound)
	}
	if !matches(r.flow.ETag, ifMatch) {
		return Flow{}, fmt.Errorf("flow %q: %w", id, ErrPreconditionFailed)
	}
	updated, changed := p.Apply(r.flow)
	if changed {
		updated.ETag = NewETag()
		r.flow = updated
	}
	return r.flow.Clone(), nil
}

// DeleteFlow implements Store.
func (m *Memory) DeleteFlow(_ context.Context, id string, ifMatch string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.flows[id]
	if !ok {
		return fmt.Errorf("flow %q: %w", id, ErrNotFound)
	}
	if !matches(r.flow.ETag, ifMatch) {
		return fmt.Errorf("flow %q: %w", id, ErrPreconditionFailed)
	}
	delete(m.flows, id)
	return nil
}

// ListFlows implements Store.
func (m *Memory) ListFlows(_ context.Context) ([]Flow, error) {
	m.mu.RLock()
	records := make([]record, 0, len(m.flows))
	for _, r := range m.flows {
		records = append(records, record{seq: r.seq, flow: r.flow.Clone()})
	}
	m.mu.RUnlock()
	slices.SortFunc(records, func(a, b record) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]Flow, len(records))
	for i, r := range records {
		out[i] = r.flow
	}
	return out, nil
}
