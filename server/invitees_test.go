package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
)

const (
	inviteesURL          = flowsURL + "/getPotentialDataShareInvitees"
	qualifiedInviteesURL = flowsURL + "/microsoft.graph.industryData.getPotentialDataShareInvitees()"
)

// identityJSON is a user as getPotentialDataShareInvitees answers it.
type identityJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// TestPotentialInvitees proves getPotentialDataShareInvitees, under both its names: exactly the
// Global Administrators of the directory of the request's session, none without a directory.
func TestPotentialInvitees(t *testing.T) {
	t.Parallel()
	withDirectory := mustNew(t, Config{Seed: mustExampleSeed(t), Logger: controlLogger(t)})
	withoutDirectory := mustNew(t, Config{})
	if rec := doControl(t, withDirectory, loopbackAddr, http.MethodPut, "/fixture", validFixture, sessionHeader, "other-tenant"); rec.Code != http.StatusNoContent {
		t.Fatalf("load: status = %d, body %s", rec.Code, rec.Body)
	}
	exampleAdmins := []identityJSON{{ID: meganID, DisplayName: "Megan Bowen"}, {ID: alexID, DisplayName: "Alex Wilber"}}
	tests := []struct {
		name    string
		srv     *Server
		session string
		want    []identityJSON
	}{
		{name: "the Global Administrators of the directory, not its other users", srv: withDirectory, want: exampleAdmins},
		{name: "the directory of the session's fixture", srv: withDirectory, session: "other-tenant",
			want: []identityJSON{{ID: "7a9d2c4e-1f3b-4a5c-8d6e-0b1c2d3e4f50", DisplayName: "Pradeep Gupta"}}},
		{name: "no one without a directory", srv: withoutDirectory, want: []identityJSON{}},
	}
	for _, tt := range tests {
		for _, path := range []string{inviteesURL, qualifiedInviteesURL} {
			t.Run(tt.name+" at "+path[len(flowsURL):], func(t *testing.T) {
				t.Parallel()
				rec := do(t, tt.srv, http.MethodGet, path, "", session(tt.session)...)
				if rec.Code != http.StatusOK {
					t.Fatalf("status = %d, body %s; want 200", rec.Code, rec.Body)
				}
				got := decode[struct {
					Context string         `json:"@odata.context"`
					Value   []identityJSON `json:"value"`
				}](t, rec)
				if diff := cmp.Diff(tt.want, got.Value); diff != "" {
					t.Errorf("invitees mismatch (-want +got):\n%s", diff)
				}
				if want := "http://example.com/beta/$metadata#Collection(microsoft.graph.identity)"; got.Context != want {
					t.Errorf("@odata.context = %q; want %q", got.Context, want)
				}
				if !strings.Contains(rec.Body.String(), `"value":[`) {
					t.Errorf("body %s; want value as an array, empty or not", rec.Body)
				}
			})
		}
	}
}

// TestInviteesMustBeGlobalAdministrators proves that, with a directory, a flow's invitee must
// be one of its Global Administrators, on create and on update; and that without a directory
// any GUID is accepted.
func TestInviteesMustBeGlobalAdministrators(t *testing.T) {
	t.Parallel()
	withDirectory := mustNew(t, Config{Seed: mustExampleSeed(t)})
	// Without a directory, but with a flow whose invitees an update may change.
	withoutDirectory := mustNew(t, Config{Seed: &store.Fixture{Flows: handSeed().Flows}})
	const withoutFlowID = seedFlowID
	const stranger = "0b9e3a1c-5f2d-4c7b-9e8a-1d2c3b4a5f60"
	body := func(invitee string) string { return strings.Replace(createBody, inviteeID, invitee, 1) }
	tests := []struct {
		name       string
		srv        *Server
		method     string
		path       string
		body       string
		wantStatus int
		wantUser   string // the user the refusal names
	}{
		{name: "create with an ordinary user is refused", srv: withDirectory, method: http.MethodPost, path: flowsURL,
			body: body(leeID), wantStatus: 400, wantUser: leeID},
		{name: "create with a user outside the directory is refused", srv: withDirectory, method: http.MethodPost, path: flowsURL,
			body: body(stranger), wantStatus: 400, wantUser: stranger},
		{name: "update to an ordinary user is refused", srv: withDirectory, method: http.MethodPatch, path: flowsURL + "/" + seedFlowID,
			body: `{"inviteeUserIds":["` + leeID + `"]}`, wantStatus: 400, wantUser: leeID},
		{name: "create with a Global Administrator is accepted", srv: withDirectory, method: http.MethodPost, path: flowsURL,
			body: body(alexID), wantStatus: 201},
		{name: "a Global Administrator's id in upper case is accepted", srv: withDirectory, method: http.MethodPost, path: flowsURL,
			body: body(strings.ToUpper(alexID)), wantStatus: 201},
		{name: "an update that leaves the invitees alone is accepted", srv: withDirectory, method: http.MethodPatch,
			path: flowsURL + "/5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", body: `{"displayName":"Renamed"}`, wantStatus: 200},
		{name: "without a directory any GUID is accepted on create", srv: withoutDirectory, method: http.MethodPost, path: flowsURL,
			body: body(stranger), wantStatus: 201},
		{name: "without a directory any GUID is accepted on update", srv: withoutDirectory, method: http.MethodPatch,
			path: flowsURL + "/" + withoutFlowID, body: `{"inviteeUserIds":["` + leeID + `"]}`, wantStatus: 200},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := fmt.Sprintf("invitees-%d", i) // each row in a session of its own
			before := flowsOf(t, tt.srv, name)
			rec := do(t, tt.srv, tt.method, tt.path, tt.body, sessionHeader, name)
			if tt.wantStatus != http.StatusBadRequest {
				if rec.Code != tt.wantStatus {
					t.Errorf("status = %d, body %s; want %d", rec.Code, rec.Body, tt.wantStatus)
				}
				return
			}
			ge := checkEnvelope(t, rec, http.StatusBadRequest, CodeBadRequest)
			if ge.Error.Target != "inviteeUserIds/0" || !strings.Contains(ge.Error.Message, "'"+tt.wantUser+"'") ||
				!strings.Contains(ge.Error.Message, "Global Administrator") {
				t.Errorf("error target %q, message %q; want inviteeUserIds/0 and a message naming %s as no Global Administrator",
					ge.Error.Target, ge.Error.Message, tt.wantUser)
			}
			if len(ge.Error.Details) != 1 || ge.Error.Details[0].Target != "inviteeUserIds/0" || ge.Error.Details[0].Code != "invalidValue" {
				t.Errorf("details %+v; want one invalidValue detail at inviteeUserIds/0", ge.Error.Details)
			}
			if diff := cmp.Diff(before, flowsOf(t, tt.srv, name)); diff != "" {
				t.Errorf("a refused request changed the flows (-want +got):\n%s", diff)
			}
		})
	}
}
