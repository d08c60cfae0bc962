package faults

import (
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLimitersStayBounded(t *testing.T) {
	t.Parallel()
	// Each client sends one request and never comes back, one a millisecond: the map would
	// hold 3*maxClients limiters if none were dropped.
	l := newLimiters(10, 1)
	t0 := newClock().Now()
	for i := range 3 * maxClients {
		l.reserve(strconv.Itoa(i), t0.Add(time.Duration(i)*time.Millisecond))
		if n := l.size(); n > maxClients {
			t.Fatalf("after %d clients, %d limiters are kept, want at most %d", i+1, n, maxClients)
		}
	}
}

func TestLimitersPrune(t *testing.T) {
	t.Parallel()
	t0 := newClock().Now()
	tests := []struct {
		name string
		// run sends requests to l, whose max is 4, and returns the time of the last one.
		run      func(l *limiters) time.Time
		wantKept []string
		// throttled is a client that must still be throttled at the time run returns.
		throttled string
	}{
		{
			name: "idle clients are dropped",
			run: func(l *limiters) time.Time {
				for _, key := range []string{"a", "b", "c", "d"} {
					l.reserve(key, t0)
				}
				l.reserve("e", t0.Add(2*idleAfter))
				return t0.Add(2 * idleAfter)
			},
			wantKept: []string{"e"},
		},
		{
			name: "clients with a full bucket are dropped",
			run: func(l *limiters) time.Time {
				for _, key := range []string{"a", "b", "c", "d"} {
					l.reserve(key, t0)
				}
				// At 1/s, each bucket is full again after a second, long before idleAfter.
				l.reserve("e", t0.Add(time.Second))
				return t0.Add(time.Second)
			},
			wantKept: []string{"e"},
		},
		{
			name: "a throttled client survives; the least recently used go",
			run: func(l *limiters) time.Time {
				l.reserve("x", t0)
				for i, key := range []string{"a", "b", "c"} {
					l.reserve(key, t0.Add(time.Duration(i+1)*time.Millisecond))
				}
				l.reserve("x", t0.Add(4*time.Millisecond)) // throttled, and recently used
				l.reserve("e", t0.Add(5*time.Millisecond)) // a goes: 3 are kept, then e comes
				return t0.Add(5 * time.Millisecond)
			},
			wantKept:  []string{"b", "c", "e", "x"},
			throttled: "x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := newLimiters(1, 1)
			l.max = 4
			now := tt.run(l)
			l.mu.Lock()
			kept := slices.Sorted(maps.Keys(l.clients))
			l.mu.Unlock()
			if diff := cmp.Diff(tt.wantKept, kept); diff != "" {
				t.Errorf("clients kept (-want +got):\n%s", diff)
			}
			if tt.throttled != "" {
				if d := l.reserve(tt.throttled, now); d <= 0 {
					t.Errorf("client %q is no longer throttled: its limiter was dropped", tt.throttled)
				}
			}
		})
	}
}
