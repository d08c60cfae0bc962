package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/server/fixture"
	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/validator"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	controlURL   = "/_datashare"
	loopbackAddr = "127.0.0.1:40001"
	outsideAddr  = "203.0.113.7:5555"
	controlToken = "control-secret"
)

// The users of the directory of handSeed and of example.yaml.
const (
	meganID    = inviteeID                              // a Global Administrator
	alexID     = "6e9a4b7c-1d2e-4f3a-9b8c-7d6e5f4a3b2c" // a Global Administrator of example.yaml
	leeID      = "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d" // an ordinary user
	seedFlowID = "3baf174c-174c-3baf-4c17-af3b4c17af3b"
)

// handSeed is a seed built by hand: a directory of one Global Administrator and one ordinary
// user, and one flow with one run.
func handSeed() *store.Fixture {
	end := time.Date(2026, 1, 1, 2, 4, 31, 0, time.UTC)
	return &store.Fixture{
		Directory: []store.User{
			{ID: meganID, DisplayName: "Megan Bowen", GlobalAdministrator: true},
			{ID: leeID, DisplayName: "Lee Gu"},
		},
		Flows: []store.FixtureFlow{{
			Flow: store.Flow{ID: seedFlowID, DisplayName: "Seeded flow", ReadinessStatus: "ready",
				InviteeUserIDs: []string{meganID}, SharingState: "running", ShareName: "seeded_share"},
			Runs: []store.Run{{ID: "0c4f6a8e-2b1d-4c3e-9f5a-6b7c8d9e0f1a", DisplayName: "Nightly share", Status: "completed",
				StartDateTime: time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC), EndDateTime: &end}},
		}},
	}
}

// exampleSeed is server/fixture/example.yaml, read as `datashare serve --seed` reads it.
var exampleSeed = sync.OnceValues(func() (*store.Fixture, error) {
	data, err := os.ReadFile("fixture/example.yaml")
	if err != nil {
		return nil, err
	}
	contract, err := gen.Spec()
	if err != nil {
		return nil, err
	}
	control, err := ControlSpec()
	if err != nil {
		return nil, err
	}
	checker, err := fixture.NewChecker(contract, control)
	if err != nil {
		return nil, err
	}
	f, err := checker.Parse("example.yaml", data)
	return &f, err
})

func mustExampleSeed(tb testing.TB) *store.Fixture {
	tb.Helper()
	f, err := exampleSeed()
	if err != nil {
		tb.Fatalf("reading the example fixture: %v", err)
	}
	return f
}

// fakeClock is a clock that moves only when told; safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// controlLogger returns a logger for a server whose control answers the test checks: when the
// test ends, it fails if the control API's validator found an answer that breaks control.yaml.
func controlLogger(tb testing.TB) *slog.Logger {
	tb.Helper()
	log := &syncBuffer{}
	tb.Cleanup(func() {
		for line := range strings.SplitSeq(log.String(), "\n") {
			if strings.Contains(line, "response breaks the contract") && strings.Contains(line, "path="+controlURL) {
				tb.Errorf("a control answer breaks control.yaml: %s", line)
			}
		}
	})
	return newTestLogger(log)
}

// doControl sends a request to the control API (path is under /_datashare) from the address
// remote, with the headers given in pairs (an empty value removes one). Unlike do, it sends no
// Authorization unless told. A 500 fails the test: with the control API's answers validated in
// enforce mode, one that broke control.yaml would come back as a 500.
func doControl(tb testing.TB, h http.Handler, remote, method, path, body string, header ...string) *httptest.ResponseRecorder {
	tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, controlURL+path, r)
	req.RemoteAddr = remote
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code == http.StatusInternalServerError {
		tb.Errorf("%s %s: status 500, body %s", method, path, rec.Body)
	}
	return rec
}

// session returns the header pair that names a session, or none for the default session.
func session(name string) []string {
	if name == "" {
		return nil
	}
	return []string{sessionHeader, name}
}

// flowsOf lists every flow of a session ("" for the default one), in creation order.
func flowsOf(tb testing.TB, h http.Handler, name string) []flowJSON {
	tb.Helper()
	rec := do(tb, h, http.MethodGet, flowsURL, "", session(name)...)
	if rec.Code != http.StatusOK {
		tb.Fatalf("list of session %q: status = %d, body %s", name, rec.Code, rec.Body)
	}
	return decode[page](tb, rec).Value
}

// createIn creates a flow named displayName in a session and returns it.
func createIn(tb testing.TB, h http.Handler, name, displayName string) flowJSON {
	tb.Helper()
	body := strings.Replace(createBody, "Contoso student records", displayName, 1)
	rec := do(tb, h, http.MethodPost, flowsURL, body, session(name)...)
	if rec.Code != http.StatusCreated {
		tb.Fatalf("create in session %q: status = %d, body %s", name, rec.Code, rec.Body)
	}
	return decode[flowJSON](tb, rec)
}

// ignoreETags compares flows but for their eTags, which every load of a fixture renews.
var ignoreETags = cmpopts.IgnoreFields(flowJSON{}, "ETag")

// TestControlReset proves that POST /reset puts the seed back into the session the request
// names, whatever was changed in it, and into no other.
func TestControlReset(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Seed: handSeed(), Logger: controlLogger(t)})
	seed := flowsOf(t, srv, "seed-reference")
	if len(seed) != 1 || seed[0].ID != seedFlowID {
		t.Fatalf("seed-reference session holds %+v; want the seeded flow", seed)
	}

	tests := []struct {
		name      string
		session   string // "" for the default session
		bystander string // a session whose changes the reset must keep
	}{
		{name: "the default session is back to the seed", session: "", bystander: "bystander-1"},
		{name: "a named session is back to the seed", session: "reset-2", bystander: "bystander-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kept := createIn(t, srv, tt.bystander, "kept")
			kept.Context = "" // as listed
			createIn(t, srv, tt.session, "added")
			if rec := do(t, srv, http.MethodPatch, flowsURL+"/"+seedFlowID, `{"displayName":"renamed"}`, session(tt.session)...); rec.Code != http.StatusOK {
				t.Fatalf("patch: status = %d, body %s", rec.Code, rec.Body)
			}
			if rec := do(t, srv, http.MethodPost, flowsURL+"/"+seedFlowID+"/runs", `{"displayName":"extra run"}`, session(tt.session)...); rec.Code != http.StatusCreated {
				t.Fatalf("create run: status = %d, body %s", rec.Code, rec.Body)
			}

			rec := doControl(t, srv, loopbackAddr, http.MethodPost, "/reset", "", session(tt.session)...)
			if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
				t.Fatalf("reset: status = %d, body %q; want 204 and no body", rec.Code, rec.Body)
			}
			if diff := cmp.Diff(seed, flowsOf(t, srv, tt.session), ignoreETags); diff != "" {
				t.Errorf("after reset the session is not the seed (-want +got):\n%s", diff)
			}
			runs := decode[struct{ Value []runJSON }](t, do(t, srv, http.MethodGet, flowsURL+"/"+seedFlowID+"/runs", "", session(tt.session)...)).Value
			if got, want := len(runs), 1; got != want {
				t.Errorf("after reset the seeded flow has %d runs; want the %d of the seed", got, want)
			}
			if diff := cmp.Diff(append(seed, kept), flowsOf(t, srv, tt.bystander), ignoreETags); diff != "" {
				t.Errorf("the reset changed another session (-want +got):\n%s", diff)
			}
		})
	}
}

// TestControlResetWithoutSeedEmpties proves that without a seed, reset empties the session.
func TestControlResetWithoutSeedEmpties(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Logger: controlLogger(t)})
	createIn(t, srv, "empty-me", "a flow")
	if rec := doControl(t, srv, loopbackAddr, http.MethodPost, "/reset", "", sessionHeader, "empty-me"); rec.Code != http.StatusNoContent {
		t.Fatalf("reset: status = %d, body %s; want 204", rec.Code, rec.Body)
	}
	if got := flowsOf(t, srv, "empty-me"); len(got) != 0 {
		t.Errorf("after reset without a seed the session holds %+v; want nothing", got)
	}
}

// validFixture is a fixture of one Global Administrator and one flow with one run.
const validFixture = `{
  "directory": [{"id": "7a9d2c4e-1f3b-4a5c-8d6e-0b1c2d3e4f50", "displayName": "Pradeep Gupta", "globalAdministrator": true}],
  "flows": [{
    "id": "5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
    "displayName": "Fixture flow",
    "readinessStatus": "notReady",
    "inviteeUserIds": ["7a9d2c4e-1f3b-4a5c-8d6e-0b1c2d3e4f50"],
    "sharingState": "pending",
    "shareName": "fixture_share",
    "runs": [{"id": "2e6b8c0a-4d3f-4e5a-9b7c-8d9e0f1a2b3c", "displayName": "First run", "startDateTime": "2026-01-01T03:00:00Z"}]
  }]
}`

// invalidFixture breaks the contract in three places, none of which control.yaml's schema
// sees: an enumeration, a run that ends before it starts, an invitee who is no Global
// Administrator.
const invalidFixture = `{
  "directory": [
    {"id": "` + meganID + `", "displayName": "Megan Bowen", "globalAdministrator": true},
    {"id": "` + leeID + `", "displayName": "Lee Gu"}
  ],
  "flows": [{
    "id": "8f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c",
    "displayName": "Broken flow",
    "readinessStatus": "almostReady",
    "inviteeUserIds": ["` + leeID + `"],
    "sharingState": "pending",
    "shareName": "broken_share",
    "runs": [{"id": "1d5a7b9f-3c2e-4d4f-8a6b-7c8d9e0f1a2b", "displayName": "Backwards",
      "startDateTime": "2026-01-02T00:00:00Z", "endDateTime": "2026-01-01T00:00:00Z", "status": "completed"}]
  }]
}`

// TestControlLoadFixture proves PUT /fixture: a valid fixture replaces what the session named
// holds, and only it; an invalid one is refused whole, with a detail for each problem that
// names its entry and property, and the session keeps what it held.
func TestControlLoadFixture(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Seed: handSeed(), Logger: controlLogger(t)})

	tests := []struct {
		name        string
		body        string
		header      []string
		wantStatus  int
		wantDetails []detailJSON // when refused
		wantMessage string       // a part of error.message, when refused
		wantFlows   []string     // the display names the session holds after a load
	}{
		{name: "a valid fixture replaces the session's content", body: validFixture,
			wantStatus: http.StatusNoContent, wantFlows: []string{"Fixture flow"}},
		{name: "an empty fixture empties the session", body: `{}`, wantStatus: http.StatusNoContent, wantFlows: []string{}},
		{name: "contract violations are listed, each naming its entry and property", body: invalidFixture,
			wantStatus: http.StatusBadRequest, wantMessage: "3 problems",
			wantDetails: []detailJSON{
				{Code: "invalidFixture", Target: "flows[0] (id 8f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c).inviteeUserIds[0]",
					Message: "flows[0] (id 8f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c): inviteeUserIds[0]: is not a Global Administrator of the directory (fixture users with globalAdministrator: true)"},
				{Code: "invalidFixture", Target: "flows[0] (id 8f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c).readinessStatus",
					Message: "flows[0] (id 8f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c): readinessStatus: must be one of: notReady, ready, failed, deleted, expired, unknownFutureValue"},
				{Code: "invalidFixture", Target: "flows[0] (id 8f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c).runs[0] (id 1d5a7b9f-3c2e-4d4f-8a6b-7c8d9e0f1a2b).endDateTime",
					Message: "flows[0] (id 8f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c).runs[0] (id 1d5a7b9f-3c2e-4d4f-8a6b-7c8d9e0f1a2b): endDateTime: must not be before startDateTime"},
			}},
		{name: "a single problem is the message",
			body:       strings.Replace(validFixture, `"notReady"`, `"soon"`, 1),
			wantStatus: http.StatusBadRequest, wantMessage: "The fixture cannot be loaded: flows[0] (id 5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f): readinessStatus: must be one of",
			wantDetails: []detailJSON{{Code: "invalidFixture", Target: "flows[0] (id 5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f).readinessStatus",
				Message: "flows[0] (id 5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f): readinessStatus: must be one of: notReady, ready, failed, deleted, expired, unknownFutureValue"}}},
		{name: "structural problems are refused by control.yaml, each named",
			body:       `{"flows":[{"displayName":"x","readinessStatus":"ready","inviteeUserIds":[],"sharingState":"pending"}],"colour":"red"}`,
			wantStatus: http.StatusBadRequest, wantMessage: "2 places",
			wantDetails: []detailJSON{
				{Code: "unknownProperty", Target: "colour", Message: "The property 'colour' does not exist on this object."},
				{Code: "missingValue", Target: "flows/0/shareName", Message: "The property 'flows/0/shareName' is required."},
			}},
		{name: "a body that is not JSON", body: `{"flows":`, wantStatus: http.StatusBadRequest, wantMessage: "not valid JSON",
			wantDetails: []detailJSON{{Code: "invalidJson"}}},
		{name: "a YAML body", body: "flows: []\n", header: []string{"Content-Type", "application/yaml"},
			wantStatus: http.StatusUnsupportedMediaType, wantMessage: "application/yaml",
			wantDetails: []detailJSON{{Code: "unsupportedMediaType", Target: "Content-Type"}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := "fixture-" + string(rune('a'+i))
			bystander := "fixture-bystander-" + string(rune('a'+i))
			createIn(t, srv, name, "held before")
			before := flowsOf(t, srv, name)
			bystanderBefore := flowsOf(t, srv, bystander)

			rec := doControl(t, srv, loopbackAddr, http.MethodPut, "/fixture", tt.body, append(session(name), tt.header...)...)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, body %s; want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusNoContent {
				if got := names(flowsOf(t, srv, name)); !cmp.Equal(got, tt.wantFlows, cmpopts.EquateEmpty()) {
					t.Errorf("the session holds %q; want %q", got, tt.wantFlows)
				}
			} else {
				ge := checkEnvelope(t, rec, tt.wantStatus, codeFor(tt.wantStatus))
				if !strings.Contains(ge.Error.Message, tt.wantMessage) {
					t.Errorf("error.message = %q; want it to contain %q", ge.Error.Message, tt.wantMessage)
				}
				if diff := cmp.Diff(tt.wantDetails, asWanted(tt.wantDetails, ge)); diff != "" {
					t.Errorf("details mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(before, flowsOf(t, srv, name)); diff != "" {
					t.Errorf("a refused fixture changed the session (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(bystanderBefore, flowsOf(t, srv, bystander)); diff != "" {
				t.Errorf("the fixture changed another session (-want +got):\n%s", diff)
			}
		})
	}
}

// detailJSON is an entry of the details of a Graph error.
type detailJSON struct{ Code, Target, Message string }

// asWanted returns the details of ge, each with the fields that the wanted detail at its index
// leaves empty blanked: a row checks only what it sets.
func asWanted(want []detailJSON, ge graphError) []detailJSON {
	var got []detailJSON
	for i, d := range ge.Error.Details {
		g := detailJSON{Code: d.Code, Target: d.Target, Message: d.Message}
		if i < len(want) {
			if want[i].Code == "" {
				g.Code = ""
			}
			if want[i].Target == "" {
				g.Target = ""
			}
			if want[i].Message == "" {
				g.Message = ""
			}
		}
		got = append(got, g)
	}
	return got
}

// TestControlLoadedFixtureIsServed proves that the fixture loaded is what the session's
// operations answer: its flow, its run and its directory.
func TestControlLoadedFixtureIsServed(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Seed: handSeed(), Logger: controlLogger(t)})
	if rec := doControl(t, srv, loopbackAddr, http.MethodPut, "/fixture", validFixture, sessionHeader, "loaded"); rec.Code != http.StatusNoContent {
		t.Fatalf("load: status = %d, body %s", rec.Code, rec.Body)
	}
	tests := []struct {
		name    string
		session string
		path    string
		want    string // a part of the body
		absent  string // what the body must not hold
	}{
		{name: "the loaded session lists the fixture's flow", session: "loaded", path: flowsURL,
			want: `"id":"5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"`, absent: seedFlowID},
		{name: "the loaded session has the fixture's run", session: "loaded",
			path: flowsURL + "/5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f/runs/2e6b8c0a-4d3f-4e5a-9b7c-8d9e0f1a2b3c", want: `"displayName":"First run"`},
		{name: "the loaded session has the fixture's directory", session: "loaded",
			path: flowsURL + "/getPotentialDataShareInvitees", want: "Pradeep Gupta", absent: "Megan Bowen"},
		{name: "the default session keeps the seed", path: flowsURL, want: seedFlowID, absent: "5c1e2d3f"},
		{name: "the default session keeps the seed's directory", path: flowsURL + "/getPotentialDataShareInvitees",
			want: "Megan Bowen", absent: "Pradeep Gupta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := do(t, srv, http.MethodGet, tt.path, "", session(tt.session)...)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, body %s; want 200", rec.Code, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("body %s; want it to contain %s", rec.Body, tt.want)
			}
			if tt.absent != "" && strings.Contains(rec.Body.String(), tt.absent) {
				t.Errorf("body %s; want it not to contain %s", rec.Body, tt.absent)
			}
		})
	}
}

// journalJSON is an entry of the journal as a client decodes it.
type journalJSON struct {
	Time       time.Time `json:"time"`
	RequestID  string    `json:"requestId"`
	Session    string    `json:"session"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	DurationMs float64   `json:"durationMs"`
}

func journalOf(tb testing.TB, h http.Handler, query string) []journalJSON {
	tb.Helper()
	rec := doControl(tb, h, loopbackAddr, http.MethodGet, "/journal"+query, "")
	if rec.Code != http.StatusOK {
		tb.Fatalf("GET /journal%s: status = %d, body %s", query, rec.Code, rec.Body)
	}
	return decode[struct{ Value []journalJSON }](tb, rec).Value
}

// TestControlJournal proves GET and DELETE /journal: the requests to /beta, refused ones
// included, oldest first, the last `limit` of them, of one session when asked; and nothing else.
func TestControlJournal(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Logger: controlLogger(t)})
	start := time.Now().UTC()

	type sent struct {
		method, path, body string
		header             []string
	}
	requests := []sent{
		{method: http.MethodGet, path: flowsURL + "?$top=1"},
		{method: http.MethodPost, path: flowsURL, body: createBody, header: []string{sessionHeader, "journal-j"}},
		{method: http.MethodGet, path: flowsURL, header: []string{sessionHeader, "journal-j", "Authorization", ""}},
		{method: http.MethodGet, path: "/healthz"},
		{method: http.MethodGet, path: "/openapi.yaml"},
		{method: http.MethodGet, path: flowsURL + "/00000000-0000-0000-0000-000000000000"},
		{method: http.MethodGet, path: "/beta/industryData/nowhere", header: []string{sessionHeader, "journal-j"}},
	}
	var ids []string
	for _, r := range requests {
		rec := do(t, srv, r.method, r.path, r.body, r.header...)
		ids = append(ids, rec.Header().Get("request-id"))
	}
	doControl(t, srv, loopbackAddr, http.MethodGet, "/sessions", "")
	type entry struct {
		RequestID, Session, Method, Path string
		Status                           int
	}
	all := []entry{
		{ids[0], "default", http.MethodGet, flowsURL + "?$top=1", 200},
		{ids[1], "journal-j", http.MethodPost, flowsURL, 201},
		{ids[2], "journal-j", http.MethodGet, flowsURL, 401},
		{ids[5], "default", http.MethodGet, flowsURL + "/00000000-0000-0000-0000-000000000000", 404},
		{ids[6], "journal-j", http.MethodGet, "/beta/industryData/nowhere", 400},
	}

	t.Run("reads", func(t *testing.T) {
		tests := []struct {
			name  string
			query string
			want  []entry
		}{
			{name: "every request to /beta, oldest first, refused ones included", query: "", want: all},
			{name: "limit keeps the most recent", query: "?limit=2", want: all[3:]},
			{name: "a limit above the count keeps all", query: "?limit=1000", want: all},
			{name: "session keeps that session's requests", query: "?session=journal-j", want: []entry{all[1], all[2], all[4]}},
			{name: "session default names the default session", query: "?session=default", want: []entry{all[0], all[3]}},
			{name: "limit applies after the session filter", query: "?session=journal-j&limit=1", want: all[4:]},
			{name: "a session without requests has none", query: "?session=nobody", want: []entry{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				got := journalOf(t, srv, tt.query)
				var gotEntries []entry
				for i, e := range got {
					gotEntries = append(gotEntries, entry{e.RequestID, e.Session, e.Method, e.Path, e.Status})
					if e.Time.Before(start.Truncate(time.Millisecond)) || e.Time.After(time.Now()) || e.DurationMs < 0 {
						t.Errorf("entry %d: time %v, durationMs %v; want a time of this test and a duration from 0", i, e.Time, e.DurationMs)
					}
					if i > 0 && e.Time.Before(got[i-1].Time) {
						t.Errorf("entry %d is older than entry %d: want oldest first", i, i-1)
					}
				}
				if diff := cmp.Diff(tt.want, gotEntries, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("journal mismatch (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("refused queries", func(t *testing.T) {
		for _, query := range []string{"?limit=0", "?limit=1001", "?limit=many", "?colour=red"} {
			rec := doControl(t, srv, loopbackAddr, http.MethodGet, "/journal"+query, "")
			checkEnvelope(t, rec, http.StatusBadRequest, CodeBadRequest)
		}
	})

	rec := doControl(t, srv, loopbackAddr, http.MethodDelete, "/journal", "")
	if rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE /journal: status = %d, body %s; want 204", rec.Code, rec.Body)
	}
	if got := journalOf(t, srv, ""); len(got) != 0 {
		t.Errorf("after DELETE /journal it holds %+v; want nothing", got)
	}
	after := do(t, srv, http.MethodGet, flowsURL, "")
	got := journalOf(t, srv, "")
	if len(got) != 1 || got[0].RequestID != after.Header().Get("request-id") {
		t.Errorf("after DELETE /journal and one request, it holds %+v; want that request alone", got)
	}
}

// violationJSON is a violation as the control API lists it.
type violationJSON struct {
	Time        time.Time `json:"time"`
	RequestID   string    `json:"requestId"`
	OperationID string    `json:"operationId"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	Status      int       `json:"status"`
	In          string    `json:"in"`
	Target      string    `json:"target"`
	Keyword     string    `json:"keyword"`
	Reason      string    `json:"reason"`
	Mode        string    `json:"mode"`
}

// TestControlViolations proves GET /violations with a store whose answers break the contract:
// each violation is listed, in report mode (the response was sent) and in enforce mode (it
// was replaced).
func TestControlViolations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mode       validator.Mode
		wantStatus []int // of the two requests
	}{
		{name: "report mode lists the violations of responses sent", mode: validator.Report, wantStatus: []int{200, 412}},
		{name: "enforce mode lists the violations of responses replaced", mode: validator.Enforce, wantStatus: []int{500, 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := mustNew(t, Config{Store: brokenStore{Store: store.NewMemory()}, ResponseValidation: tt.mode, Logger: controlLogger(t)})
			if got := decode[struct{ Value []violationJSON }](t, doControl(t, srv, loopbackAddr, http.MethodGet, "/violations", "")).Value; len(got) != 0 {
				t.Fatalf("violations before any request: %+v; want none", got)
			}
			get := do(t, srv, http.MethodGet, flowsURL+"/any", "")
			list := do(t, srv, http.MethodGet, flowsURL, "")
			if got := []int{get.Code, list.Code}; !cmp.Equal(got, tt.wantStatus) {
				t.Fatalf("statuses = %v; want %v", got, tt.wantStatus)
			}
			do(t, srv, http.MethodGet, flowsURL+"/getPotentialDataShareInvitees", "") // keeps the contract

			rec := doControl(t, srv, loopbackAddr, http.MethodGet, "/violations", "")
			if rec.Code != http.StatusOK {
				t.Fatalf("GET /violations: status = %d, body %s", rec.Code, rec.Body)
			}
			got := decode[struct{ Value []violationJSON }](t, rec).Value
			mode := tt.mode.String()
			want := []violationJSON{
				{RequestID: get.Header().Get("request-id"), OperationID: "industryData.GetDataShareOutgoingFlows",
					Method: http.MethodGet, Path: flowsURL + "/any", Status: 200, In: "body", Target: "readinessStatus", Keyword: "enum", Mode: mode},
				{RequestID: list.Header().Get("request-id"), OperationID: "industryData.ListDataShareOutgoingFlows",
					Method: http.MethodGet, Path: flowsURL, Status: 412, In: "status", Target: "412", Keyword: "status", Mode: mode},
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(violationJSON{}, "Time", "Reason")); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s", diff)
			}
			for _, v := range got {
				if v.Reason == "" || v.Time.IsZero() {
					t.Errorf("violation %+v lacks a reason or a time", v)
				}
			}
			limited := decode[struct{ Value []violationJSON }](t, doControl(t, srv, loopbackAddr, http.MethodGet, "/violations?limit=1", "")).Value
			if len(limited) != 1 || limited[0].RequestID != want[1].RequestID {
				t.Errorf("?limit=1 gave %+v; want the most recent violation alone", limited)
			}
		})
	}
}

// sessionJSON is a session as GET /sessions lists it.
type sessionJSON struct {
	Name     string    `json:"name"`
	LastUsed time.Time `json:"lastUsed"`
}

func sessionsOf(tb testing.TB, h http.Handler) []sessionJSON {
	tb.Helper()
	rec := doControl(tb, h, loopbackAddr, http.MethodGet, "/sessions", "")
	if rec.Code != http.StatusOK {
		tb.Fatalf("GET /sessions: status = %d, body %s", rec.Code, rec.Body)
	}
	return decode[struct{ Value []sessionJSON }](tb, rec).Value
}

// TestControlSessions proves GET /sessions (by name, with when each was last used) and
// DELETE /sessions/{name}: 404 for an unknown session, a named one dropped with its content,
// the default one emptied and seeded again but never dropped.
func TestControlSessions(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Seed: handSeed(), Logger: controlLogger(t)})
	clock := newFakeClock()
	srv.sessions.now = clock.Now
	t0 := clock.Now()

	if got := sessionsOf(t, srv); len(got) != 0 {
		t.Fatalf("sessions before any request: %+v; want none", got)
	}
	createIn(t, srv, "sessions-b", "in b")
	clock.Advance(time.Second)
	createIn(t, srv, "", "in default")
	clock.Advance(time.Second)
	createIn(t, srv, "sessions-a", "in a")
	clock.Advance(time.Second)
	do(t, srv, http.MethodGet, flowsURL, "", sessionHeader, "sessions-b")
	want := []sessionJSON{
		{Name: "default", LastUsed: t0.Add(time.Second)},
		{Name: "sessions-a", LastUsed: t0.Add(2 * time.Second)},
		{Name: "sessions-b", LastUsed: t0.Add(3 * time.Second)},
	}
	if diff := cmp.Diff(want, sessionsOf(t, srv)); diff != "" {
		t.Errorf("GET /sessions mismatch (-want +got):\n%s", diff)
	}

	t.Run("drops", func(t *testing.T) {
		tests := []struct {
			name       string
			drop       string
			wantStatus int
			wantFlows  []string // in the session afterwards
		}{
			{name: "an unknown session is 404", drop: "sessions-nobody", wantStatus: http.StatusNotFound},
			{name: "a named session is dropped with its content", drop: "sessions-a", wantStatus: http.StatusNoContent,
				wantFlows: []string{"Seeded flow"}},
			{name: "the default session is emptied and seeded again", drop: "default", wantStatus: http.StatusNoContent,
				wantFlows: []string{"Seeded flow"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				rec := doControl(t, srv, loopbackAddr, http.MethodDelete, "/sessions/"+tt.drop, "")
				if tt.wantStatus == http.StatusNotFound {
					ge := checkEnvelope(t, rec, http.StatusNotFound, CodeNotFound)
					if ge.Error.Target != "name" || !strings.Contains(ge.Error.Message, "'"+tt.drop+"'") {
						t.Errorf("error target %q, message %q; want the target name and a message naming %q", ge.Error.Target, ge.Error.Message, tt.drop)
					}
					return
				}
				if rec.Code != tt.wantStatus || rec.Body.Len() != 0 {
					t.Fatalf("status = %d, body %q; want %d and no body", rec.Code, rec.Body, tt.wantStatus)
				}
				for _, s := range sessionsOf(t, srv) {
					if s.Name == tt.drop && tt.drop != defaultSession {
						t.Errorf("session %q is still listed after it was dropped", tt.drop)
					}
				}
				name := tt.drop
				if name == defaultSession {
					name = ""
				}
				if got := names(flowsOf(t, srv, name)); !cmp.Equal(got, tt.wantFlows) {
					t.Errorf("session %q holds %q after the drop; want %q", tt.drop, got, tt.wantFlows)
				}
			})
		}
	})

	var listed []string
	for _, s := range sessionsOf(t, srv) {
		listed = append(listed, s.Name)
	}
	if diff := cmp.Diff([]string{"default", "sessions-a", "sessions-b"}, listed); diff != "" {
		t.Errorf("sessions after the drops (sessions-a used again) mismatch (-want +got):\n%s", diff)
	}
	if got := names(flowsOf(t, srv, "sessions-b")); !cmp.Equal(got, []string{"Seeded flow", "in b"}) {
		t.Errorf("sessions-b holds %q; the drops of other sessions must leave it alone", got)
	}
}

// TestControlAccess proves who the control API answers: loopback clients when the server has
// no control token; with a token, the clients that send it, from anywhere, and no others. Its
// refusals are Graph error envelopes.
func TestControlAccess(t *testing.T) {
	t.Parallel()
	open := mustNew(t, Config{Logger: controlLogger(t)})
	guarded := mustNew(t, Config{ControlToken: controlToken, Logger: controlLogger(t)})
	tests := []struct {
		name          string
		srv           *Server
		remote        string
		authorization string
		wantStatus    int
	}{
		{name: "without a token: a loopback IPv4 client is answered", srv: open, remote: loopbackAddr, wantStatus: 200},
		{name: "without a token: a loopback IPv6 client is answered", srv: open, remote: "[::1]:40002", wantStatus: 200},
		{name: "without a token: a client off the loopback is refused 403", srv: open, remote: outsideAddr, wantStatus: 403},
		{name: "without a token: a client off the loopback is refused 403 whatever it sends", srv: open, remote: outsideAddr,
			authorization: "Bearer " + controlToken, wantStatus: 403},
		{name: "without a token: an address that is no IP is refused 403", srv: open, remote: "localhost:40003", wantStatus: 403},
		{name: "with a token: no token is refused 401", srv: guarded, remote: outsideAddr, wantStatus: 401},
		{name: "with a token: a wrong token is refused 401", srv: guarded, remote: outsideAddr, authorization: "Bearer wrong", wantStatus: 401},
		{name: "with a token: the token in another scheme is refused 401", srv: guarded, remote: outsideAddr,
			authorization: "Basic " + controlToken, wantStatus: 401},
		{name: "with a token: the right token from off the loopback is answered", srv: guarded, remote: outsideAddr,
			authorization: "Bearer " + controlToken, wantStatus: 200},
		{name: "with a token: a loopback client without it is refused 401", srv: guarded, remote: loopbackAddr, wantStatus: 401},
		{name: "with a token: a loopback client with it is answered", srv: guarded, remote: loopbackAddr,
			authorization: "Bearer " + controlToken, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := doControl(t, tt.srv, tt.remote, http.MethodGet, "/sessions", "", "Authorization", tt.authorization)
			if tt.wantStatus == http.StatusOK {
				if rec.Code != http.StatusOK {
					t.Fatalf("status = %d, body %s; want 200", rec.Code, rec.Body)
				}
				return
			}
			ge := checkEnvelope(t, rec, tt.wantStatus, codeFor(tt.wantStatus))
			if tt.wantStatus == http.StatusUnauthorized && ge.Error.Target != "Authorization" {
				t.Errorf("error.target = %q; want Authorization", ge.Error.Target)
			}
			if tt.wantStatus == http.StatusForbidden && !strings.Contains(ge.Error.Message, "loopback") {
				t.Errorf("error.message = %q; want it to say the control API answers on the loopback interface", ge.Error.Message)
			}
		})
	}
}

// TestControlRefusalsChangeNothing proves that every call of the control API is refused to a
// client off the loopback interface, and that a refused call does nothing.
func TestControlRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Seed: handSeed(), Logger: controlLogger(t)})
	createIn(t, srv, "refusal", "kept")
	journal := journalOf(t, srv, "")
	tests := []struct {
		name, method, path, body string
	}{
		{name: "reset", method: http.MethodPost, path: "/reset"},
		{name: "load a fixture", method: http.MethodPut, path: "/fixture", body: `{}`},
		{name: "read the journal", method: http.MethodGet, path: "/journal"},
		{name: "clear the journal", method: http.MethodDelete, path: "/journal"},
		{name: "read the violations", method: http.MethodGet, path: "/violations"},
		{name: "list the sessions", method: http.MethodGet, path: "/sessions"},
		{name: "drop a session", method: http.MethodDelete, path: "/sessions/refusal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := doControl(t, srv, outsideAddr, tt.method, tt.path, tt.body, sessionHeader, "refusal")
			checkEnvelope(t, rec, http.StatusForbidden, CodeForbidden)
		})
	}
	if got := names(flowsOf(t, srv, "refusal")); !cmp.Equal(got, []string{"Seeded flow", "kept"}) {
		t.Errorf("after refused calls the session holds %q; want it unchanged", got)
	}
	if got := journalOf(t, srv, ""); len(got) != len(journal)+1 { // the list of flowsOf
		t.Errorf("after refused calls the journal holds %d entries; want %d", len(got), len(journal)+1)
	}
}
