package pgstore

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/server/store/pgstore/pgtest"
	"github.com/datashare/datashare/server/store/storetest"
)

// testDSN returns the URL of a new schema of the test database, dropped when tb ends, with
// a bounded pool: tests run in parallel.
func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn, _ := pgtest.Schema(tb)
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("test database URL: %v", err)
	}
	q := u.Query()
	if !q.Has("pool_max_conns") {
		q.Set("pool_max_conns", "8")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// openTest opens a Backend on dsn, closed when tb ends.
func openTest(tb testing.TB, dsn string, opts ...option) *Backend {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := open(ctx, dsn, opts...)
	if err != nil {
		tb.Fatalf("open() error = %v", err)
	}
	tb.Cleanup(func() { _ = b.Close() })
	return b
}

// newBackend opens a Backend on a schema of its own.
func newBackend(tb testing.TB, opts ...option) *Backend {
	tb.Helper()
	return openTest(tb, testDSN(tb), opts...)
}

// session opens a new session of b.
func session(tb testing.TB, b *Backend, name string) store.Store {
	tb.Helper()
	s, created, err := b.Open(context.Background(), name, nil, time.Now())
	if err != nil || !created {
		tb.Fatalf("Open(%q) = _, %v, %v; want a new session", name, created, err)
	}
	return s
}

// sessionsOf returns a function that opens a new session of b at each call: the suite wants
// an empty store for each test, and sessions are isolated.
func sessionsOf(b *Backend) func(*testing.T) store.Store {
	var n atomic.Int64
	return func(t *testing.T) store.Store {
		return session(t, b, fmt.Sprint("conformance-", n.Add(1)))
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, sessionsOf(newBackend(t)))
}

// TestConformanceInGo runs the suite with every $filter evaluated in Go, reading two rows at a
// time, as for filters that SQL cannot express.
func TestConformanceInGo(t *testing.T) {
	t.Parallel()
	storetest.Run(t, sessionsOf(newBackend(t, withGoFilter(), withBatchSize(2))))
}

func TestSessions(t *testing.T) {
	t.Parallel()
	storetest.RunSessions(t, func(t *testing.T) store.Sessions { return newBackend(t) })
}
