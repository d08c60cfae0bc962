package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/datashare/datashare/server/odata"
	"github.com/datashare/datashare/server/store"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The SQL of flows.
const (
	// flowColumns are the columns of a flow that listings and reads return, as scanFlow reads
	// them.
	flowColumns = `f.seq, f.id, f.etag, f.display_name, f.readiness_status, f.invitee_user_ids, f.sharing_state, f.share_name`

	// flowInsertColumns are the columns flowValues gives values to.
	flowInsertColumns = `session, id, etag, display_name, readiness_status, invitee_user_ids, sharing_state, share_name,
    id_fold, etag_fold, display_name_fold, readiness_status_fold, sharing_state_fold, share_name_fold, invitee_folds`

	sqlInsertFlow = `INSERT INTO datashare_flows (` + flowInsertColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`

	sqlGetFlow = `SELECT ` + flowColumns + ` FROM datashare_flows f WHERE f.session = $1 AND f.id = $2`

	sqlFlowExists = `SELECT EXISTS (SELECT FROM datashare_flows WHERE session = $1 AND id = $2)`

	// sqlUpdateFlow applies a patch ($3 to $12: each property and its fold, NULL when the
	// patch keeps it) to the flow $2 of session $1 if its eTag is one of $15 (or $15 is
	// NULL), in one statement: a concurrent update that changed the eTag first makes the
	// condition false. It sets the new eTag $13 (with its fold $14) only when a property
	// changes, as store.Patch.Apply says: a nil list of invitees equals an empty one.
	sqlUpdateFlow = `
UPDATE datashare_flows AS f SET
    display_name          = coalesce($3::text, f.display_name),
    display_name_fold     = coalesce($4::text, f.display_name_fold),
    readiness_status      = coalesce($5::text, f.readiness_status),
    readiness_status_fold = coalesce($6::text, f.readiness_status_fold),
    sharing_state         = coalesce($7::text, f.sharing_state),
    sharing_state_fold    = coalesce($8::text, f.sharing_state_fold),
    share_name            = coalesce($9::text, f.share_name),
    share_name_fold       = coalesce($10::text, f.share_name_fold),
    invitee_user_ids      = CASE WHEN coalesce($11::text[] <> coalesce(f.invitee_user_ids, '{}'), false)
                                 THEN $11::text[] ELSE f.invitee_user_ids END,
    invitee_folds         = CASE WHEN coalesce($11::text[] <> coalesce(f.invitee_user_ids, '{}'), false)
                                 THEN $12::text[] ELSE f.invitee_folds END,
    etag                  = CASE WHEN coalesce($3::text <> f.display_name OR $5::text <> f.readiness_status
                                     OR $7::text <> f.sharing_state OR $9::text <> f.share_name
                                     OR $11::text[] <> coalesce(f.invitee_user_ids, '{}'), false)
                                 THEN $13::text ELSE f.etag END,
    etag_fold             = CASE WHEN coalesce($3::text <> f.display_name OR $5::text <> f.readiness_status
                                     OR $7::text <> f.sharing_state OR $9::text <> f.share_name
                                     OR $11::text[] <> coalesce(f.invitee_user_ids, '{}'), false)
                                 THEN $14::text ELSE f.etag_fold END
WHERE f.session = $1 AND f.id = $2 AND ($15::text[] IS NULL OR f.etag = ANY ($15::text[]))
RETURNING ` + flowColumns

	// sqlDeleteFlow deletes the flow $2 of session $1 if its eTag is one of $3 (or $3 is
	// NULL), with its runs.
	sqlDeleteFlow = `DELETE FROM datashare_flows WHERE session = $1 AND id = $2 AND ($3::text[] IS NULL OR etag = ANY ($3::text[]))`
)

// flowRow is a flow with its position in the creation order.
type flowRow struct {
	seq  int64
	flow store.Flow
}

// scanFlow reads the flowColumns of a row.
func scanFlow(row pgx.Row) (flowRow, error) {
	var r flowRow
	f := &r.flow
	err := row.Scan(&r.seq, &f.ID, &f.ETag, &f.DisplayName, &f.ReadinessStatus, &f.InviteeUserIDs, &f.SharingState, &f.ShareName)
	return r, err
}

// flowValues returns the values of flowInsertColumns for f, folds included.
func flowValues(session string, f *store.Flow) []any {
	return []any{
		session, f.ID, f.ETag, f.DisplayName, f.ReadinessStatus, f.InviteeUserIDs, f.SharingState, f.ShareName,
		odata.Fold(f.ID), odata.Fold(f.ETag), odata.Fold(f.DisplayName), odata.Fold(f.ReadinessStatus),
		odata.Fold(f.SharingState), odata.Fold(f.ShareName), foldAll(f.InviteeUserIDs),
	}
}

// foldAll returns the folds of ss, never nil.
func foldAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = odata.Fold(s)
	}
	return out
}

// foldOf returns the fold of *s, or nil.
func foldOf(s *string) *string {
	if s == nil {
		return nil
	}
	f := odata.Fold(*s)
	return &f
}

// CreateFlow implements store.Store.
func (s *sessionStore) CreateFlow(ctx context.Context, f store.Flow) (store.Flow, error) {
	f = f.Clone()
	f.ID, f.ETag = uuid.NewString(), store.NewETag()
	if _, err := s.b.pool.Exec(ctx, sqlInsertFlow, flowValues(s.session, &f)...); err != nil {
		if hasCode(err, codeForeignKeyViolation) {
			return store.Flow{}, fmt.Errorf("session %q: %w", s.session, store.ErrNotFound)
		}
		return store.Flow{}, fmt.Errorf("pgstore: create flow: %w", err)
	}
	return f, nil
}

// GetFlow implements store.Store.
func (s *sessionStore) GetFlow(ctx context.Context, id string) (store.Flow, error) {
	r, err := scanFlow(s.b.pool.QueryRow(ctx, sqlGetFlow, s.session, id))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.Flow{}, fmt.Errorf("flow %q: %w", id, store.ErrNotFound)
	case err != nil:
		return store.Flow{}, fmt.Errorf("pgstore: get flow %q: %w", id, err)
	}
	return r.flow, nil
}

// UpdateFlow implements store.Store, in one conditional UPDATE.
func (s *sessionStore) UpdateFlow(ctx context.Context, id string, p store.Patch, ifMatch []string) (store.Flow, error) {
	etag := store.NewETag()
	r, err := scanFlow(s.b.pool.QueryRow(ctx, sqlUpdateFlow, s.session, id,
		p.DisplayName, foldOf(p.DisplayName), p.ReadinessStatus, foldOf(p.ReadinessStatus),
		p.SharingState, foldOf(p.SharingState), p.ShareName, foldOf(p.ShareName),
		p.InviteeUserIDs, foldInvitees(p.InviteeUserIDs), etag, odata.Fold(etag), expected(ifMatch)))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.Flow{}, s.whyNot(ctx, id)
	case err != nil:
		return store.Flow{}, fmt.Errorf("pgstore: update flow %q: %w", id, err)
	}
	return r.flow, nil
}

// foldInvitees returns the folds of a patch's invitees, nil when it keeps them.
func foldInvitees(ids []string) []string {
	if ids == nil {
		return nil
	}
	return foldAll(ids)
}

// expected returns the eTags that the flow to update or delete must have, as an argument:
// nil (NULL) when any will do.
func expected(ifMatch []string) []string {
	if slices.Contains(ifMatch, store.AnyETag) {
		return nil
	}
	return ifMatch
}

// whyNot returns the error of a conditional write of the flow that changed nothing:
// ErrNotFound if there is no such flow, else ErrPreconditionFailed.
func (s *sessionStore) whyNot(ctx context.Context, id string) error {
	var exists bool
	if err := s.b.pool.QueryRow(ctx, sqlFlowExists, s.session, id).Scan(&exists); err != nil {
		return fmt.Errorf("pgstore: find flow %q: %w", id, err)
	}
	if !exists {
		return fmt.Errorf("flow %q: %w", id, store.ErrNotFound)
	}
	return fmt.Errorf("flow %q: %w", id, store.ErrPreconditionFailed)
}

// DeleteFlow implements store.Store, in one conditional DELETE.
func (s *sessionStore) DeleteFlow(ctx context.Context, id string, ifMatch []string) error {
	tag, err := s.b.pool.Exec(ctx, sqlDeleteFlow, s.session, id, expected(ifMatch))
	if err != nil {
		return fmt.Errorf("pgstore: delete flow %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return s.whyNot(ctx, id)
	}
	return nil
}

// ListFlows implements store.Store. The cursors of the creation order hold the flow's
// position, in decimal, as those of the memory store do.
func (s *sessionStore) ListFlows(ctx context.Context, q store.Query) (store.Page, error) {
	if q.After != nil && len(q.After.Keys) != store.KeyCount(q.OrderBy) {
		return store.Page{}, fmt.Errorf("cursor of %d keys for an order of %d: %w", len(q.After.Keys), store.KeyCount(q.OrderBy), store.ErrInvalidCursor)
	}
	l := listing[flowRow]{
		from:    "datashare_flows f",
		columns: flowColumns,
		where:   "f.session = $1",
		args:    []any{s.session},
		props:   flowProp,
		scan:    func(row pgx.CollectableRow) (flowRow, error) { return scanFlow(row) },
		match:   func(r *flowRow) bool { return store.Matches(q.Filter, &r.flow) },
	}
	if len(q.OrderBy) == 0 {
		l.order = []orderKey{{col: "f.seq"}}
		l.keys = func(r *flowRow) []any { return []any{r.seq} }
		if q.After != nil {
			after, err := strconv.ParseUint(q.After.Keys[0], 10, 64)
			if err != nil {
				return store.Page{}, fmt.Errorf("cursor %q: %w", q.After.Keys[0], store.ErrInvalidCursor)
			}
			l.after = []any{int64(min(after, math.MaxInt64))} // no flow comes after MaxInt64
		}
	} else {
		for _, o := range q.OrderBy {
			l.order = append(l.order, orderKey{col: flowOrderColumn(o.Prop), desc: o.Desc})
		}
		l.order = append(l.order, orderKey{col: "f.id"})
		l.keys = func(r *flowRow) []any { return stringKeys(store.SortKeys(q.OrderBy, &r.flow, "")) }
		if q.After != nil {
			if err := checkKeys(q.After.Keys); err != nil {
				return store.Page{}, err
			}
			l.after = stringKeys(q.After.Keys)
		}
	}
	res, err := list(ctx, s.b, l, q)
	if err != nil {
		return store.Page{}, fmt.Errorf("pgstore: list flows: %w", err)
	}
	page := store.Page{Count: res.count}
	for _, r := range res.items {
		page.Flows = append(page.Flows, r.flow)
	}
	if res.more {
		last := &res.items[len(res.items)-1]
		if len(q.OrderBy) == 0 {
			page.Next = &store.Cursor{Keys: []string{strconv.FormatInt(last.seq, 10)}}
		} else {
			page.Next = &store.Cursor{Keys: store.SortKeys(q.OrderBy, &last.flow, "")}
		}
	}
	return page, nil
}

// flowProp says how SQL sees the property of a flow that a $filter names.
func flowProp(prop string) (filterProp, bool) {
	switch prop {
	case "id":
		return filterProp{odata.String, "f.id_fold"}, true
	case "eTag":
		return filterProp{odata.String, "f.etag_fold"}, true
	case "displayName":
		return filterProp{odata.String, "f.display_name_fold"}, true
	case "readinessStatus":
		return filterProp{odata.String, "f.readiness_status_fold"}, true
	case "sharingState":
		return filterProp{odata.String, "f.sharing_state_fold"}, true
	case "shareName":
		return filterProp{odata.String, "f.share_name_fold"}, true
	case "inviteeUserIds":
		return filterProp{odata.StringCollection, "f.invitee_folds"}, true
	}
	return filterProp{}, false
}

// flowOrderColumn returns the column of the property of a flow that orders a listing: its
// value, which orders by bytes ("C"). A property without a column orders as "", as
// store.Flow.Property gives it.
func flowOrderColumn(prop string) string {
	switch prop {
	case "id":
		return "f.id"
	case "eTag":
		return "f.etag"
	case "displayName":
		return "f.display_name"
	case "readinessStatus":
		return "f.readiness_status"
	case "sharingState":
		return "f.sharing_state"
	case "shareName":
		return "f.share_name"
	}
	return "''::text"
}
