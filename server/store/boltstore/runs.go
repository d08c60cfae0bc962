package boltstore

import (
	"bytes"
	"context"
	"fmt"

	"github.com/datashare/datashare/server/odata"
	"github.com/datashare/datashare/server/store"
	"github.com/google/uuid"
)

// CreateRun implements store.Store. It returns the run as GetRun gives it: times in UTC.
func (s *sessionStore) CreateRun(ctx context.Context, flowID string, r store.Run) (store.Run, error) {
	r.ID, r.FlowID = uuid.NewString(), flowID
	data, err := encodeRun(r)
	if err != nil {
		return store.Run{}, err
	}
	err = s.update(ctx, func(c content) error {
		if c.flows.Get([]byte(flowID)) == nil {
			return fmt.Errorf("flow %q: %w", flowID, store.ErrNotFound)
		}
		if err := c.runs.Put(runKey(flowID, r.ID), data); err != nil {
			return fmt.Errorf("run of flow %q: %w", flowID, err)
		}
		return nil
	})
	if err != nil {
		return store.Run{}, err
	}
	return decodeRun(data)
}

// GetRun implements store.Store.
func (s *sessionStore) GetRun(ctx context.Context, flowID, runID string) (store.Run, error) {
	var r store.Run
	err := s.view(ctx, func(c content) error {
		if c.flows.Get([]byte(flowID)) == nil {
			return fmt.Errorf("flow %q: %w", flowID, store.ErrNotFound)
		}
		data := c.runs.Get(runKey(flowID, runID))
		if data == nil {
			return fmt.Errorf("run %q of flow %q: %w", runID, flowID, store.ErrNotFound)
		}
		var err error
		if r, err = decodeRun(data); err != nil {
			return fmt.Errorf("run %q of flow %q: %w", runID, flowID, err)
		}
		return nil
	})
	return r, err
}

// ListRuns implements store.Store: it decodes the runs of the flow, and sorts those that match.
func (s *sessionStore) ListRuns(ctx context.Context, flowID string, q store.Query) (store.RunPage, error) {
	if len(q.OrderBy) == 0 {
		q.OrderBy = []odata.OrderItem{{Prop: "startDateTime"}}
	}
	if err := store.CheckRunCursor(q); err != nil {
		return store.RunPage{}, err
	}
	var page store.RunPage
	err := s.view(ctx, func(c content) error {
		if c.flows.Get([]byte(flowID)) == nil {
			return fmt.Errorf("flow %q: %w", flowID, store.ErrNotFound)
		}
		var runs []*store.Run
		prefix := runPrefix(flowID)
		cur := c.runs.Cursor()
		for k, data := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, data = cur.Next() {
			r, err := decodeRun(data)
			if err != nil {
				return fmt.Errorf("run %q of flow %q: %w", k[len(prefix):], flowID, err)
			}
			if store.MatchesRun(q.Filter, &r) {
				runs = append(runs, &r)
			}
		}
		if q.Count {
			page.Count = len(runs)
		}
		items, next := store.SortedPage(runs, q, matchAll[store.Run], func(r *store.Run) []string { return store.RunSortKeys(q.OrderBy, r) })
		for _, r := range items {
			page.Runs = append(page.Runs, *r)
		}
		page.Next = next
		return nil
	})
	if err != nil {
		return store.RunPage{}, err
	}
	return page, nil
}
