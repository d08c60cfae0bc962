package server

import (
	"sync"
	"time"
)

// journalSize is how many entries the journal and the list of violations keep.
const journalSize = 1000

// ring keeps the last entries it is given, oldest first.
type ring[T any] struct {
	mu      sync.Mutex
	entries []T
	next    int
	full    bool
}

func newRing[T any](size int) *ring[T] { return &ring[T]{entries: make([]T, size)} }

func (r *ring[T]) add(e T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[r.next] = e
	r.next = (r.next + 1) % len(r.entries)
	if r.next == 0 {
		r.full = true
	}
}

// last returns the last n entries that keep accepts, oldest first.
func (r *ring[T]) last(n int, keep func(T) bool) []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []T
	if r.full {
		all = append(all, r.entries[r.next:]...)
	}
	all = append(all, r.entries[:r.next]...)
	out := make([]T, 0, min(n, len(all)))
	for i := len(all) - 1; i >= 0 && len(out) < n; i-- {
		if keep == nil || keep(all[i]) {
			out = append(out, all[i])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func (r *ring[T]) clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.entries)
	r.next, r.full = 0, false
}

// journalEntry is a request to the service, as the control API's journal lists it.
type journalEntry struct {
	Time       time.Time `json:"time"`
	RequestID  string    `json:"requestId"`
	Session    string    `json:"session"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	DurationMs float64   `json:"durationMs"`
}

// violationEntry is a violation of the contract by a response, as the control API lists it.
type violationEntry struct {
	Time        time.Time `json:"time"`
	RequestID   string    `json:"requestId"`
	OperationID string    `json:"operationId"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	Status      int       `json:"status"`
	In          string    `json:"in"`
	Target      string    `json:"target,omitempty"`
	Keyword     string    `json:"keyword"`
	Reason      string    `json:"reason"`
	Mode        string    `json:"mode"`
}
