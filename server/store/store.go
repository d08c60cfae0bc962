// Package store keeps the dataShareOutgoingFlow entities of the contract server. Store is the
// interface every backend implements; Memory is the in-memory one.
package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
)

// Errors a Store returns, wrapped with the id concerned; test them with errors.Is.
var (
	// ErrNotFound: no flow has the id.
	ErrNotFound = errors.New("flow not found")
	// ErrPreconditionFailed: the flow exists but its eTag is not the one the caller expects.
	ErrPreconditionFailed = errors.New("eTag precondition failed")
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

// AnyETag, as the expected eTag of Update or Delete, matches any existing flow (If-Match: *).
const AnyETag = "*"

// Store keeps flows. Implementations are safe for concurrent use, and never hand out memory
// they keep: callers may change what they get.
type Store interface {
	// CreateFlow stores f under a new id with a new eTag, and returns what it stored. The id
	// and eTag of f are ignored.
	CreateFlow(ctx context.Context, f Flow) (Flow, error)
	// GetFlow returns the flow with the id, or ErrNotFound.
	GetFlow(ctx context.Context, id string) (Flow, error)
	// UpdateFlow applies p to the flow with the id, in one step: if ifMatch is neither empty nor
	// AnyETag and the flow's eTag differs from it, nothing changes and it returns
	// ErrPreconditionFailed. A patch that changes something assigns a new eTag; one that
	// changes nothing keeps it. It returns the flow as stored afterwards.
	UpdateFlow(ctx context.Context, id string, p Patch, ifMatch string) (Flow, error)
	// DeleteFlow deletes the flow with the id, with the precondition of UpdateFlow.
	DeleteFlow(ctx context.Context, id string, ifMatch string) error
	// ListFlows returns every flow, in the order they were created.
	ListFlows(ctx context.Context) ([]Flow, error)
}

// NewETag returns a new opaque eTag: 96 random bits, base64url without padding.
func NewETag() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// matches reports whether the eTag of a stored flow satisfies the expected one.
func matches(etag, ifMatch string) bool {
	return ifMatch == "" || ifMatch == AnyETag || ifMatch == etag
}
