package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
)

// errDown is the error of a backend that cannot be reached.
var errDown = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

// downBackend is a backend that can be taken away, as a database server can: while it is
// down, every call fails, and so does Ping unless pingsOK says the failures are of another
// kind.
type downBackend struct {
	*store.MemorySessions
	down    atomic.Bool
	pingsOK bool
}

func (d *downBackend) fail() error {
	if d.down.Load() {
		return errDown
	}
	return nil
}

func (d *downBackend) Ping(context.Context) error {
	if d.pingsOK {
		return nil
	}
	return d.fail()
}

func (d *downBackend) Open(ctx context.Context, name string, seed *store.Fixture, at time.Time) (store.Store, bool, error) {
	if err := d.fail(); err != nil {
		return nil, false, err
	}
	s, created, err := d.MemorySessions.Open(ctx, name, seed, at)
	return downStore{s, d}, created, err
}

func (d *downBackend) List(ctx context.Context) ([]store.SessionInfo, error) {
	if err := d.fail(); err != nil {
		return nil, err
	}
	return d.MemorySessions.List(ctx)
}

func (d *downBackend) Drop(ctx context.Context, name string) error {
	if err := d.fail(); err != nil {
		return err
	}
	return d.MemorySessions.Drop(ctx, name)
}

// downStore is the store of a session of a downBackend: its writes fail while the backend is
// down.
type downStore struct {
	store.Store
	d *downBackend
}

func (s downStore) CreateFlow(ctx context.Context, f store.Flow) (store.Flow, error) {
	if err := s.d.fail(); err != nil {
		return store.Flow{}, err
	}
	return s.Store.CreateFlow(ctx, f)
}

// TestStoreDown proves what clients get while the store cannot be reached: 503
// serviceNotAvailable with a Retry-After on the service and the control API, and /healthz
// saying why; a failing store that still answers pings is a 500. Nothing stored is lost.
func TestStoreDown(t *testing.T) {
	t.Parallel()
	backend := &downBackend{MemorySessions: store.NewMemorySessions()}
	srv := mustNew(t, Config{Backend: backend, Seed: handSeed(), Logger: controlLogger(t)})
	kept := createIn(t, srv, "down", "kept")
	// The session is open, so that a write reaches the store itself.
	open := &downBackend{MemorySessions: store.NewMemorySessions()}
	openSrv := mustNew(t, Config{Backend: open, Logger: controlLogger(t)})
	createIn(t, openSrv, "", "first")

	backend.down.Store(true)
	open.down.Store(true)
	tests := []struct {
		name string
		srv  *Server
		call func(srv *Server) *httptest.ResponseRecorder
	}{
		{name: "a listing is 503", srv: srv, call: func(srv *Server) *httptest.ResponseRecorder {
			return do(t, srv, http.MethodGet, flowsURL, "", sessionHeader, "down")
		}},
		{name: "a create is 503", srv: srv, call: func(srv *Server) *httptest.ResponseRecorder {
			return do(t, srv, http.MethodPost, flowsURL, createBody, sessionHeader, "down")
		}},
		{name: "a write that reaches the store is 503", srv: openSrv, call: func(srv *Server) *httptest.ResponseRecorder {
			return do(t, srv, http.MethodPost, flowsURL, createBody)
		}},
		{name: "the control API's list of sessions is 503", srv: srv, call: func(srv *Server) *httptest.ResponseRecorder {
			return doControl(t, srv, loopbackAddr, http.MethodGet, "/sessions", "")
		}},
		{name: "a reset is 503", srv: srv, call: func(srv *Server) *httptest.ResponseRecorder {
			return doControl(t, srv, loopbackAddr, http.MethodPost, "/reset", "", sessionHeader, "down")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.call(tt.srv)
			ge := checkEnvelope(t, rec, http.StatusServiceUnavailable, CodeUnavailable)
			if rec.Header().Get("Retry-After") != "5" || !strings.Contains(ge.Error.Message, "store") {
				t.Errorf("Retry-After %q, message %q; want 5 and a message that names the store", rec.Header().Get("Retry-After"), ge.Error.Message)
			}
			if strings.Contains(rec.Body.String(), "connection refused") {
				t.Errorf("the body shows the store's error: %s", rec.Body)
			}
		})
	}
	t.Run("healthz is 503 and says why", func(t *testing.T) {
		rec := do(t, srv, http.MethodGet, "/healthz", "")
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "connection refused") {
			t.Errorf("GET /healthz = %d %s; want 503 with the store's error", rec.Code, rec.Body)
		}
	})

	backend.down.Store(false)
	if got, want := names(flowsOf(t, srv, "down")), []string{"Seeded flow", kept.DisplayName}; !cmp.Equal(got, want) {
		t.Errorf("once the store is back, the session holds %q; want %q", got, want)
	}

	t.Run("a failing store that answers pings is 500", func(t *testing.T) {
		broken := &downBackend{MemorySessions: store.NewMemorySessions(), pingsOK: true}
		broken.down.Store(true)
		srv := mustNew(t, Config{Backend: broken, Logger: controlLogger(t)})
		checkEnvelope(t, do(t, srv, http.MethodGet, flowsURL, ""), http.StatusInternalServerError, CodeInternal)
	})
}
