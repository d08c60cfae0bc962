package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// runJSON is a run as a client decodes it. blockingError and statistics are kept raw: "null"
// when the answer holds null, nil when it leaves them out.
type runJSON struct {
	Context       string          `json:"@odata.context,omitempty"`
	Type          string          `json:"@odata.type"`
	ID            string          `json:"id"`
	DisplayName   string          `json:"displayName,omitempty"`
	StartDateTime string          `json:"startDateTime,omitempty"`
	EndDateTime   *string         `json:"endDateTime"`
	Status        string          `json:"status,omitempty"`
	BlockingError json.RawMessage `json:"blockingError"`
	Statistics    json.RawMessage `json:"statistics"`
}

// runPage is a page of runs as a client decodes it.
type runPage struct {
	Context  string    `json:"@odata.context"`
	Count    *int      `json:"@odata.count"`
	NextLink string    `json:"@odata.nextLink"`
	Value    []runJSON `json:"value"`
}

func runsURL(flowID string) string { return flowsURL + "/" + flowID + "/runs" }

// mustCreateRun adds a run to a flow and returns it.
func mustCreateRun(tb testing.TB, h http.Handler, flowID, body string) runJSON {
	tb.Helper()
	rec := do(tb, h, http.MethodPost, runsURL(flowID), body)
	if rec.Code != http.StatusCreated {
		tb.Fatalf("create run %s: status = %d, body %s; want 201", body, rec.Code, rec.Body)
	}
	return decode[runJSON](tb, rec)
}

// keysOf returns the names of the properties of a JSON object, sorted.
func keysOf(tb testing.TB, raw []byte) []string {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatalf("decoding %s: %v", raw, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestRunCreateAndGet proves that a run created with its display name alone gets the
// defaults of the contract, a Location, and reads back the same.
func TestRunCreateAndGet(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	flow := mustCreate(t, srv)

	before := time.Now().UTC().Add(-time.Second)
	rec := do(t, srv, http.MethodPost, runsURL(flow.ID), `{"@odata.type":"#microsoft.graph.industryData.run","displayName":"Nightly share"}`)
	after := time.Now().UTC().Add(time.Second)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: status = %d, body %s; want 201", rec.Code, rec.Body)
	}
	created := decode[runJSON](t, rec)
	if !guidPattern.MatchString(created.ID) {
		t.Errorf("id = %q; want a GUID", created.ID)
	}
	if got, want := rec.Header().Get("Location"), "http://example.com"+runsURL(flow.ID)+"/"+created.ID; got != want {
		t.Errorf("Location = %q; want %q", got, want)
	}
	start, err := time.Parse(time.RFC3339Nano, created.StartDateTime)
	if err != nil || start.Before(before) || start.After(after) || start.Location() != time.UTC {
		t.Errorf("startDateTime = %q (%v); want now, in UTC", created.StartDateTime, err)
	}
	null := json.RawMessage("null")
	want := runJSON{
		Context:       "http://example.com/beta/$metadata#industryData/dataShareOutgoingFlows('" + flow.ID + "')/runs/$entity",
		Type:          "#microsoft.graph.industryData.run",
		ID:            created.ID,
		DisplayName:   "Nightly share",
		StartDateTime: created.StartDateTime,
		Status:        "running",
		BlockingError: null,
		Statistics:    null,
	}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("created run mismatch (-want +got):\n%s", diff)
	}
	wantKeys := []string{"@odata.context", "@odata.type", "blockingError", "displayName", "endDateTime", "id", "startDateTime", "statistics", "status"}
	if diff := cmp.Diff(wantKeys, keysOf(t, rec.Body.Bytes())); diff != "" {
		t.Errorf("created run properties mismatch; endDateTime, blockingError and statistics must be explicit nulls (-want +got):\n%s", diff)
	}
	if !strings.Contains(rec.Body.String(), `"endDateTime":null`) {
		t.Errorf("body %s; want endDateTime as an explicit null", rec.Body)
	}

	rec = do(t, srv, http.MethodGet, runsURL(flow.ID)+"/"+created.ID, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("get: status = %d, body %s; want 200", rec.Code, rec.Body)
	}
	if diff := cmp.Diff(want, decode[runJSON](t, rec)); diff != "" {
		t.Errorf("get mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantKeys, keysOf(t, rec.Body.Bytes())); diff != "" {
		t.Errorf("get properties mismatch (-want +got):\n%s", diff)
	}

	full := `{"displayName":"Backfill","startDateTime":"2026-01-01T04:00:00+02:00","endDateTime":"2026-01-01T02:30:00Z","status":"completedWithWarnings",` +
		`"blockingError":{"code":"Slow","message":"It was slow.","details":[{"code":"Disk","message":"The disk was slow.","target":"disk"}]},` +
		`"statistics":{"runId":"r","status":"completedWithWarnings","activityStatistics":[{"activityId":"a1","displayName":"Copy","status":"completed"}]}}`
	got := mustCreateRun(t, srv, flow.ID, full)
	wantFull := runJSON{
		Type: "#microsoft.graph.industryData.run", ID: got.ID, DisplayName: "Backfill",
		StartDateTime: "2026-01-01T02:00:00Z", EndDateTime: ptr("2026-01-01T02:30:00Z"), Status: "completedWithWarnings",
		BlockingError: json.RawMessage(`{"code":"Slow","message":"It was slow.","details":[{"code":"Disk","message":"The disk was slow.","target":"disk"}]}`),
		Statistics:    json.RawMessage(`{"runId":"r","status":"completedWithWarnings","activityStatistics":[{"activityId":"a1","displayName":"Copy","status":"completed"}]}`),
	}
	if diff := cmp.Diff(wantFull, got, cmpopts.IgnoreFields(runJSON{}, "Context"), cmp.Comparer(equalJSON)); diff != "" {
		t.Errorf("a run created with every property mismatch; times in UTC (-want +got):\n%s", diff)
	}
}

// equalJSON reports whether two JSON texts hold the same value.
func equalJSON(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return cmp.Equal(x, y)
}

// TestListRuns proves the listing of runs: by startDateTime then id, and the query options.
func TestListRuns(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	flow := mustCreate(t, srv)
	other := mustCreate(t, srv)
	mustCreateRun(t, srv, other.ID, `{"displayName":"another flow's run","startDateTime":"2026-01-01T00:00:00Z"}`)

	third := mustCreateRun(t, srv, flow.ID, `{"displayName":"c third","startDateTime":"2026-01-03T00:00:00Z","endDateTime":"2026-01-03T01:00:00Z","status":"completed"}`)
	tieA := mustCreateRun(t, srv, flow.ID, `{"displayName":"a first","startDateTime":"2026-01-01T00:00:00Z","endDateTime":"2026-01-01T00:10:00Z","status":"failed"}`)
	second := mustCreateRun(t, srv, flow.ID, `{"displayName":"b second","startDateTime":"2026-01-02T00:00:00Z"}`)
	tieB := mustCreateRun(t, srv, flow.ID, `{"displayName":"d first too","startDateTime":"2026-01-01T00:00:00Z","status":"failed"}`)
	if tieB.ID < tieA.ID {
		tieA, tieB = tieB, tieA // ties come by id
	}
	id := func(runs ...runJSON) []string {
		out := make([]string, len(runs))
		for i, r := range runs {
			out[i] = r.ID
		}
		return out
	}
	byStart := id(tieA, tieB, second, third)

	tests := []struct {
		name        string
		query       string
		wantIDs     []string
		wantCount   *int
		wantNext    bool
		wantKeys    []string // the only properties of each run, when set
		wantContext string   // the end of @odata.context
	}{
		{name: "no option: by startDateTime, then id", wantIDs: byStart,
			wantContext: "/beta/$metadata#industryData/dataShareOutgoingFlows('" + flow.ID + "')/runs"},
		{name: "$filter on status", query: "$filter=" + url.QueryEscape("status eq 'failed'"), wantIDs: id(tieA, tieB)},
		{name: "$filter on startDateTime with an unquoted date-time literal",
			query: "$filter=" + url.QueryEscape("startDateTime ge 2026-01-02T00:00:00Z"), wantIDs: id(second, third)},
		{name: "$filter on a date-time with an offset", query: "$filter=" + url.QueryEscape("startDateTime lt 2026-01-02T01:00:00+02:00"),
			wantIDs: id(tieA, tieB)},
		{name: "$filter on status and startDateTime", query: "$filter=" + url.QueryEscape("status ne 'failed' and startDateTime le 2026-01-02T00:00:00Z"),
			wantIDs: id(second)},
		{name: "$orderby startDateTime desc keeps ties by id", query: "$orderby=" + url.QueryEscape("startDateTime desc"),
			wantIDs: id(third, second, tieA, tieB)},
		{name: "$orderby displayName", query: "$orderby=displayName", wantIDs: id(byName(tieA, tieB, second, third)...)},
		{name: "$top pages with a next link", query: "$top=3", wantIDs: byStart[:3], wantNext: true},
		{name: "$count counts the runs the filter keeps", query: "$count=true&$filter=" + url.QueryEscape("status eq 'failed'") + "&$top=1",
			wantIDs: byStart[:1], wantCount: ptr(2), wantNext: true},
		{name: "$select returns only the selected properties, @odata.type and id", query: "$select=status,endDateTime",
			wantIDs: byStart, wantKeys: []string{"@odata.type", "endDateTime", "id", "status"},
			wantContext: "/runs(status,endDateTime)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := runsURL(flow.ID)
			if tt.query != "" {
				path += "?" + tt.query
			}
			rec := do(t, srv, http.MethodGet, path, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, body %s; want 200", rec.Code, rec.Body)
			}
			got := decode[runPage](t, rec)
			if diff := cmp.Diff(tt.wantIDs, id(got.Value...), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("runs mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCount, got.Count); diff != "" {
				t.Errorf("@odata.count mismatch (-want +got):\n%s", diff)
			}
			if (got.NextLink != "") != tt.wantNext {
				t.Errorf("@odata.nextLink = %q; want one: %v", got.NextLink, tt.wantNext)
			}
			if tt.wantContext != "" && !strings.HasSuffix(got.Context, tt.wantContext) {
				t.Errorf("@odata.context = %q; want it to end with %q", got.Context, tt.wantContext)
			}
			if tt.wantKeys != nil {
				items := decode[struct{ Value []json.RawMessage }](t, rec).Value
				for i, item := range items {
					if diff := cmp.Diff(tt.wantKeys, keysOf(t, item)); diff != "" {
						t.Errorf("run %d properties mismatch (-want +got):\n%s", i, diff)
					}
				}
			}
		})
	}

	t.Run("following the next links lists every run once, in order", func(t *testing.T) {
		t.Parallel()
		var seen []string
		link := runsURL(flow.ID) + "?$top=1"
		for range 10 {
			rec := do(t, srv, http.MethodGet, link, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: status = %d, body %s", link, rec.Code, rec.Body)
			}
			p := decode[runPage](t, rec)
			seen = append(seen, id(p.Value...)...)
			if p.NextLink == "" {
				break
			}
			if !strings.Contains(p.NextLink, "$top=1") || !strings.Contains(p.NextLink, "$skiptoken=") {
				t.Errorf("next link %q; want it to keep $top and carry a $skiptoken", p.NextLink)
			}
			link = relative(t, p.NextLink)
		}
		if diff := cmp.Diff(byStart, seen); diff != "" {
			t.Errorf("runs seen by paging mismatch (-want +got):\n%s", diff)
		}
	})
}

// byName orders runs by display name.
func byName(runs ...runJSON) []runJSON {
	out := slices.Clone(runs)
	slices.SortFunc(out, func(a, b runJSON) int { return strings.Compare(a.DisplayName, b.DisplayName) })
	return out
}

// TestRunErrors proves the refusals of the operations on runs, each with its status and target.
func TestRunErrors(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	flow := mustCreate(t, srv)
	run := mustCreateRun(t, srv, flow.ID, `{"displayName":"kept"}`)
	const unknown = "00000000-0000-0000-0000-000000000000"
	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		wantStatus  int
		wantTarget  string
		wantMessage string
	}{
		{name: "endDateTime before startDateTime", method: http.MethodPost, path: runsURL(flow.ID),
			body:       `{"displayName":"x","startDateTime":"2026-01-02T00:00:00Z","endDateTime":"2026-01-01T23:59:59Z"}`,
			wantStatus: 400, wantTarget: "endDateTime", wantMessage: "must not be before 'startDateTime'"},
		{name: "endDateTime before the default startDateTime, now", method: http.MethodPost, path: runsURL(flow.ID),
			body: `{"displayName":"x","endDateTime":"2020-01-01T00:00:00Z"}`, wantStatus: 400, wantTarget: "endDateTime"},
		{name: "unknownFutureValue status on create", method: http.MethodPost, path: runsURL(flow.ID),
			body: `{"displayName":"x","status":"unknownFutureValue"}`, wantStatus: 400, wantTarget: "status", wantMessage: "unknownFutureValue"},
		{name: "a status outside the enumeration", method: http.MethodPost, path: runsURL(flow.ID),
			body: `{"displayName":"x","status":"paused"}`, wantStatus: 400, wantTarget: "status"},
		{name: "an id in the create body", method: http.MethodPost, path: runsURL(flow.ID),
			body: `{"id":"` + unknown + `","displayName":"x"}`, wantStatus: 400, wantTarget: "id"},
		{name: "a create without displayName", method: http.MethodPost, path: runsURL(flow.ID),
			body: `{"status":"running"}`, wantStatus: 400, wantTarget: "displayName"},
		{name: "runs of an unknown flow", method: http.MethodGet, path: runsURL(unknown),
			wantStatus: 404, wantTarget: "dataShareOutgoingFlowId", wantMessage: "'" + unknown + "' does not exist"},
		{name: "a run added to an unknown flow", method: http.MethodPost, path: runsURL(unknown), body: `{"displayName":"x"}`,
			wantStatus: 404, wantTarget: "dataShareOutgoingFlowId"},
		{name: "a run of an unknown flow", method: http.MethodGet, path: runsURL(unknown) + "/" + run.ID,
			wantStatus: 404, wantTarget: "dataShareOutgoingFlowId"},
		{name: "an unknown runId", method: http.MethodGet, path: runsURL(flow.ID) + "/" + unknown,
			wantStatus: 404, wantTarget: "runId", wantMessage: "The run '" + unknown + "' of the dataShareOutgoingFlow '" + flow.ID + "' does not exist."},
		{name: "$select of a property runs do not have", method: http.MethodGet, path: runsURL(flow.ID) + "?$select=shareName",
			wantStatus: 400, wantTarget: "$select"},
		{name: "$filter on a property runs do not have", method: http.MethodGet, path: runsURL(flow.ID) + "?$filter=" + url.QueryEscape("shareName eq 'x'"),
			wantStatus: 400, wantTarget: "$filter"},
		{name: "$filter comparing startDateTime with a string", method: http.MethodGet,
			path: runsURL(flow.ID) + "?$filter=" + url.QueryEscape("startDateTime ge 'yesterday'"), wantStatus: 400, wantTarget: "$filter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := do(t, srv, tt.method, tt.path, tt.body)
			ge := checkEnvelope(t, rec, tt.wantStatus, codeFor(tt.wantStatus))
			if ge.Error.Target != tt.wantTarget {
				t.Errorf("error.target = %q; want %q (message %q)", ge.Error.Target, tt.wantTarget, ge.Error.Message)
			}
			if !strings.Contains(ge.Error.Message, tt.wantMessage) {
				t.Errorf("error.message = %q; want it to contain %q", ge.Error.Message, tt.wantMessage)
			}
		})
	}
	got := decode[runPage](t, do(t, srv, http.MethodGet, runsURL(flow.ID), "")).Value
	if len(got) != 1 || got[0].ID != run.ID {
		t.Errorf("after the refused requests the flow has runs %+v; want the one run it had", got)
	}
}

// TestDeletingAFlowDeletesItsRuns proves that the runs of a deleted flow are gone, and that
// flows created afterwards start without runs.
func TestDeletingAFlowDeletesItsRuns(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	flow := mustCreate(t, srv)
	kept := mustCreate(t, srv)
	run := mustCreateRun(t, srv, flow.ID, `{"displayName":"doomed"}`)
	keptRun := mustCreateRun(t, srv, kept.ID, `{"displayName":"kept"}`)

	if rec := do(t, srv, http.MethodDelete, flowsURL+"/"+flow.ID, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: status = %d, body %s", rec.Code, rec.Body)
	}
	checkEnvelope(t, do(t, srv, http.MethodGet, runsURL(flow.ID), ""), http.StatusNotFound, CodeNotFound)
	checkEnvelope(t, do(t, srv, http.MethodGet, runsURL(flow.ID)+"/"+run.ID, ""), http.StatusNotFound, CodeNotFound)
	checkEnvelope(t, do(t, srv, http.MethodPost, runsURL(flow.ID), `{"displayName":"late"}`), http.StatusNotFound, CodeNotFound)

	for range 3 {
		fresh := mustCreate(t, srv)
		p := decode[runPage](t, do(t, srv, http.MethodGet, runsURL(fresh.ID), ""))
		if len(p.Value) != 0 {
			t.Errorf("a new flow has runs %+v; want none", p.Value)
		}
	}
	p := decode[runPage](t, do(t, srv, http.MethodGet, runsURL(kept.ID), ""))
	if len(p.Value) != 1 || p.Value[0].ID != keptRun.ID {
		t.Errorf("the other flow has runs %+v; want its own run, untouched", p.Value)
	}
}

// TestSeededRunsRoundTrip proves that the runs of example.yaml are answered exactly as the
// fixture gives them: statistics and blockingError included.
func TestSeededRunsRoundTrip(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{Seed: mustExampleSeed(t)})
	const (
		contoso   = "3baf174c-174c-3baf-4c17-af3b4c17af3b"
		woodgrove = "8f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c"
		fabrikam  = "5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
	)
	tests := []struct {
		name string
		path string
		want string // the runs answered, as JSON
	}{
		{name: "a completed run with statistics, and a running one", path: runsURL(contoso), want: `[
			{"@odata.type":"#microsoft.graph.industryData.run","id":"0c4f6a8e-2b1d-4c3e-9f5a-6b7c8d9e0f1a","displayName":"Nightly share",
			 "startDateTime":"2026-01-01T02:00:00Z","endDateTime":"2026-01-01T02:04:31Z","status":"completed","blockingError":null,
			 "statistics":{"runId":"0c4f6a8e-2b1d-4c3e-9f5a-6b7c8d9e0f1a","status":"completed",
			   "activityStatistics":[{"activityId":"7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","displayName":"Export student records","status":"completed"}]}},
			{"@odata.type":"#microsoft.graph.industryData.run","id":"1d5a7b9f-3c2e-4d4f-8a6b-7c8d9e0f1a2b","displayName":"Nightly share",
			 "startDateTime":"2026-01-02T02:00:00Z","endDateTime":null,"status":"running","blockingError":null,"statistics":null}]`},
		{name: "a failed run with a blocking error", path: runsURL(woodgrove), want: `[
			{"@odata.type":"#microsoft.graph.industryData.run","id":"2e6b8c0a-4d3f-4e5a-9b7c-8d9e0f1a2b3c","displayName":"Nightly share",
			 "startDateTime":"2026-01-01T03:00:00Z","endDateTime":"2026-01-01T03:00:12.5Z","status":"failed","statistics":null,
			 "blockingError":{"code":"InvitationExpired","message":"The Azure Data Share invitation expired before it was accepted.",
			   "target":"woodgrove_grades","details":[{"code":"ShareNotAccepted","message":"Accept the invitation within 14 days of sending it."}]}}]`},
		{name: "a flow without runs", path: runsURL(fabrikam), want: `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := do(t, srv, http.MethodGet, tt.path, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, body %s; want 200", rec.Code, rec.Body)
			}
			var want, got []map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			got = decode[struct{ Value []map[string]any }](t, rec).Value
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("runs mismatch (-want +got):\n%s", diff)
			}
			for _, r := range want {
				rec := do(t, srv, http.MethodGet, tt.path+"/"+r["id"].(string), "")
				one := decode[map[string]any](t, rec)
				delete(one, "@odata.context")
				if diff := cmp.Diff(r, one); diff != "" {
					t.Errorf("GET of run %s mismatch (-want +got):\n%s", r["id"], diff)
				}
			}
		})
	}
}

// TestRunTimesAreAnsweredInUTC proves that the times of runs are answered in UTC, as the
// contract says, whatever the zone a fixture or the seed gives them in.
func TestRunTimesAreAnsweredInUTC(t *testing.T) {
	t.Parallel()
	plus2 := time.FixedZone("+02:00", 2*60*60)
	end := time.Date(2026, 1, 1, 5, 0, 0, 500_000_000, plus2)
	seed := handSeed()
	seed.Flows[0].Runs = []store.Run{{ID: "0c4f6a8e-2b1d-4c3e-9f5a-6b7c8d9e0f1a", DisplayName: "zoned", Status: "completed",
		StartDateTime: time.Date(2026, 1, 1, 4, 0, 0, 0, plus2), EndDateTime: &end}}
	srv := mustNew(t, Config{Seed: seed, Logger: controlLogger(t)})
	zoned := strings.NewReplacer(`"2026-01-01T03:00:00Z"`, `"2026-01-01T04:00:00+01:00"`).Replace(validFixture)
	zoned = strings.Replace(zoned, `"First run",`, `"First run", "endDateTime": "2026-01-01T04:30:00.25-01:00",`, 1)
	if rec := doControl(t, srv, loopbackAddr, http.MethodPut, "/fixture", zoned, sessionHeader, "zoned"); rec.Code != http.StatusNoContent {
		t.Fatalf("load: status = %d, body %s", rec.Code, rec.Body)
	}
	tests := []struct {
		name      string
		session   string
		path      string
		wantStart string
		wantEnd   string
	}{
		{name: "a run of the seed", path: runsURL(seedFlowID) + "/0c4f6a8e-2b1d-4c3e-9f5a-6b7c8d9e0f1a",
			wantStart: "2026-01-01T02:00:00Z", wantEnd: "2026-01-01T03:00:00.5Z"},
		{name: "a run of a fixture loaded by the control API", session: "zoned",
			path:      runsURL("5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f") + "/2e6b8c0a-4d3f-4e5a-9b7c-8d9e0f1a2b3c",
			wantStart: "2026-01-01T03:00:00Z", wantEnd: "2026-01-01T05:30:00.25Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := do(t, srv, http.MethodGet, tt.path, "", session(tt.session)...)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, body %s; want 200", rec.Code, rec.Body)
			}
			got := decode[runJSON](t, rec)
			if diff := cmp.Diff([]string{tt.wantStart, tt.wantEnd}, []string{got.StartDateTime, deref(got.EndDateTime)}); diff != "" {
				t.Errorf("startDateTime and endDateTime mismatch (-want +got):\n%s", diff)
			}
			list := decode[runPage](t, do(t, srv, http.MethodGet, tt.path[:strings.LastIndex(tt.path, "/")], "", session(tt.session)...))
			if len(list.Value) != 1 || list.Value[0].StartDateTime != tt.wantStart || deref(list.Value[0].EndDateTime) != tt.wantEnd {
				t.Errorf("listed runs %+v; want the run with its times in UTC", list.Value)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
