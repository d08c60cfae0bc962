// Package store keeps the dataShareOutgoingFlow entities of the contract server. Store is the
// interface every backend implements; Memory is the in-memory one.
package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"

	"github.com/datashare/datashare/server/odata"
)

// Errors a Store returns, wrapped with the id concerned; test them with errors.Is.
var (
	// ErrNotFound: no flow has the id.
	ErrNotFound = errors.New("flow not found")
	// ErrPreconditionFailed: the flow exists but its eTag is not the one the caller expects.
	ErrPreconditionFailed = errors.New("eTag precondition failed")
	// ErrInvalidCursor: Query.After is not a cursor of this order.
	ErrInvalidCursor = errors.New("invalid cursor")
	// ErrDuplicateID: a fixture gives two flows, or two runs, the same id.
	ErrDuplicateID = errors.New("duplicate id")
)

// Flow is a stored dataShareOutgoingFlow.
type Flow struct {
	ID              string
	ETag            string
	DisplayName     string
	ReadinessStatus string
	InviteeUserIDs  []string
	SharingState    string
	ShareName       string
}

// Clone returns a copy of f that shares no memory with it.
func (f Flow) Clone() Flow {
	f.InviteeUserIDs = slices.Clone(f.InviteeUserIDs)
	return f
}

// Patch lists the properties an update changes; nil ones keep their values.
type Patch struct {
	DisplayName     *string
	ReadinessStatus *string
	InviteeUserIDs  []string // nil: unchanged
	SharingState    *string
	ShareName       *string
}

// Apply returns f with the properties of p, and whether any of them differed.
func (p Patch) Apply(f Flow) (Flow, bool) {
	changed := false
	set := func(dst *string, src *string) {
		if src != nil && *dst != *src {
			*dst = *src
			changed = true
		}
	}
	f = f.Clone()
	set(&f.DisplayName, p.DisplayName)
	set(&f.ReadinessStatus, p.ReadinessStatus)
	set(&f.SharingState, p.SharingState)
	set(&f.ShareName, p.ShareName)
	if p.InviteeUserIDs != nil && !slices.Equal(f.InviteeUserIDs, p.InviteeUserIDs) {
		f.InviteeUserIDs = slices.Clone(p.InviteeUserIDs)
		changed = true
	}
	return f, changed
}

// AnyETag, among the eTags an update or delete expects, matches any existing flow (If-Match: *).
const AnyETag = "*"

// Query selects, orders and pages flows for ListFlows.
type Query struct {
	// Filter keeps the flows it is true of; nil keeps all.
	Filter odata.Expr
	// OrderBy sorts the flows by these properties, then by id; empty means creation order.
	OrderBy []odata.OrderItem
	// After, when set, starts the page after the flow this cursor (from Page.Next) points at.
	After *Cursor
	// Skip leaves out that many flows at the start (after After).
	Skip int
	// Limit is the size of the page. 0 returns no flow (to count only).
	Limit int
	// Count asks for the number of flows the filter keeps, in Page.Count.
	Count bool
}

// Page is one page of a listing.
type Page struct {
	Flows []Flow
	// Next points at the last flow of the page when more flows follow it, else nil.
	Next *Cursor
	// Count is the number of flows the filter keeps, when Query.Count asked for it.
	Count int
}

// Cursor is a position in an ordered listing: the values of the sort keys of a flow, which the
// store alone interprets. Clients get it opaque.
type Cursor struct {
	Keys []string `json:"k"`
}

// Store keeps flows. Implementations are safe for concurrent use, and never hand out memory
// they keep: callers may change what they get.
//
// UpdateFlow and DeleteFlow take the eTags the caller expects: nil means no precondition;
// otherwise the flow's eTag must be one of them (AnyETag matches any existing flow), or nothing
// changes and they return ErrPreconditionFailed. The check and the change are one step.
type Store interface {
	// CreateFlow stores f under a new id with a new eTag, and returns what it stored. The id
	// and eTag of f are ignored.
	CreateFlow(ctx context.Context, f Flow) (Flow, error)
	// GetFlow returns the flow with the id, or ErrNotFound.
	GetFlow(ctx context.Context, id string) (Flow, error)
	// UpdateFlow applies p to the flow with the id. A patch that changes something assigns a
	// new eTag; one that changes nothing keeps it. It returns the flow as stored afterwards.
	UpdateFlow(ctx context.Context, id string, p Patch, ifMatch []string) (Flow, error)
	// DeleteFlow deletes the flow with the id.
	DeleteFlow(ctx context.Context, id string, ifMatch []string) error
	// ListFlows returns a page of the flows q selects, in its order. Paging by cursor never
	// repeats a flow nor skips one that exists throughout, whatever else is created or deleted
	// in between.
	ListFlows(ctx context.Context, q Query) (Page, error)

	// CreateRun stores r as a new run of the flow, under a new id, and returns what it stored;
	// ErrNotFound if the flow does not exist. Deleting a flow deletes its runs.
	CreateRun(ctx context.Context, flowID string, r Run) (Run, error)
	// GetRun returns the run of the flow with the id, or ErrNotFound (for the flow or the run).
	GetRun(ctx context.Context, flowID, runID string) (Run, error)
	// ListRuns returns a page of the runs of the flow that q selects, by start time (then id)
	// unless q orders them otherwise, with the paging guarantee of ListFlows.
	ListRuns(ctx context.Context, flowID string, q Query) (RunPage, error)

	// Directory returns the users of the tenant's directory; none unless a fixture loaded them.
	Directory(ctx context.Context) ([]User, error)
	// Load replaces everything the store holds with f, in one step. Flows and runs keep the
	// ids f gives them (new ids where it gives none); flows get new eTags.
	Load(ctx context.Context, f Fixture) error
}

// NewETag returns a new opaque eTag: 96 random bits, base64url without padding.
func NewETag() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}
