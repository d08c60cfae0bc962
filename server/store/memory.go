package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/datashare/datashare/server/odata"
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
	delete(m.runs, id)
	if i, found := slices.BinarySearchFunc(m.order, r.seq, func(r *record, seq uint64) int { return cmp.Compare(r.seq, seq) }); found {
		m.order = slices.Delete(m.order, i, i+1)
	}
	return nil
}

// ListFlows implements Store. In creation order it starts at the cursor by binary search and
// stops once the page is full; any other order sorts the matching flows. Counting scans them all.
func (m *Memory) ListFlows(_ context.Context, q Query) (Page, error) {
	if q.After != nil && len(q.After.Keys) != keyCount(q.OrderBy) {
		return Page{}, fmt.Errorf("cursor of %d keys for an order of %d: %w", len(q.After.Keys), keyCount(q.OrderBy), ErrInvalidCursor)
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
		items, next := sortedPage(flows, q, func(f *Flow) bool { return Matches(q.Filter, f) },
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
		// The first record created after the cursor's, whether or not that one still exists.
		start, _ = slices.BinarySearchFunc(m.order, after+1, func(r *record, seq uint64) int { return cmp.Compare(r.seq, seq) })
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

// sortedPage returns the page of the items that match, sorted by their keys, after q.After,
// skipping q.Skip and at most q.Limit long, with the cursor of its last item when more follow.
func sortedPage[T any](all []*T, q Query, match func(*T) bool, keys func(*T) []string) ([]*T, *Cursor) {
	type item struct {
		v    *T
		keys []string
	}
	var items []item
	for _, v := range all {
		if match(v) {
			items = append(items, item{v, keys(v)})
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
	items = items[min(q.Skip, len(items)):]
	n := min(q.Limit, len(items))
	out := make([]*T, n)
	for i, it := range items[:n] {
		out[i] = it.v
	}
	var next *Cursor
	if n < len(items) && n > 0 {
		next = &Cursor{Keys: slices.Clone(items[n-1].keys)}
	}
	return out, next
}

func keyCount(order []odata.OrderItem) int {
	if len(order) == 0 {
		return 1
	}
	return len(order) + 1
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
	if err := checkRunCursor(q); err != nil {
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
	items, next := sortedPage(runs, q, match, func(r *Run) []string { return RunSortKeys(q.OrderBy, r) })
	for _, r := range items {
		page.Runs = append(page.Runs, r.Clone())
	}
	page.Next = next
	return page, nil
}

// checkRunCursor checks that q.After, if any, is a cursor of the order of q, which names at
// least one property: one key for each property and one for the id, and the key of a DateTime
// property the TimeKey of a time ("" for null, where the property may be null).
func checkRunCursor(q Query) error {
	if q.After == nil {
		return nil
	}
	if len(q.After.Keys) != keyCount(q.OrderBy) {
		return fmt.Errorf("cursor of %d keys for an order of %d: %w", len(q.After.Keys), keyCount(q.OrderBy), ErrInvalidCursor)
	}
	schema := RunSchema()
	for i, o := range q.OrderBy {
		key := q.After.Keys[i]
		nullable := o.Prop == "endDateTime" // the one DateTime property a run may lack
		if schema[o.Prop] != odata.DateTime || nullable && key == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, key); err != nil || odata.TimeKey(t) != key {
			return fmt.Errorf("cursor key %q of %s: not a time: %w", key, o.Prop, ErrInvalidCursor)
		}
	}
	return nil
}

// Directory implements Store.
func (m *Memory) Directory(context.Context) ([]User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.directory), nil
}

// Load implements Store.
func (m *Memory) Load(_ context.Context, f Fixture) error {
	flows, runs, err := prepareFixture(f, time.Now())
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

// prepareFixture gives the flows and runs of f the ids and eTags they lack, and checks that no
// id is given twice. It returns the flows in order and the runs by flow id.
func prepareFixture(f Fixture, now time.Time) ([]Flow, map[string][]Run, error) {
	flows := make([]Flow, 0, len(f.Flows))
	runs := make(map[string][]Run, len(f.Flows))
	seenFlows, seenRuns := map[string]bool{}, map[string]bool{}
	for _, ff := range f.Flows {
		fl := ff.Flow.Clone()
		if fl.ID == "" {
			fl.ID = uuid.NewString()
		}
		if seenFlows[fl.ID] {
			return nil, nil, fmt.Errorf("flow %q: %w", fl.ID, ErrDuplicateID)
		}
		seenFlows[fl.ID] = true
		fl.ETag = NewETag()
		flows = append(flows, fl)
		for _, r := range ff.Runs {
			r = r.Clone()
			if r.ID == "" {
				r.ID = uuid.NewString()
			}
			if seenRuns[r.ID] {
				return nil, nil, fmt.Errorf("run %q: %w", r.ID, ErrDuplicateID)
			}
			seenRuns[r.ID] = true
			r.FlowID = fl.ID
			if r.StartDateTime.IsZero() {
				r.StartDateTime = now
			}
			runs[fl.ID] = append(runs[fl.ID], r)
		}
	}
	return flows, runs, nil
}
