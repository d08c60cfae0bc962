package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
)

func TestFlowLifecycle(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})

	rec := do(t, srv, http.MethodPost, flowsURL, createBody)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: status = %d, body %s; want 201", rec.Code, rec.Body)
	}
	created := decode[flowJSON](t, rec)
	if !guidPattern.MatchString(created.ID) {
		t.Errorf("create: id = %q; want a GUID", created.ID)
	}
	if got, want := rec.Header().Get("Location"), "http://example.com"+flowsURL+"/"+created.ID; got != want {
		t.Errorf("create: Location = %q; want %q", got, want)
	}
	if got, want := rec.Header().Get("ETag"), `"`+created.ETag+`"`; got != want || created.ETag == "" {
		t.Errorf("create: ETag header = %q; want the quoted eTag %q", got, want)
	}
	wantCreated := flowJSON{
		Context:         "http://example.com/beta/$metadata#industryData/dataShareOutgoingFlows/$entity",
		Type:            "#microsoft.graph.industryData.dataShareOutgoingFlow",
		ID:              created.ID,
		ETag:            created.ETag,
		DisplayName:     "Contoso student records",
		ReadinessStatus: "notReady",
		InviteeUserIDs:  []string{inviteeID},
		SharingState:    "pending",
		ShareName:       "contoso_share",
	}
	if diff := cmp.Diff(wantCreated, created); diff != "" {
		t.Errorf("create: body mismatch (-want +got):\n%s", diff)
	}

	item := flowsURL + "/" + created.ID
	rec = do(t, srv, http.MethodGet, item, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("get: status = %d, body %s; want 200", rec.Code, rec.Body)
	}
	if diff := cmp.Diff(wantCreated, decode[flowJSON](t, rec)); diff != "" {
		t.Errorf("get: body mismatch (-want +got):\n%s", diff)
	}
	if got, want := rec.Header().Get("ETag"), `"`+created.ETag+`"`; got != want {
		t.Errorf("get: ETag = %q; want %q", got, want)
	}

	rec = do(t, srv, http.MethodPatch, item, `{"sharingState":"running"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("patch: status = %d, body %s; want 200", rec.Code, rec.Body)
	}
	patched := decode[flowJSON](t, rec)
	if patched.ETag == created.ETag {
		t.Errorf("patch: eTag %q did not change", patched.ETag)
	}
	wantPatched := wantCreated
	wantPatched.SharingState = "running"
	wantPatched.ETag = patched.ETag
	if diff := cmp.Diff(wantPatched, patched); diff != "" {
		t.Errorf("patch: body mismatch, only sharingState should change (-want +got):\n%s", diff)
	}

	for _, body := range []string{`{}`, `{"readinessStatus":"unknownFutureValue","sharingState":"unknownFutureValue"}`, `{"sharingState":"running"}`} {
		rec = do(t, srv, http.MethodPatch, item, body)
		if rec.Code != http.StatusOK {
			t.Fatalf("patch %s: status = %d, body %s; want 200", body, rec.Code, rec.Body)
		}
		if diff := cmp.Diff(wantPatched, decode[flowJSON](t, rec)); diff != "" {
			t.Errorf("patch %s changed the flow (-want +got):\n%s", body, diff)
		}
	}

	rec = do(t, srv, http.MethodGet, flowsURL, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("list: status = %d, body %s; want 200", rec.Code, rec.Body)
	}
	list := decode[struct {
		Context string     `json:"@odata.context"`
		Value   []flowJSON `json:"value"`
	}](t, rec)
	if got, want := list.Context, "http://example.com/beta/$metadata#industryData/dataShareOutgoingFlows"; got != want {
		t.Errorf("list: @odata.context = %q; want %q", got, want)
	}
	wantListed := wantPatched
	wantListed.Context = ""
	if diff := cmp.Diff([]flowJSON{wantListed}, list.Value); diff != "" {
		t.Errorf("list: value mismatch (-want +got):\n%s", diff)
	}

	rec = do(t, srv, http.MethodDelete, item, "")
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("delete: status = %d, body %q; want 204 and no body", rec.Code, rec.Body)
	}
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		checkEnvelope(t, do(t, srv, method, item, ""), http.StatusNotFound, CodeNotFound)
	}
	checkEnvelope(t, do(t, srv, http.MethodPatch, item, `{}`), http.StatusNotFound, CodeNotFound)
}

// TestBadInput proves that each kind of bad request gets its status and a complete Graph
// envelope naming what is wrong, and leaves the stored flow as it was.
func TestBadInput(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	flow := mustCreate(t, srv)
	item := flowsURL + "/" + flow.ID
	before := do(t, srv, http.MethodGet, item, "").Body.String()

	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		header      []string
		wantStatus  int
		wantCode    string
		wantTargets []string // of the details, in order
		wantMessage string   // a part of error.message
	}{
		{name: "malformed JSON", method: http.MethodPatch, path: item, body: `{"displayName":`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{""}, wantMessage: "not valid JSON"},
		{name: "trailing data after the JSON value", method: http.MethodPatch, path: item, body: `{"displayName":"x"} {}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{""}, wantMessage: "not valid JSON"},
		{name: "Content-Type not JSON", method: http.MethodPatch, path: item, body: `{"displayName":"x"}`,
			header: []string{"Content-Type", "text/plain"}, wantStatus: 415, wantCode: CodeUnsupportedMediaType,
			wantTargets: []string{"Content-Type"}, wantMessage: "'text/plain' is not supported"},
		{name: "Content-Type missing", method: http.MethodPost, path: flowsURL, body: createBody,
			header: []string{"Content-Type", ""}, wantStatus: 415, wantCode: CodeUnsupportedMediaType,
			wantTargets: []string{"Content-Type"}},
		{name: "empty body", method: http.MethodPatch, path: item,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{""}, wantMessage: "is required"},
		{name: "unknown property is named", method: http.MethodPatch, path: item, body: `{"colour":"red"}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"colour"},
			wantMessage: "The property 'colour' does not exist on type 'microsoft.graph.industryData.dataShareOutgoingFlow'."},
		{name: "id in a patch body", method: http.MethodPatch, path: item, body: `{"id":"` + flow.ID + `"}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"id"}, wantMessage: "read-only"},
		{name: "id in a create body", method: http.MethodPost, path: flowsURL,
			body:       strings.Replace(createBody, "{", `{"id":"3baf174c-174c-3baf-4c17-af3b4c17af3b",`, 1),
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"id"}},
		{name: "bad enum value", method: http.MethodPatch, path: item, body: `{"sharingState":"bogus"}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"sharingState"},
			wantMessage: "must be one of: pending, running, problem, unknownFutureValue"},
		{name: "two inviteeUserIds", method: http.MethodPatch, path: item,
			body:       `{"inviteeUserIds":["` + inviteeID + `","0b9e3a1c-5f2d-4c7b-9e8a-1d2c3b4a5f60"]}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"inviteeUserIds"}, wantMessage: "at most 1 item"},
		{name: "no inviteeUserIds", method: http.MethodPatch, path: item, body: `{"inviteeUserIds":[]}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"inviteeUserIds"}, wantMessage: "at least 1 item"},
		{name: "invitee that is not a GUID", method: http.MethodPatch, path: item, body: `{"inviteeUserIds":["admin@contoso.com"]}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"inviteeUserIds/0"}, wantMessage: "valid uuid"},
		{name: "required property missing on create", method: http.MethodPost, path: flowsURL,
			body:       `{"displayName":"x","readinessStatus":"ready","inviteeUserIds":["` + inviteeID + `"],"sharingState":"pending"}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"shareName"}, wantMessage: "is required"},
		{name: "number where a string belongs", method: http.MethodPatch, path: item, body: `{"displayName":42}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"displayName"}, wantMessage: "must be a string"},
		{name: "null where a string belongs", method: http.MethodPatch, path: item, body: `{"shareName":null}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"shareName"}},
		{name: "displayName with a NUL character", method: http.MethodPatch, path: item, body: `{"displayName":"a\u0000b"}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"displayName"}, wantMessage: "NUL"},
		{name: "empty displayName", method: http.MethodPatch, path: item, body: `{"displayName":""}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"displayName"}},
		{name: "unknownFutureValue on create", method: http.MethodPost, path: flowsURL,
			body:       strings.Replace(createBody, `"notReady"`, `"unknownFutureValue"`, 1),
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"readinessStatus"}, wantMessage: "must not be unknownFutureValue"},
		{name: "@odata.type of another type", method: http.MethodPatch, path: item,
			body:       `{"@odata.type":"#microsoft.graph.dataShareOutgoingFlow","displayName":"x"}`,
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"@odata.type"}},
		{name: "every violation is listed", method: http.MethodPost, path: flowsURL,
			body:       `{"displayName":1,"readinessStatus":"soon","inviteeUserIds":["x"],"sharingState":"pending","shareName":"s","extra":true}`,
			wantStatus: 400, wantCode: CodeBadRequest,
			wantTargets: []string{"displayName", "extra", "inviteeUserIds/0", "readinessStatus"}, wantMessage: "4 places"},
		{name: "missing Authorization", method: http.MethodGet, path: item, header: []string{"Authorization", ""},
			wantStatus: 401, wantCode: CodeUnauthorized, wantTargets: []string{"Authorization"}},
		{name: "empty Bearer token", method: http.MethodPatch, path: item, body: `{"displayName":"x"}`,
			header: []string{"Authorization", "Bearer "}, wantStatus: 401, wantCode: CodeUnauthorized, wantTargets: []string{"Authorization"}},
		{name: "non-Bearer Authorization", method: http.MethodDelete, path: item,
			header: []string{"Authorization", "Basic dXNlcjpwYXNz"}, wantStatus: 401, wantCode: CodeUnauthorized,
			wantTargets: []string{"Authorization"}, wantMessage: "Bearer"},
		{name: "missing Authorization comes before body errors", method: http.MethodPatch, path: item, body: `{"x":1}`,
			header: []string{"Authorization", ""}, wantStatus: 401, wantCode: CodeUnauthorized, wantTargets: []string{"Authorization"}},
		{name: "unknown id", method: http.MethodGet, path: flowsURL + "/00000000-0000-0000-0000-000000000000",
			wantStatus: 404, wantCode: CodeNotFound, wantMessage: "'00000000-0000-0000-0000-000000000000' does not exist"},
		{name: "unknown path segment", method: http.MethodGet, path: "/beta/industryData/dataShareOutgoingFlowz",
			wantStatus: 400, wantCode: CodeBadRequest, wantMessage: "Resource not found for the segment 'dataShareOutgoingFlowz'."},
		{name: "unknown segment below an item", method: http.MethodGet, path: item + "/sharedWith",
			wantStatus: 400, wantCode: CodeBadRequest, wantMessage: "Resource not found for the segment 'sharedWith'."},
		{name: "another version", method: http.MethodGet, path: "/v1.0/industryData/dataShareOutgoingFlows",
			wantStatus: 400, wantCode: CodeBadRequest, wantMessage: "Invalid version: 'v1.0'"},
		{name: "method the resource does not allow", method: http.MethodPut, path: item, body: `{}`,
			wantStatus: 405, wantCode: CodeMethodNotAllowed},
		{name: "Accept that excludes JSON", method: http.MethodGet, path: item, header: []string{"Accept", "text/html"},
			wantStatus: 406, wantCode: CodeNotAcceptable, wantTargets: []string{"Accept"}, wantMessage: "application/json"},
		{name: "Accept that refuses JSON by quality", method: http.MethodPatch, path: item, body: `{"displayName":"x"}`,
			header: []string{"Accept", "application/json;q=0, text/plain"}, wantStatus: 406, wantCode: CodeNotAcceptable, wantTargets: []string{"Accept"}},
		{name: "query with a stray semicolon", method: http.MethodGet, path: flowsURL + "?$filter=displayName%20eq%20'no;such'",
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{""}, wantMessage: "well-formed query"},
		{name: "query with a bad %-escape", method: http.MethodGet, path: flowsURL + "?a=%zz",
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{""}},
		{name: "an option given twice, with and without $", method: http.MethodGet, path: flowsURL + "?$top=1&top=2",
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{"$top"}, wantMessage: "given once"},
		{name: "body that is not UTF-8", method: http.MethodPatch, path: item, body: "{\"displayName\":\"\xff\"}",
			wantStatus: 400, wantCode: CodeBadRequest, wantTargets: []string{""}, wantMessage: "UTF-8"},
		{name: "the service root itself", method: http.MethodGet, path: "/beta",
			wantStatus: 400, wantCode: CodeBadRequest, wantMessage: "/beta/industryData/dataShareOutgoingFlows"},
		{name: "body over 1 MiB, by its Content-Length", method: http.MethodPatch, path: item,
			body:       `{"displayName":"` + strings.Repeat("x", maxBodyBytes) + `"}`,
			wantStatus: 413, wantCode: CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, srv, tt.method, tt.path, tt.body, tt.header...)
			ge := checkEnvelope(t, rec, tt.wantStatus, tt.wantCode)
			if !strings.Contains(ge.Error.Message, tt.wantMessage) {
				t.Errorf("error.message = %q; want it to contain %q", ge.Error.Message, tt.wantMessage)
			}
			var targets []string
			for _, d := range ge.Error.Details {
				targets = append(targets, d.Target)
				if d.Code == "" || d.Message == "" {
					t.Errorf("detail %+v lacks a code or a message", d)
				}
			}
			if diff := cmp.Diff(tt.wantTargets, targets); diff != "" {
				t.Errorf("detail targets mismatch (-want +got):\n%s", diff)
			}
			if after := do(t, srv, http.MethodGet, item, "").Body.String(); after != before {
				t.Errorf("the stored flow changed:\nbefore %s\nafter  %s", before, after)
			}
			if n := len(decode[struct{ Value []any }](t, do(t, srv, http.MethodGet, flowsURL, "")).Value); n != 1 {
				t.Errorf("%d flows stored; want 1", n)
			}
		})
	}
}

func TestMethodNotAllowedListsAllowedMethods(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	rec := do(t, srv, http.MethodPut, flowsURL, "")
	checkEnvelope(t, rec, http.StatusMethodNotAllowed, CodeMethodNotAllowed)
	allow := rec.Header().Get("Allow")
	for _, m := range []string{"GET", "POST"} {
		if !strings.Contains(allow, m) {
			t.Errorf("Allow = %q; want it to list %s", allow, m)
		}
	}
}

func TestCorrelationIDs(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	tests := []struct {
		name            string
		clientRequestID string
		path            string
	}{
		{name: "success echoes the caller's id", clientRequestID: "caller-7", path: flowsURL},
		{name: "error echoes the caller's id", clientRequestID: "caller-8", path: flowsURL + "/missing"},
		{name: "success without a caller id reuses the request-id", path: flowsURL},
		{name: "error without a caller id reuses the request-id", path: flowsURL + "/missing"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, srv, http.MethodGet, tt.path, "", "client-request-id", tt.clientRequestID)
			requestID := rec.Header().Get("request-id")
			if !guidPattern.MatchString(requestID) {
				t.Fatalf("request-id = %q; want a GUID", requestID)
			}
			if seen[requestID] {
				t.Errorf("request-id %q given twice", requestID)
			}
			seen[requestID] = true
			want := tt.clientRequestID
			if want == "" {
				want = requestID
			}
			if got := rec.Header().Get("client-request-id"); got != want {
				t.Errorf("client-request-id = %q; want %q", got, want)
			}
			if rec.Code >= 400 {
				checkEnvelope(t, rec, rec.Code, CodeNotFound)
			}
		})
	}
}

// TestServiceRoot proves that the routes are served under /beta whatever the host, and that
// the URLs in answers use the host the client reached.
func TestServiceRoot(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	if got := srv.BasePath(); got != "/beta" {
		t.Errorf("BasePath() = %q; want /beta", got)
	}
	req := httptest.NewRequest(http.MethodPost, "https://graph.microsoft.com"+flowsURL, strings.NewReader(createBody))
	req.Header.Set("Authorization", validToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create at graph.microsoft.com: status = %d, body %s; want 201", rec.Code, rec.Body)
	}
	f := decode[flowJSON](t, rec)
	if got, want := rec.Header().Get("Location"), "https://graph.microsoft.com"+flowsURL+"/"+f.ID; got != want {
		t.Errorf("Location = %q; want %q", got, want)
	}
	if got, want := f.Context, "https://graph.microsoft.com/beta/$metadata#industryData/dataShareOutgoingFlows/$entity"; got != want {
		t.Errorf("@odata.context = %q; want %q", got, want)
	}
	checkEnvelope(t, do(t, srv, http.MethodGet, "/industryData/dataShareOutgoingFlows", ""), http.StatusBadRequest, CodeBadRequest)
	if rec := do(t, srv, http.MethodGet, flowsURL+"/", ""); rec.Code != http.StatusOK {
		t.Errorf("GET with a trailing slash: status = %d; want 200", rec.Code)
	}
}

func TestHealthzAndContract(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	if rec := do(t, srv, http.MethodGet, "/healthz", "", "Authorization", ""); rec.Code != http.StatusOK {
		t.Errorf("GET /healthz without a token: status = %d; want 200", rec.Code)
	}
	rec := do(t, srv, http.MethodGet, "/openapi.yaml", "", "Authorization", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /openapi.yaml: status = %d; want 200", rec.Code)
	}
	file, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), file) {
		t.Errorf("GET /openapi.yaml is not openapi.yaml byte for byte: run make generate")
	}
	if !bytes.Equal(gen.SpecYAML(), file) {
		t.Errorf("gen.SpecYAML() is not openapi.yaml: run make generate")
	}
}

// brokenStore answers with data that breaks the contract, to prove response validation.
type brokenStore struct {
	store.Store
	panics bool
}

// GetFlow returns a flow with a readinessStatus outside its enumeration.
func (b brokenStore) GetFlow(_ context.Context, id string) (store.Flow, error) {
	if b.panics {
		panic("the store is broken")
	}
	return store.Flow{ID: id, ETag: "e1", DisplayName: "d", ReadinessStatus: "bogusStatus",
		InviteeUserIDs: []string{inviteeID}, SharingState: "pending", ShareName: "s"}, nil
}

// ListFlows fails with an error the server answers 412, a status List does not document: a
// bug of the kind response validation exists to catch.
func (b brokenStore) ListFlows(context.Context, store.Query) (store.Page, error) {
	return store.Page{}, &Error{Status: http.StatusPreconditionFailed, Message: "A precondition failed."}
}

// TestResponseValidationModes proves each mode with a handler whose success response breaks
// the contract and one whose error response does.
func TestResponseValidationModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mode       string
		path       string
		wantStatus int
		wantBroken bool // the broken response reaches the client
		wantLogged bool // the violation is logged
	}{
		{name: "enforce replaces a broken success body", mode: "enforce", path: flowsURL + "/any", wantStatus: 500, wantLogged: true},
		{name: "enforce replaces a broken error response", mode: "enforce", path: flowsURL, wantStatus: 500, wantLogged: true},
		{name: "report sends a broken success body and logs it", mode: "report", path: flowsURL + "/any", wantStatus: 200, wantBroken: true, wantLogged: true},
		{name: "report sends a broken error response and logs it", mode: "report", path: flowsURL, wantStatus: 412, wantBroken: true, wantLogged: true},
		{name: "off sends a broken success body silently", mode: "off", path: flowsURL + "/any", wantStatus: 200, wantBroken: true},
		{name: "off sends a broken error response silently", mode: "off", path: flowsURL, wantStatus: 412, wantBroken: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var log syncBuffer
			cfg := Config{Store: brokenStore{Store: store.NewMemory()}, Logger: newTestLogger(&log)}
			if err := cfg.ResponseValidation.UnmarshalText([]byte(tt.mode)); err != nil {
				t.Fatal(err)
			}
			rec := do(t, mustNew(t, cfg), http.MethodGet, tt.path, "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, body %s; want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantStatus == 500 {
				ge := checkEnvelope(t, rec, 500, CodeInternal)
				if !strings.Contains(ge.Error.Message, "does not conform to its contract") {
					t.Errorf("error.message = %q; want it to say the response broke the contract", ge.Error.Message)
				}
			}
			broken := strings.Contains(rec.Body.String(), "bogusStatus") || rec.Code == 412
			if broken != tt.wantBroken {
				t.Errorf("broken response sent = %v; want %v (body %s)", broken, tt.wantBroken, rec.Body)
			}
			logged := strings.Contains(log.String(), "response breaks the contract")
			if logged != tt.wantLogged {
				t.Errorf("violation logged = %v; want %v; log:\n%s", logged, tt.wantLogged, log.String())
			}
		})
	}
}

func TestPanicBecomesGraphError(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	srv := mustNew(t, Config{Store: brokenStore{Store: store.NewMemory(), panics: true}, Logger: newTestLogger(&log)})
	rec := do(t, srv, http.MethodGet, flowsURL+"/any", "")
	checkEnvelope(t, rec, http.StatusInternalServerError, CodeInternal)
	if strings.Contains(rec.Body.String(), "the store is broken") {
		t.Errorf("the panic value leaks into the body: %s", rec.Body)
	}
	if !strings.Contains(log.String(), "the store is broken") {
		t.Errorf("the panic is not logged; log:\n%s", log.String())
	}
}

// TestConcurrentClients drives create, patch, get and delete from many clients at once; run
// with -race it proves the stack shares no unguarded state.
func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(mustNew(t, Config{}))
	defer ts.Close()
	const clients, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan string, clients*rounds)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				if msg := lifecycleOverHTTP(ts.URL); msg != "" {
					errs <- msg
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	rec := do(t, ts.Config.Handler, http.MethodGet, flowsURL, "")
	if n := len(decode[struct{ Value []any }](t, rec).Value); n != 0 {
		t.Errorf("%d flows left after every client deleted its own; want 0", n)
	}
}

// lifecycleOverHTTP creates, patches, reads and deletes one flow through a real connection,
// and describes the first thing that went wrong.
func lifecycleOverHTTP(base string) string {
	send := func(method, url, body string) (*http.Response, []byte, error) {
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Authorization", validToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, err = buf.ReadFrom(resp.Body)
		return resp, buf.Bytes(), err
	}
	resp, _, err := send(http.MethodPost, base+flowsURL, createBody)
	if err != nil || resp.StatusCode != http.StatusCreated {
		return "create failed"
	}
	loc := resp.Header.Get("Location")
	steps := []struct {
		method, body string
		want         int
	}{
		{http.MethodPatch, `{"displayName":"renamed"}`, 200},
		{http.MethodGet, "", 200},
		{http.MethodPatch, `{"inviteeUserIds":"nope"}`, 400},
		{http.MethodDelete, "", 204},
		{http.MethodGet, "", 404},
	}
	for _, s := range steps {
		resp, body, err := send(s.method, loc, s.body)
		if err != nil {
			return s.method + " " + loc + ": " + err.Error()
		}
		if resp.StatusCode != s.want {
			return s.method + " " + loc + ": status " + resp.Status + ": " + string(body)
		}
	}
	return ""
}

// countingReader yields n bytes of a JSON string and counts what was read of it.
type countingReader struct {
	n, read int
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	k := min(len(p), r.n-r.read)
	for i := range k {
		p[i] = 'x'
	}
	if r.read == 0 && k > 0 {
		p[0] = '"'
	}
	r.read += k
	return k, nil
}

// TestLargeBodyIsNotReadWhole sends a 64 MiB body of unknown length: the server answers 413
// having read little more than the limit.
func TestLargeBodyIsNotReadWhole(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	body := &countingReader{n: 64 << 20}
	req := httptest.NewRequest(http.MethodPost, flowsURL, body)
	req.ContentLength = -1
	req.Header.Set("Authorization", validToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	checkEnvelope(t, rec, http.StatusRequestEntityTooLarge, CodeTooLarge)
	if body.read > 2*maxBodyBytes {
		t.Errorf("the server read %d bytes of the body; want at most about the limit, %d", body.read, maxBodyBytes)
	}
}

// failingBackend is a backend whose store cannot be reached.
type failingBackend struct{ *store.MemorySessions }

func (failingBackend) Name() string { return "postgres" }
func (failingBackend) Ping(context.Context) error {
	return errors.New("dial tcp 127.0.0.1:5432: connection refused")
}

func TestHealthzReportsTheStore(t *testing.T) {
	t.Parallel()
	rec := do(t, mustNew(t, Config{}), http.MethodGet, "/healthz", "", "Authorization", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"store":"memory"`) {
		t.Errorf("GET /healthz = %d %s; want 200 naming the memory store", rec.Code, rec.Body)
	}
	rec = do(t, mustNew(t, Config{Backend: failingBackend{store.NewMemorySessions()}}), http.MethodGet, "/healthz", "", "Authorization", "")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "connection refused") ||
		!strings.Contains(rec.Body.String(), `"store":"postgres"`) {
		t.Errorf("GET /healthz with an unreachable store = %d %s; want 503 naming the store and why", rec.Code, rec.Body)
	}
}
