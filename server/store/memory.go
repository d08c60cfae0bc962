package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/google/uuid"
)

// Memory is a Store that keeps flows in memory. The zero value is not usable; use NewMemory.
type Memory struct {
	mu    sync.RWMutex
	seq   uint64
	flows map[string]*record
	order []*record // by creation: seq ascending
}

type record struct {
	seq  uint64
	flow Flow
}

// seqKey is the cursor key of the creation order.
func seqKey(seq uint64) string { return strconv.FormatUint(seq, 10) }

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
	r := &record{seq: m.seq, flow: f}
	m.flows[f.ID] = r
	m.order = append(m.order, r)
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
func (m *Memory) UpdateFlow(_ context.Context, id string, p Patch, ifMatch []string) (Flow, error) {
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
func (m *Memory) DeleteFlow(_ context.Context, id string, ifMatch []string) error {
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
	if i, found := slices.BinarySearchFunc(m.order, r.seq, func(r *record, seq uint64) int { return cmp.Compare(r.seq, seq) }); found {
		m.order = slices.Delete(m.order, i, i+1)
	}
	return nil
}

// ListFlows implements Store. In creation order it starts at the cursor by binary search and
// stops once the page is full; any other order sorts the matching flows. Counting scans them all.
func (m *Memory) ListFlows(_ context.Context, q Query) (Page, error) {
	if q.After != nil && len(q.After.Keys) != keyCount(q) {
		return Page{}, fmt.Errorf("cursor of %d keys for an order of %d: %w", len(q.After.Keys), keyCount(q), ErrInvalidCursor)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()

	type item struct {
		flow *Flow
		keys []string
	}
	var items []item
	if len(q.OrderBy) == 0 {
		start := 0
		if q.After != nil {
			after, err := strconv.ParseUint(q.After.Keys[0], 10, 64)
			if err != nil {
				return Page{}, fmt.Errorf("cursor %q: %w", q.After.Keys[0], ErrInvalidCursor)
			}
			// The first record created after the cursor's, whether or not that one still exists.
			start, _ = slices.BinarySearchFunc(m.order, after+1, func(r *record, seq uint64) int { return cmp.Compare(r.seq, seq) })
		}
		want := q.Skip + q.Limit + 1 // one more tells whether more follow
		for _, r := range m.order[start:] {
			if len(items) >= want {
				break
			}
			if Matches(q.Filter, &r.flow) {
				items = append(items, item{&r.flow, []string{seqKey(r.seq)}})
			}
		}
	} else {
		for _, r := range m.flows {
			if Matches(q.Filter, &r.flow) {
				items = append(items, item{&r.flow, SortKeys(q.OrderBy, &r.flow, "")})
			}
		}
		slices.SortFunc(items, func(a, b item) int { return CompareKeys(q.OrderBy, a.keys, b.keys) })
		if q.After != nil {
			start, found := slices.BinarySearchFunc(items, q.After.Keys, func(it item, keys []string) int {
				return CompareKeys(q.OrderBy, it.keys, keys)
			})
			if found {
				start++
			}
			items = items[start:]
		}
	}

	var page Page
	if q.Count {
		page.Count = m.countMatching(q)
	}
	items = items[min(q.Skip, len(items)):]
	n := min(q.Limit, len(items))
	page.Flows = make([]Flow, n)
	for i, it := range items[:n] {
		page.Flows[i] = it.flow.Clone()
	}
	if n < len(items) && n > 0 {
		page.Next = &Cursor{Keys: slices.Clone(items[n-1].keys)}
	}
	return page, nil
}

// countMatching counts every flow the filter of q keeps. The caller holds the lock.
func (m *Memory) countMatching(q Query) int {
	n := 0
	for _, r := range m.order {
		if Matches(q.Filter, &r.flow) {
			n++
		}
	}
	return n
}

func keyCount(q Query) int {
	if len(q.OrderBy) == 0 {
		return 1
	}
	return len(q.OrderBy) + 1
}
