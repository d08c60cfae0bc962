package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPreconditions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		body       string
		header     func(etag string) []string // given the flow's current eTag
		wantStatus int
		wantTarget string // of a 412
		wantChange bool   // the flow is updated or deleted
	}{
		{name: "If-Match with the current eTag updates", method: http.MethodPatch, body: `{"displayName":"new"}`,
			header: func(e string) []string { return []string{"If-Match", `"` + e + `"`} }, wantStatus: 200, wantChange: true},
		{name: "If-Match with a weak tag of the current eTag updates", method: http.MethodPatch, body: `{"displayName":"new"}`,
			header: func(e string) []string { return []string{"If-Match", `W/"` + e + `"`} }, wantStatus: 200, wantChange: true},
		{name: "If-Match listing the current eTag among others updates", method: http.MethodPatch, body: `{"displayName":"new"}`,
			header: func(e string) []string { return []string{"If-Match", `"old", "` + e + `"`} }, wantStatus: 200, wantChange: true},
		{name: "If-Match * updates an existing flow", method: http.MethodPatch, body: `{"displayName":"new"}`,
			header: func(string) []string { return []string{"If-Match", "*"} }, wantStatus: 200, wantChange: true},
		{name: "If-Match with a stale eTag is refused", method: http.MethodPatch, body: `{"displayName":"new"}`,
			header: func(string) []string { return []string{"If-Match", `"stale"`} }, wantStatus: 412, wantTarget: "If-Match"},
		{name: "eTag in the body is a precondition too", method: http.MethodPatch, body: `{"displayName":"new","eTag":"stale"}`,
			wantStatus: 412, wantTarget: "eTag"},
		{name: "eTag in the body with the current eTag updates", method: http.MethodPatch, body: `{"displayName":"new","eTag":"%s"}`,
			wantStatus: 200, wantChange: true},
		{name: "a body eTag of * is an eTag, not a wildcard", method: http.MethodPatch, body: `{"displayName":"new","eTag":"*"}`,
			wantStatus: 412, wantTarget: "eTag"},
		{name: "If-Match and a body eTag must both hold", method: http.MethodPatch, body: `{"displayName":"new","eTag":"stale"}`,
			header: func(e string) []string { return []string{"If-Match", `"` + e + `"`} }, wantStatus: 412, wantTarget: "If-Match"},
		{name: "If-Match on delete with the current eTag deletes", method: http.MethodDelete,
			header: func(e string) []string { return []string{"If-Match", `"` + e + `"`} }, wantStatus: 204, wantChange: true},
		{name: "If-Match on delete with a stale eTag is refused", method: http.MethodDelete,
			header: func(string) []string { return []string{"If-Match", `"stale"`} }, wantStatus: 412, wantTarget: "If-Match"},
		{name: "If-None-Match with the current eTag is 304", method: http.MethodGet,
			header: func(e string) []string { return []string{"If-None-Match", `"` + e + `"`} }, wantStatus: 304},
		{name: "If-None-Match * is 304 for an existing flow", method: http.MethodGet,
			header: func(string) []string { return []string{"If-None-Match", "*"} }, wantStatus: 304},
		{name: "If-None-Match with another eTag reads the flow", method: http.MethodGet,
			header: func(string) []string { return []string{"If-None-Match", `"old"`} }, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := mustNew(t, Config{})
			flow := mustCreate(t, srv)
			item := flowsURL + "/" + flow.ID
			var header []string
			if tt.header != nil {
				header = tt.header(flow.ETag)
			}
			body := tt.body
			if strings.Contains(body, "%s") {
				body = fmt.Sprintf(body, flow.ETag)
			}
			rec := do(t, srv, tt.method, item, body, header...)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, body %s; want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			switch tt.wantStatus {
			case http.StatusPreconditionFailed:
				ge := checkEnvelope(t, rec, 412, CodePreconditionFailed)
				if ge.Error.Target != tt.wantTarget {
					t.Errorf("error.target = %q; want %q", ge.Error.Target, tt.wantTarget)
				}
			case http.StatusNotModified:
				if rec.Body.Len() != 0 {
					t.Errorf("304 with a body: %q", rec.Body)
				}
				if got := rec.Header().Get("ETag"); got != `"`+flow.ETag+`"` {
					t.Errorf("304 ETag = %q; want %q", got, `"`+flow.ETag+`"`)
				}
			}
			after := do(t, srv, http.MethodGet, item, "")
			changed := after.Code != http.StatusOK || decode[flowJSON](t, after).ETag != flow.ETag
			if changed != tt.wantChange {
				t.Errorf("flow changed = %v; want %v (GET after: %d %s)", changed, tt.wantChange, after.Code, after.Body)
			}
		})
	}
}

func TestPreferReturn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		prefer      string
		wantStatus  int
		wantBody    bool
		wantApplied string
	}{
		{name: "no preference answers 200 with the flow", wantStatus: 200, wantBody: true},
		{name: "return=minimal answers 204", prefer: "return=minimal", wantStatus: 204, wantApplied: "return=minimal"},
		{name: "return=minimal among other preferences", prefer: "respond-async, return=minimal; foo=bar", wantStatus: 204, wantApplied: "return=minimal"},
		{name: "return=representation answers 200 and says so", prefer: "return=representation", wantStatus: 200, wantBody: true,
			wantApplied: "return=representation"},
		{name: "an unknown return value is ignored", prefer: "return=everything", wantStatus: 200, wantBody: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := mustNew(t, Config{})
			flow := mustCreate(t, srv)
			rec := do(t, srv, http.MethodPatch, flowsURL+"/"+flow.ID, `{"sharingState":"running"}`, "Prefer", tt.prefer)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, body %s; want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if got := rec.Body.Len() > 0; got != tt.wantBody {
				t.Errorf("body %q; want one: %v", rec.Body, tt.wantBody)
			}
			if got := rec.Header().Get("Preference-Applied"); got != tt.wantApplied {
				t.Errorf("Preference-Applied = %q; want %q", got, tt.wantApplied)
			}
			stored := decode[flowJSON](t, do(t, srv, http.MethodGet, flowsURL+"/"+flow.ID, ""))
			if stored.SharingState != "running" {
				t.Errorf("sharingState after the update = %q; want running", stored.SharingState)
			}
			if got, want := rec.Header().Get("ETag"), `"`+stored.ETag+`"`; got != want {
				t.Errorf("ETag = %q; want the new eTag %q", got, want)
			}
		})
	}
}

// TestConcurrentConditionalUpdates has many clients read a flow and update it with If-Match,
// at once: every version of the flow has exactly one writer, so there are as many successful
// updates as distinct eTags they produced, and every other update got 412.
func TestConcurrentConditionalUpdates(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(mustNew(t, Config{}))
	defer ts.Close()
	flow := mustCreate(t, ts.Config.Handler)
	item := ts.URL + flowsURL + "/" + flow.ID

	const clients, rounds = 12, 15
	var (
		mu       sync.Mutex
		wins     = map[string]string{} // the eTag each success was based on → the eTag it produced
		produced = map[string]bool{}
		refused  int
		wg       sync.WaitGroup
	)
	send := func(req *http.Request) (*http.Response, error) {
		req.Header.Set("Authorization", validToken)
		return http.DefaultClient.Do(req)
	}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				req, _ := http.NewRequest(http.MethodGet, item, nil)
				resp, err := send(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				etag := resp.Header.Get("ETag")
				body := fmt.Sprintf(`{"displayName":"client %d round %d"}`, c, r)
				req, _ = http.NewRequest(http.MethodPatch, item, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("If-Match", etag)
				resp, err = send(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				switch resp.StatusCode {
				case http.StatusOK:
					if prev, dup := wins[etag]; dup {
						t.Errorf("two updates won on version %s (one produced %s)", etag, prev)
					}
					wins[etag] = resp.Header.Get("ETag")
					produced[resp.Header.Get("ETag")] = true
				case http.StatusPreconditionFailed:
					refused++
				default:
					t.Errorf("PATCH: status %d; want 200 or 412", resp.StatusCode)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(wins) != len(produced) {
		t.Errorf("%d successful updates produced %d distinct eTags; want as many", len(wins), len(produced))
	}
	if got := len(wins) + refused; got != clients*rounds {
		t.Errorf("%d successes + %d refusals = %d; want %d", len(wins), refused, got, clients*rounds)
	}
	if len(wins) == 0 || refused == 0 {
		t.Logf("no contention happened: %d successes, %d refusals", len(wins), refused)
	}
	final := decode[flowJSON](t, do(t, ts.Config.Handler, http.MethodGet, flowsURL+"/"+flow.ID, ""))
	if !produced[`"`+final.ETag+`"`] {
		t.Errorf("final eTag %q was produced by no successful update", final.ETag)
	}
}

func TestEntityTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header *string
		want   []string
	}{
		{name: "absent", header: nil, want: nil},
		{name: "one quoted tag", header: ptr(`"abc"`), want: []string{"abc"}},
		{name: "a weak tag", header: ptr(`W/"abc"`), want: []string{"abc"}},
		{name: "a list", header: ptr(`"a", W/"b" ,"c"`), want: []string{"a", "b", "c"}},
		{name: "any", header: ptr("*"), want: []string{"*"}},
		{name: "an unquoted tag is taken as it is", header: ptr("abc"), want: []string{"abc"}},
		{name: "empty matches nothing", header: ptr(""), want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, entityTags(tt.header)); diff != "" {
				t.Errorf("entityTags(%v) mismatch (-want +got):\n%s", tt.header, diff)
			}
		})
	}
}

// TestRepeatedIfMatchLines proves that If-Match sent as several header lines counts as one list.
func TestRepeatedIfMatchLines(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	flow := mustCreate(t, srv)
	req := httptest.NewRequest(http.MethodPatch, flowsURL+"/"+flow.ID, strings.NewReader(`{"displayName":"new"}`))
	req.Header.Set("Authorization", validToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("If-Match", `"stale"`)
	req.Header.Add("If-Match", `"`+flow.ETag+`"`)
	req.Header.Add("Prefer", "odata.maxpagesize=5")
	req.Header.Add("Prefer", "return=minimal")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Errorf("PATCH with two If-Match and two Prefer lines: status = %d, body %s; want 204", rec.Code, rec.Body)
	}
}

// TestCreateIgnoresETag proves that an eTag sent on create is ignored: the server assigns it.
func TestCreateIgnoresETag(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	rec := do(t, srv, http.MethodPost, flowsURL, strings.Replace(createBody, "{", `{"eTag":"mine",`, 1))
	if rec.Code != http.StatusCreated {
		t.Fatalf("status = %d, body %s; want 201", rec.Code, rec.Body)
	}
	if f := decode[flowJSON](t, rec); f.ETag == "mine" || f.ETag == "" {
		t.Errorf("eTag = %q; want one the server assigned", f.ETag)
	}
}
