package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Memory is a Store that keeps everything in memory. The zero value is not usable; use
// NewMemory.
type Memory struct {
	mu        sync.RWMutex
	seq       uint64
	flows     map[string]*record
	order     []*record        // by creation: seq ascending
	runs      map[string][]Run // by flow id
	directory []User
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
	return &Memory{flows: make(map[string]*record), runs: make(map[string][]Run)}
}

// CreateFlow implements Store.
func (m *Memory) CreateFlow(_ context.Context, f Flow) (Flow, error) {
	f = f.Clone()
	f.ID = uuid.NewString()
	f.ETag = NewETag()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add(f)
	return f.Clone(), nil
}

// add stores f, which has its id and eTag. The caller holds the lock.
func (m *Memory) add(f Flow) {
	m.seq++
	r := &record{seq: m.seq, flow: f}
	m.flows[f.ID] = r
	m.order = append(m.order, r)
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
	if !ETagMatches(r.flow.ETag, ifMatch) {
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
	if !ETagMatches(r.flow.ETag, ifMatch) {
		return fmt.Errorf("flow %q: %w", id, ErrPreconditionFailed)
	}
	delete(m.flows, id)
	delete(m.runs, id)
	if i, found := slices.BinarySearchFunc(m.order, r.seq, func(r *record, seq uint64) int { return cmp.Compare(r.seq, seq) }); found {
		m.order = slices.Delete(m.order, i, i+1)
	}
	return nil
}

// ListFlows implements Store. In creation order it starts at the cursor by binary search and
// stops once the page is full; any other order sorts the matching flows. Counting scans them all.
func (m *Memory) ListFlows(_ context.Context, q Query) (Page, error) {
	if q.After != nil && len(q.After.Keys) != KeyCount(q.OrderBy) {
		return Page{}, fmt.Errorf("cursor of %d keys for an order of %d: %w", len(q.After.Keys), KeyCount(q.OrderBy), ErrInvalidCursor)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()

	var page Page
	if q.Count {
		for _, r := range m.order {
			if Matches(q.Filter, &r.flow) {
				page.Count++
			}
		}
	}
	if len(q.OrderBy) > 0 {
		flows := make([]*Flow, 0, len(m.flows))
		for _, r := range m.order {
			flows = append(flows, &r.flow)
		}
		items, next := SortedPage(flows, q, func(f *Flow) bool { return Matches(q.Filter, f) },
			func(f *Flow) []string { return SortKeys(q.OrderBy, f, "") })
		for _, f := range items {
			page.Flows = append(page.Flows, f.Clone())
		}
		page.Next = next
		return page, nil
	}

	start := 0
	if q.After != nil {
		after, err := strconv.ParseUint(q.After.Keys[0], 10, 64)
		if err != nil {
			return Page{}, fmt.Errorf("cursor %q: %w", q.After.Keys[0], ErrInvalidCursor)
		}
		// The first record created after the cursor's, whether or not that one still exists
		// (after+1 would wrap around at the largest sequence).
		var found bool
		start, found = slices.BinarySearchFunc(m.order, after, func(r *record, seq uint64) int { return cmp.Compare(r.seq, seq) })
		if found {
			start++
		}
	}
	skipped, more := 0, false
	var last *record
	for _, r := range m.order[start:] {
		if !Matches(q.Filter, &r.flow) {
			continue
		}
		if skipped < q.Skip {
			skipped++
			continue
		}
		if len(page.Flows) == q.Limit {
			more = true
			break
		}
		page.Flows = append(page.Flows, r.flow.Clone())
		last = r
	}
	if more && last != nil {
		page.Next = &Cursor{Keys: []string{seqKey(last.seq)}}
	}
	return page, nil
}

// CreateRun implements Store.
func (m *Memory) CreateRun(_ context.Context, flowID string, r Run) (Run, error) {
	r = r.Clone()
	r.ID, r.FlowID = uuid.NewString(), flowID
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.flows[flowID]; !ok {
		return Run{}, fmt.Errorf("flow %q: %w", flowID, ErrNotFound)
	}
	m.runs[flowID] = append(m.runs[flowID], r)
	return r.Clone(), nil
}

// GetRun implements Store.
func (m *Memory) GetRun(_ context.Context, flowID, runID string) (Run, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if _, ok := m.flows[flowID]; !ok {
		return Run{}, fmt.Errorf("flow %q: %w", flowID, ErrNotFound)
	}
	for _, r := range m.runs[flowID] {
		if r.ID == runID {
			return r.Clone(), nil
		}
	}
	return Run{}, fmt.Errorf("run %q of flow %q: %w", runID, flowID, ErrNotFound)
}

// ListRuns implements Store.
func (m *Memory) ListRuns(_ context.Context, flowID string, q Query) (RunPage, error) {
	if len(q.OrderBy) == 0 {
		q.OrderBy = defaultRunOrder()
	}
	if err := CheckRunCursor(q); err != nil {
		return RunPage{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if _, ok := m.flows[flowID]; !ok {
		return RunPage{}, fmt.Errorf("flow %q: %w", flowID, ErrNotFound)
	}
	runs := make([]*Run, len(m.runs[flowID]))
	for i := range m.runs[flowID] {
		runs[i] = &m.runs[flowID][i]
	}
	var page RunPage
	match := func(r *Run) bool { return MatchesRun(q.Filter, r) }
	if q.Count {
		for _, r := range runs {
			if match(r) {
				page.Count++
			}
		}
	}
	items, next := SortedPage(runs, q, match, func(r *Run) []string { return RunSortKeys(q.OrderBy, r) })
	for _, r := range items {
		page.Runs = append(page.Runs, r.Clone())
	}
	page.Next = next
	return page, nil
}

// Directory implements Store.
func (m *Memory) Directory(context.Context) ([]User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.directory), nil
}

// Load implements Store.
func (m *Memory) Load(_ context.Context, f Fixture) error {
	flows, runs, err := PrepareFixture(f, time.Now())
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.flows, m.order, m.runs = make(map[string]*record, len(flows)), nil, runs
	for _, fl := range flows {
		m.add(fl)
	}
	m.directory = slices.Clone(f.Directory)
	return nil
}
