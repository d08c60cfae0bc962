package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/datashare/datashare/server/odata"
	"github.com/datashare/datashare/server/store"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The SQL of runs.
const (
	// runColumns are the columns of a run that listings and reads return, as scanRun reads
	// them.
	runColumns = `r.flow_id, r.id, r.display_name, r.status, r.start_time, r.end_time, r.blocking_error, r.statistics`

	// runInsertColumns are the columns runValues gives values to.
	runInsertColumns = `session, flow_id, id, display_name, status, start_time, end_time, blocking_error, statistics,
    id_fold, display_name_fold, status_fold, start_key, end_key`

	// sqlInsertRun inserts a run if its flow exists.
	sqlInsertRun = `
INSERT INTO datashare_runs (` + runInsertColumns + `)
SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::timestamptz, $7::timestamptz, $8::jsonb, $9::jsonb,
    $10::text, $11::text, $12::text, $13::text, $14::text
WHERE EXISTS (SELECT FROM datashare_flows WHERE session = $1 AND id = $2)`

	sqlGetRun = `SELECT ` + runColumns + ` FROM datashare_runs r WHERE r.session = $1 AND r.flow_id = $2 AND r.id = $3`
)

// scanRun reads the runColumns of a row.
func scanRun(row pgx.Row) (store.Run, error) {
	var r store.Run
	var blockingError, statistics []byte
	err := row.Scan(&r.FlowID, &r.ID, &r.DisplayName, &r.Status, &r.StartDateTime, &r.EndDateTime, &blockingError, &statistics)
	if blockingError != nil {
		r.BlockingError = json.RawMessage(blockingError)
	}
	if statistics != nil {
		r.Statistics = json.RawMessage(statistics)
	}
	return r, err
}

// storedRun returns r as the store keeps it: its times truncated to the microsecond, which
// PostgreSQL keeps, and an empty JSON value null.
func storedRun(r store.Run) store.Run {
	r = r.Clone()
	r.StartDateTime = r.StartDateTime.Truncate(time.Microsecond)
	if r.EndDateTime != nil {
		end := r.EndDateTime.Truncate(time.Microsecond)
		r.EndDateTime = &end
	}
	if len(r.BlockingError) == 0 {
		r.BlockingError = nil
	}
	if len(r.Statistics) == 0 {
		r.Statistics = nil
	}
	return r
}

// runValues returns the values of runInsertColumns for r, a storedRun: folds and TimeKeys
// included, the key of a null end time "", as store.Run.Property gives them, and nil JSON
// NULL.
func runValues(session string, r *store.Run) []any {
	return []any{
		session, r.FlowID, r.ID, r.DisplayName, r.Status, r.StartDateTime, r.EndDateTime, r.BlockingError, r.Statistics,
		odata.Fold(r.ID), odata.Fold(r.DisplayName), odata.Fold(r.Status),
		r.Property("startDateTime"), r.Property("endDateTime"),
	}
}

// CreateRun implements store.Store.
func (s *sessionStore) CreateRun(ctx context.Context, flowID string, r store.Run) (store.Run, error) {
	r = storedRun(r)
	r.ID, r.FlowID = uuid.NewString(), flowID
	tag, err := s.b.pool.Exec(ctx, sqlInsertRun, runValues(s.session, &r)...)
	switch {
	case err == nil && tag.RowsAffected() == 0, hasCode(err, codeForeignKeyViolation): // the flow was deleted meanwhile
		return store.Run{}, fmt.Errorf("flow %q: %w", flowID, store.ErrNotFound)
	case err != nil:
		return store.Run{}, fmt.Errorf("pgstore: create a run of flow %q: %w", flowID, err)
	}
	return r, nil
}

// GetRun implements store.Store.
func (s *sessionStore) GetRun(ctx context.Context, flowID, runID string) (store.Run, error) {
	r, err := scanRun(s.b.pool.QueryRow(ctx, sqlGetRun, s.session, flowID, runID))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		var exists bool
		if err := s.b.pool.QueryRow(ctx, sqlFlowExists, s.session, flowID).Scan(&exists); err != nil {
			return store.Run{}, fmt.Errorf("pgstore: find flow %q: %w", flowID, err)
		}
		if !exists {
			return store.Run{}, fmt.Errorf("flow %q: %w", flowID, store.ErrNotFound)
		}
		return store.Run{}, fmt.Errorf("run %q of flow %q: %w", runID, flowID, store.ErrNotFound)
	case err != nil:
		return store.Run{}, fmt.Errorf("pgstore: get run %q of flow %q: %w", runID, flowID, err)
	}
	return r, nil
}

// ListRuns implements store.Store.
func (s *sessionStore) ListRuns(ctx context.Context, flowID string, q store.Query) (store.RunPage, error) {
	if len(q.OrderBy) == 0 {
		q.OrderBy = []odata.OrderItem{{Prop: "startDateTime"}}
	}
	if err := checkRunCursor(q); err != nil {
		return store.RunPage{}, err
	}
	l := listing[store.Run]{
		from:    "datashare_runs r",
		columns: runColumns,
		where:   "r.session = $1 AND r.flow_id = $2",
		args:    []any{s.session, flowID},
		parent:  sqlFlowExists,
		props:   runProp,
		scan:    func(row pgx.CollectableRow) (store.Run, error) { return scanRun(row) },
		match:   func(r *store.Run) bool { return store.MatchesRun(q.Filter, r) },
		keys:    func(r *store.Run) []any { return stringKeys(store.RunSortKeys(q.OrderBy, r)) },
	}
	for _, o := range q.OrderBy {
		l.order = append(l.order, orderKey{col: runOrderColumn(o.Prop), desc: o.Desc})
	}
	l.order = append(l.order, orderKey{col: "r.id"})
	if q.After != nil {
		l.after = stringKeys(q.After.Keys)
	}
	res, err := list(ctx, s.b, l, q)
	switch {
	case errors.Is(err, errNoParent):
		return store.RunPage{}, fmt.Errorf("flow %q: %w", flowID, store.ErrNotFound)
	case err != nil:
		return store.RunPage{}, fmt.Errorf("pgstore: list the runs of flow %q: %w", flowID, err)
	}
	page := store.RunPage{Runs: res.items, Count: res.count}
	if res.more {
		page.Next = &store.Cursor{Keys: store.RunSortKeys(q.OrderBy, &res.items[len(res.items)-1])}
	}
	return page, nil
}

// checkRunCursor checks that q.After, if any, is a cursor of the order of q, which names at
// least one property, as the memory store does: one key for each property and one for the
// id, and the key of a DateTime property the TimeKey of a time ("" for a null end time).
func checkRunCursor(q store.Query) error {
	if q.After == nil {
		return nil
	}
	if len(q.After.Keys) != store.KeyCount(q.OrderBy) {
		return fmt.Errorf("cursor of %d keys for an order of %d: %w", len(q.After.Keys), store.KeyCount(q.OrderBy), store.ErrInvalidCursor)
	}
	schema := store.RunSchema()
	for i, o := range q.OrderBy {
		key := q.After.Keys[i]
		nullable := o.Prop == "endDateTime" // the one DateTime property a run may lack
		if schema[o.Prop] != odata.DateTime || nullable && key == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, key); err != nil || odata.TimeKey(t) != key {
			return fmt.Errorf("cursor key %q of %s: not a time: %w", key, o.Prop, store.ErrInvalidCursor)
		}
	}
	return checkKeys(q.After.Keys)
}

// runProp says how SQL sees the property of a run that a $filter names.
func runProp(prop string) (filterProp, bool) {
	switch prop {
	case "id":
		return filterProp{odata.String, "r.id_fold"}, true
	case "displayName":
		return filterProp{odata.String, "r.display_name_fold"}, true
	case "status":
		return filterProp{odata.String, "r.status_fold"}, true
	case "startDateTime":
		return filterProp{odata.DateTime, "r.start_key"}, true
	case "endDateTime":
		return filterProp{odata.DateTime, "r.end_key"}, true
	}
	return filterProp{}, false
}

// runOrderColumn returns the column of the property of a run that orders a listing: its
// value for a string, its TimeKey for a time ("" while a run has no end), which order by bytes
// ("C"). A property without a column orders as "", as store.Run.Property gives it.
func runOrderColumn(prop string) string {
	switch prop {
	case "id":
		return "r.id"
	case "displayName":
		return "r.display_name"
	case "status":
		return "r.status"
	case "startDateTime":
		return "r.start_key"
	case "endDateTime":
		return "r.end_key"
	}
	return "''::text"
}
