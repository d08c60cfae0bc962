package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestSessionsAreIsolated proves that each session has a store of its own, seeded on first
// use: what one session changes, no other session sees, the default one included.
func TestSessionsAreIsolated(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Seed: handSeed()})

	created := createIn(t, srv, "iso-a", "only in a")
	if rec := do(t, srv, http.MethodPatch, flowsURL+"/"+seedFlowID, `{"displayName":"renamed in a"}`, sessionHeader, "iso-a"); rec.Code != http.StatusOK {
		t.Fatalf("patch in iso-a: status = %d, body %s", rec.Code, rec.Body)
	}
	if rec := do(t, srv, http.MethodDelete, flowsURL+"/"+seedFlowID, "", sessionHeader, "iso-b"); rec.Code != http.StatusNoContent {
		t.Fatalf("delete in iso-b: status = %d, body %s", rec.Code, rec.Body)
	}

	tests := []struct {
		name      string
		session   string
		wantFlows []string
	}{
		{name: "the session that changed sees its changes", session: "iso-a", wantFlows: []string{"renamed in a", "only in a"}},
		{name: "a session that deleted the seeded flow no longer has it", session: "iso-b", wantFlows: []string{}},
		{name: "the default session sees the seed alone", session: "", wantFlows: []string{"Seeded flow"}},
		{name: "a new session starts from the seed", session: "iso-c", wantFlows: []string{"Seeded flow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := names(flowsOf(t, srv, tt.session))
			if diff := cmp.Diff(tt.wantFlows, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("flows of session %q mismatch (-want +got):\n%s", tt.session, diff)
			}
		})
	}

	t.Run("a flow of one session is not found in another", func(t *testing.T) {
		t.Parallel()
		for _, other := range []string{"", "iso-b", "iso-c"} {
			checkEnvelope(t, do(t, srv, http.MethodGet, flowsURL+"/"+created.ID, "", session(other)...), http.StatusNotFound, CodeNotFound)
		}
	})
}

// TestSessionsUnderParallelClients runs 16 clients at once, each in its own session, creating
// and deleting flows: each ends seeing exactly the flows it kept. Run with -race.
func TestSessionsUnderParallelClients(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	const clients, flowsEach = 16, 6
	send := func(name, method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", validToken)
		req.Header.Set(sessionHeader, name)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	client := func(i int) (want, got []string, err error) {
		name := fmt.Sprintf("parallel-%02d", i)
		for j := range flowsEach {
			displayName := fmt.Sprintf("client %d flow %d", i, j)
			rec := send(name, http.MethodPost, flowsURL, strings.Replace(createBody, "Contoso student records", displayName, 1))
			if rec.Code != http.StatusCreated {
				return nil, nil, fmt.Errorf("%s: create: status %d, body %s", name, rec.Code, rec.Body)
			}
			var f flowJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &f); err != nil {
				return nil, nil, err
			}
			if j%2 == 1 { // delete every other flow
				if rec := send(name, http.MethodDelete, flowsURL+"/"+f.ID, ""); rec.Code != http.StatusNoContent {
					return nil, nil, fmt.Errorf("%s: delete: status %d, body %s", name, rec.Code, rec.Body)
				}
				continue
			}
			want = append(want, displayName)
		}
		rec := send(name, http.MethodGet, flowsURL, "")
		var p page
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusOK {
			return nil, nil, fmt.Errorf("%s: list: status %d, body %s", name, rec.Code, rec.Body)
		}
		return want, names(p.Value), nil
	}

	type result struct {
		want, got []string
		err       error
	}
	results := make([]result, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			want, got, err := client(i)
			results[i] = result{want, got, err}
		})
	}
	wg.Wait()
	for i, r := range results {
		if r.err != nil {
			t.Errorf("client %d: %v", i, r.err)
			continue
		}
		if diff := cmp.Diff(r.want, r.got); diff != "" {
			t.Errorf("client %d sees other flows than its own (-want +got):\n%s", i, diff)
		}
	}
	if got := flowsOf(t, srv, ""); len(got) != 0 {
		t.Errorf("the default session holds %d flows; want none", len(got))
	}
}

// TestSessionsSharedByServers proves what servers that share one backend agree on, as
// replicas on one database do, or a server restarted on its file: a session created on one is
// whole on the other, a session in use on one is not dropped as idle by the other while one
// idle everywhere is, the bound counts the sessions of both, and a new server finds them all.
func TestSessionsSharedByServers(t *testing.T) {
	t.Parallel()
	backend := store.NewMemorySessions()
	clock := newFakeClock()
	newServer := func() *Server {
		srv := mustNew(t, Config{Backend: backend, Seed: handSeed(), SessionTTL: time.Hour, MaxSessions: 3, Logger: controlLogger(t)})
		srv.sessions.now = clock.Now
		return srv
	}
	listed := func(srv *Server) []string {
		var out []string
		for _, s := range sessionsOf(t, srv) {
			out = append(out, s.Name)
		}
		return out
	}
	a, b := newServer(), newServer()
	createIn(t, a, "shared", "made on a")
	createIn(t, a, "idle", "left on a")

	if got, want := names(flowsOf(t, b, "shared")), []string{"Seeded flow", "made on a"}; !cmp.Equal(got, want) {
		t.Errorf("b sees shared holding %q; want what a made, %q", got, want)
	}
	// Two hours in which shared is used on b alone, while a serves (and sweeps) the default
	// session.
	for range 6 {
		clock.Advance(20 * time.Minute)
		flowsOf(t, b, "shared")
		flowsOf(t, a, "")
	}
	if diff := cmp.Diff([]string{"default", "shared"}, listed(a)); diff != "" {
		t.Errorf("sessions on a after two hours mismatch: shared is in use on b, idle is not (-want +got):\n%s", diff)
	}
	if got, want := names(flowsOf(t, a, "shared")), []string{"Seeded flow", "made on a"}; !cmp.Equal(got, want) {
		t.Errorf("a sees shared holding %q after it was used on b; want %q", got, want)
	}

	createIn(t, b, "made-on-b-1", "b's first")
	createIn(t, b, "made-on-b-2", "b's second")
	checkEnvelope(t, do(t, a, http.MethodGet, flowsURL, "", sessionHeader, "one-too-many"), http.StatusServiceUnavailable, CodeUnavailable)

	restarted := newServer()
	if diff := cmp.Diff([]string{"default", "made-on-b-1", "made-on-b-2", "shared"}, listed(restarted)); diff != "" {
		t.Errorf("sessions on a new server mismatch (-want +got):\n%s", diff)
	}
	if got, want := names(flowsOf(t, restarted, "made-on-b-1")), []string{"Seeded flow", "b's first"}; !cmp.Equal(got, want) {
		t.Errorf("a new server sees made-on-b-1 holding %q; want %q", got, want)
	}
	clock.Advance(61 * time.Minute)
	flowsOf(t, restarted, "shared")
	if diff := cmp.Diff([]string{"default", "shared"}, listed(restarted)); diff != "" {
		t.Errorf("sessions on a new server an hour later mismatch: those it did not use expire too (-want +got):\n%s", diff)
	}
}

// decodeOrNil decodes the body of rec, or returns the zero value: for goroutines, which may
// not fail the test.
func decodeOrNil[T any](rec *httptest.ResponseRecorder) T {
	var v T
	_ = json.Unmarshal(rec.Body.Bytes(), &v)
	return v
}

// TestSessionNames proves which names X-Datashare-Session takes, on the service and on the
// control API: a malformed one is refused 400, naming the header.
func TestSessionNames(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Logger: controlLogger(t)})
	tests := []struct {
		name       string
		session    string
		wantStatus int
	}{
		{name: "letters, digits and ._~- are a name", session: "Suite_1.run~2-a", wantStatus: 200},
		{name: "64 characters are a name", session: strings.Repeat("s", 64), wantStatus: 200},
		{name: "65 characters are too many", session: strings.Repeat("s", 65), wantStatus: 400},
		{name: "a space is refused", session: "my session", wantStatus: 400},
		{name: "a slash is refused", session: "a/b", wantStatus: 400},
		{name: "a colon is refused", session: "a:b", wantStatus: 400},
		{name: "a letter outside ASCII is refused", session: "café", wantStatus: 400},
	}
	t.Run("names", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				for _, call := range []struct {
					what string
					rec  *httptest.ResponseRecorder
				}{
					{"the service", do(t, srv, http.MethodGet, flowsURL, "", sessionHeader, tt.session)},
					{"POST /reset", doControl(t, srv, loopbackAddr, http.MethodPost, "/reset", "", sessionHeader, tt.session)},
					{"PUT /fixture", doControl(t, srv, loopbackAddr, http.MethodPut, "/fixture", `{}`, sessionHeader, tt.session)},
				} {
					if tt.wantStatus != http.StatusBadRequest {
						if call.rec.Code >= 300 {
							t.Errorf("%s: status = %d, body %s; want success", call.what, call.rec.Code, call.rec.Body)
						}
						continue
					}
					ge := checkEnvelope(t, call.rec, http.StatusBadRequest, CodeBadRequest)
					if ge.Error.Target != sessionHeader || !strings.Contains(ge.Error.Message, sessionHeader) {
						t.Errorf("%s: error target %q, message %q; want both to name %s", call.what, ge.Error.Target, ge.Error.Message, sessionHeader)
					}
				}
			})
		}
	})
	var listed []string
	for _, s := range sessionsOf(t, srv) {
		listed = append(listed, s.Name)
	}
	want := []string{"Suite_1.run~2-a", strings.Repeat("s", 64)}
	slices.Sort(want)
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("sessions mismatch: refused names must not make sessions (-want +got):\n%s", diff)
	}
}

// TestSessionsExpire proves that a session idle for longer than SessionTTL is dropped, and is
// seeded afresh when used again, while the default session never expires.
func TestSessionsExpire(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Seed: handSeed(), SessionTTL: time.Hour, Logger: controlLogger(t)})
	clock := newFakeClock()
	srv.sessions.now = clock.Now

	createIn(t, srv, "", "default's own")
	createIn(t, srv, "ttl-old", "old's own")
	clock.Advance(50 * time.Minute)
	createIn(t, srv, "ttl-fresh", "fresh's own")

	// Each step runs in order, after moving the clock by advance.
	steps := []struct {
		name        string
		advance     time.Duration
		wantListed  []string // GET /sessions, before the step's request
		session     string
		wantFlows   []string
		wantListed2 []string // GET /sessions, after it
	}{
		{name: "an hour idle exactly is not expired", advance: 10 * time.Minute,
			wantListed: []string{"default", "ttl-fresh", "ttl-old"},
			session:    "ttl-fresh", wantFlows: []string{"Seeded flow", "fresh's own"},
			wantListed2: []string{"default", "ttl-fresh", "ttl-old"}},
		{name: "a session idle for longer than the TTL is no longer listed", advance: time.Minute,
			wantListed: []string{"default", "ttl-fresh"},
			session:    "ttl-fresh", wantFlows: []string{"Seeded flow", "fresh's own"},
			wantListed2: []string{"default", "ttl-fresh"}},
		{name: "an expired session used again starts from the seed", advance: 0,
			wantListed: []string{"default", "ttl-fresh"},
			session:    "ttl-old", wantFlows: []string{"Seeded flow"},
			wantListed2: []string{"default", "ttl-fresh", "ttl-old"}},
		{name: "the default session never expires", advance: 48 * time.Hour,
			wantListed: []string{"default"},
			session:    "", wantFlows: []string{"Seeded flow", "default's own"},
			wantListed2: []string{"default"}},
	}
	listed := func() []string {
		var out []string
		for _, s := range sessionsOf(t, srv) {
			out = append(out, s.Name)
		}
		return out
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.Advance(st.advance)
			if diff := cmp.Diff(st.wantListed, listed()); diff != "" {
				t.Errorf("sessions before the request mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(st.wantFlows, names(flowsOf(t, srv, st.session))); diff != "" {
				t.Errorf("flows of session %q mismatch (-want +got):\n%s", st.session, diff)
			}
			if diff := cmp.Diff(st.wantListed2, listed()); diff != "" {
				t.Errorf("sessions after the request mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMaxSessions proves that MaxSessions bounds the sessions: a new session beyond it is
// refused 503 with a Retry-After, on the service and the control API, while the sessions that
// exist, and the default one, keep working; dropping one makes room.
func TestMaxSessions(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{MaxSessions: 2, Seed: handSeed(), Logger: controlLogger(t)})
	createIn(t, srv, "max-a", "a's own")
	createIn(t, srv, "max-b", "b's own")

	t.Run("at the bound", func(t *testing.T) {
		tests := []struct {
			name       string
			control    bool // a call of the control API, else of the service
			method     string
			path       string
			body       string
			session    string // "" for the default session
			wantStatus int
		}{
			{name: "a new session is refused 503", method: http.MethodGet, path: flowsURL, session: "max-c", wantStatus: 503},
			{name: "a new session is refused 503 on create too", method: http.MethodPost, path: flowsURL, body: createBody,
				session: "max-c", wantStatus: 503},
			{name: "reset of a new session is refused 503", control: true, method: http.MethodPost, path: "/reset",
				session: "max-c", wantStatus: 503},
			{name: "a fixture for a new session is refused 503", control: true, method: http.MethodPut, path: "/fixture", body: `{}`,
				session: "max-c", wantStatus: 503},
			{name: "an existing session still works", method: http.MethodGet, path: flowsURL, session: "max-a", wantStatus: 200},
			{name: "the default session is always served", method: http.MethodGet, path: flowsURL, wantStatus: 200},
			{name: "the default session can be reset", control: true, method: http.MethodPost, path: "/reset", wantStatus: 204},
			{name: "the default session can be dropped, that is reset", control: true, method: http.MethodDelete,
				path: "/sessions/default", wantStatus: 204},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var rec *httptest.ResponseRecorder
				if tt.control {
					rec = doControl(t, srv, loopbackAddr, tt.method, tt.path, tt.body, session(tt.session)...)
				} else {
					rec = do(t, srv, tt.method, tt.path, tt.body, session(tt.session)...)
				}
				if tt.wantStatus != http.StatusServiceUnavailable {
					if rec.Code != tt.wantStatus {
						t.Errorf("status = %d, body %s; want %d", rec.Code, rec.Body, tt.wantStatus)
					}
					return
				}
				ge := checkEnvelope(t, rec, http.StatusServiceUnavailable, CodeUnavailable)
				if got := rec.Header().Get("Retry-After"); got != "10" {
					t.Errorf("Retry-After = %q; want 10", got)
				}
				if !strings.Contains(ge.Error.Message, "maximum of 2 sessions") {
					t.Errorf("error.message = %q; want it to give the bound", ge.Error.Message)
				}
			})
		}
	})

	if rec := doControl(t, srv, loopbackAddr, http.MethodDelete, "/sessions/max-a", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("drop max-a: status = %d, body %s", rec.Code, rec.Body)
	}
	if got, want := names(flowsOf(t, srv, "max-c")), []string{"Seeded flow"}; !cmp.Equal(got, want) {
		t.Errorf("after a drop, the new session holds %q; want %q", got, want)
	}
	checkEnvelope(t, do(t, srv, http.MethodGet, flowsURL, "", sessionHeader, "max-a"), http.StatusServiceUnavailable, CodeUnavailable)
	if got, want := names(flowsOf(t, srv, "max-b")), []string{"Seeded flow", "b's own"}; !cmp.Equal(got, want) {
		t.Errorf("max-b holds %q; want %q", got, want)
	}
}

// TestMaxSessionsWithExpiry proves that expired sessions make room for new ones.
func TestMaxSessionsWithExpiry(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{MaxSessions: 1, SessionTTL: time.Minute})
	clock := newFakeClock()
	srv.sessions.now = clock.Now
	createIn(t, srv, "expiring", "x")
	checkEnvelope(t, do(t, srv, http.MethodGet, flowsURL, "", sessionHeader, "waiting"), http.StatusServiceUnavailable, CodeUnavailable)
	clock.Advance(2 * time.Minute)
	if rec := do(t, srv, http.MethodGet, flowsURL, "", sessionHeader, "waiting"); rec.Code != http.StatusOK {
		t.Errorf("once the other session expired: status = %d, body %s; want 200", rec.Code, rec.Body)
	}
}
