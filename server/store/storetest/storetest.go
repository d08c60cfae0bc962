// Package storetest is the conformance suite of store.Store and store.Sessions: every backend
// runs it, and a backend that passes it behaves as the server needs.
//
// What a backend may change in what it stores, and the suite allows:
//
//   - Times may be kept to the microsecond only (as PostgreSQL's timestamptz keeps them), and
//     come back in any time zone: the suite compares them as instants, truncated to the
//     microsecond. It orders and filters by times that are whole microseconds.
//   - The JSON of a run's BlockingError and Statistics may come back with other whitespace and
//     another order of object members (as PostgreSQL's jsonb gives it): the suite compares
//     JSON values. But nil, which means null, stays nil (the server would render "null" as an
//     empty object).
//
// The suite runs its tests one at a time, so that the stores newStore makes may share a
// database, as long as each is empty when newStore returns it.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datashare/datashare/server/odata"
	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Run runs the conformance suite against the stores newStore makes; each test gets a new,
// empty store.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("listing", func(t *testing.T) { RunListing(t, newStore) })
	t.Run("runs", func(t *testing.T) { RunRuns(t, newStore) })
	t.Run("load", func(t *testing.T) { RunLoad(t, newStore) })
	t.Run("create assigns an id and an eTag and keeps the rest", func(t *testing.T) {
		s := newStore(t)
		in := sample("a")
		in.ID, in.ETag = "chosen-id", "chosen-etag"
		got, err := s.CreateFlow(context.Background(), in)
		if err != nil {
			t.Fatalf("CreateFlow() error = %v", err)
		}
		if got.ID == "" || got.ID == in.ID || got.ETag == "" || got.ETag == in.ETag {
			t.Errorf("CreateFlow() id, eTag = %q, %q; want new ones", got.ID, got.ETag)
		}
		want := in
		want.ID, want.ETag = got.ID, got.ETag
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CreateFlow() mismatch (-want +got):\n%s", diff)
		}
		read, err := s.GetFlow(context.Background(), got.ID)
		if err != nil {
			t.Fatalf("GetFlow() error = %v", err)
		}
		if diff := cmp.Diff(got, read); diff != "" {
			t.Errorf("GetFlow() mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("unknown ids are not found", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		if _, err := s.GetFlow(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetFlow(missing) error = %v; want ErrNotFound", err)
		}
		if _, err := s.UpdateFlow(ctx, "missing", store.Patch{}, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateFlow(missing) error = %v; want ErrNotFound", err)
		}
		if err := s.DeleteFlow(ctx, "missing", []string{store.AnyETag}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteFlow(missing) error = %v; want ErrNotFound", err)
		}
	})

	t.Run("update merges the patch and changes the eTag only on a change", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		f := mustCreate(t, s, sample("a"))
		running := "running"
		got, err := s.UpdateFlow(ctx, f.ID, store.Patch{SharingState: &running, InviteeUserIDs: []string{"x"}}, nil)
		if err != nil {
			t.Fatalf("UpdateFlow() error = %v", err)
		}
		want := f
		want.SharingState, want.InviteeUserIDs, want.ETag = running, []string{"x"}, got.ETag
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("UpdateFlow() mismatch (-want +got):\n%s", diff)
		}
		if got.ETag == f.ETag {
			t.Errorf("UpdateFlow() kept eTag %q after a change", got.ETag)
		}
		same, err := s.UpdateFlow(ctx, f.ID, store.Patch{SharingState: &running}, nil)
		if err != nil {
			t.Fatalf("UpdateFlow(no change) error = %v", err)
		}
		if same.ETag != got.ETag {
			t.Errorf("UpdateFlow(no change) eTag = %q; want it kept, %q", same.ETag, got.ETag)
		}
	})

	t.Run("preconditions", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		f := mustCreate(t, s, sample("a"))
		name := "b"
		if _, err := s.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &name}, []string{"stale"}); !errors.Is(err, store.ErrPreconditionFailed) {
			t.Errorf("UpdateFlow(stale eTag) error = %v; want ErrPreconditionFailed", err)
		}
		if err := s.DeleteFlow(ctx, f.ID, []string{"stale"}); !errors.Is(err, store.ErrPreconditionFailed) {
			t.Errorf("DeleteFlow(stale eTag) error = %v; want ErrPreconditionFailed", err)
		}
		if got, _ := s.GetFlow(ctx, f.ID); got.DisplayName != f.DisplayName {
			t.Errorf("a failed precondition changed the flow: %+v", got)
		}
		updated, err := s.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &name}, []string{f.ETag})
		if err != nil {
			t.Fatalf("UpdateFlow(current eTag) error = %v", err)
		}
		if _, err := s.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &name}, []string{store.AnyETag}); err != nil {
			t.Errorf("UpdateFlow(*) error = %v", err)
		}
		if err := s.DeleteFlow(ctx, f.ID, []string{updated.ETag}); err != nil {
			t.Errorf("DeleteFlow(current eTag) error = %v", err)
		}
	})

	t.Run("list returns every flow in creation order", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		var want []store.Flow
		for _, name := range []string{"c", "a", "b", "d"} {
			want = append(want, mustCreate(t, s, sample(name)))
		}
		if err := s.DeleteFlow(ctx, want[2].ID, nil); err != nil {
			t.Fatal(err)
		}
		want = append(want[:2], want[3:]...)
		page, err := s.ListFlows(ctx, store.Query{Limit: 10})
		if err != nil {
			t.Fatalf("ListFlows() error = %v", err)
		}
		got := page.Flows
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListFlows() mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("callers cannot change what is stored", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		in := sample("a")
		f := mustCreate(t, s, in)
		in.InviteeUserIDs[0] = "changed after create"
		f.InviteeUserIDs[0] = "changed after create"
		listed, _ := s.ListFlows(ctx, store.Query{Limit: 10})
		listed.Flows[0].InviteeUserIDs[0] = "changed after list"
		got, err := s.GetFlow(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.InviteeUserIDs[0] != sample("a").InviteeUserIDs[0] {
			t.Errorf("stored invitees = %q; the caller's slices reach the store", got.InviteeUserIDs)
		}
	})

	t.Run("concurrent conditional updates lose nothing", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		f := mustCreate(t, s, sample("a"))
		const writers = 16
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := string(rune('A' + i))
				_, err := s.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &name}, []string{f.ETag})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, store.ErrPreconditionFailed):
					conflicts++
				default:
					t.Errorf("UpdateFlow() error = %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != writers-1 {
			t.Errorf("%d writers with the same eTag: %d won, %d failed their precondition; want 1 and %d", writers, wins, conflicts, writers-1)
		}
	})
}

// RunListing runs the conformance suite of ListFlows: paging by cursor in creation order and
// by $orderby, skip, filter, count, and invalid cursors.
func RunListing(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	schema := store.FlowSchema()
	mustList := func(t *testing.T, s store.Store, q store.Query) store.Page {
		t.Helper()
		p, err := s.ListFlows(ctx, q)
		if err != nil {
			t.Fatalf("ListFlows(%+v) error = %v", q, err)
		}
		return p
	}
	pageAll := func(t *testing.T, s store.Store, q store.Query) []string {
		t.Helper()
		var names []string
		for range 100 {
			p := mustList(t, s, q)
			for _, f := range p.Flows {
				names = append(names, f.DisplayName)
			}
			if p.Next == nil {
				return names
			}
			q.After, q.Skip = p.Next, 0
		}
		t.Fatalf("paging does not end")
		return nil
	}

	t.Run("pages by cursor in creation order", func(t *testing.T) {
		s := newStore(t)
		var want []string
		for i := range 7 {
			want = append(want, mustCreate(t, s, sample(string(rune('a'+i)))).DisplayName)
		}
		first := mustList(t, s, store.Query{Limit: 3})
		if len(first.Flows) != 3 || first.Next == nil {
			t.Fatalf("first page: %d flows, next %v; want 3 and a cursor", len(first.Flows), first.Next)
		}
		if got := pageAll(t, s, store.Query{Limit: 3}); !cmp.Equal(want, got) {
			t.Errorf("paging by 3 = %q; want %q", got, want)
		}
		last := mustList(t, s, store.Query{Limit: 7})
		if last.Next != nil {
			t.Errorf("a page that holds everything has a next cursor %v", last.Next)
		}
	})

	t.Run("skip leaves out flows at the start", func(t *testing.T) {
		s := newStore(t)
		for i := range 5 {
			mustCreate(t, s, sample(string(rune('a'+i))))
		}
		p := mustList(t, s, store.Query{Skip: 2, Limit: 2})
		if got := names(p.Flows); !cmp.Equal([]string{"flow c", "flow d"}, got) {
			t.Errorf("skip 2, limit 2 = %q; want flow c, flow d", got)
		}
	})

	t.Run("orders by properties then id, both ways", func(t *testing.T) {
		s := newStore(t)
		var flows []store.Flow
		for _, n := range []string{"b", "a", "b", "c", "a", "b"} {
			flows = append(flows, mustCreate(t, s, sample(n)))
		}
		for _, desc := range []bool{false, true} {
			order := []odata.OrderItem{{Prop: "displayName", Desc: desc}}
			want := slices.Clone(flows)
			slices.SortFunc(want, func(a, b store.Flow) int {
				return store.CompareKeys(order, store.SortKeys(order, &a, ""), store.SortKeys(order, &b, ""))
			})
			var wantIDs []string
			for _, f := range want {
				wantIDs = append(wantIDs, f.ID)
			}
			var gotIDs []string
			q := store.Query{OrderBy: order, Limit: 2}
			for range 10 {
				p := mustList(t, s, q)
				for _, f := range p.Flows {
					gotIDs = append(gotIDs, f.ID)
				}
				if p.Next == nil {
					break
				}
				q.After = p.Next
			}
			if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
				t.Errorf("desc=%v: ids mismatch (-want +got):\n%s", desc, diff)
			}
		}
	})

	t.Run("filter and count", func(t *testing.T) {
		s := newStore(t)
		for i, state := range []string{"running", "pending", "running", "problem", "running"} {
			f := sample(string(rune('a' + i)))
			f.SharingState = state
			mustCreate(t, s, f)
		}
		filter, err := odata.ParseFilter("sharingState eq 'running'", schema)
		if err != nil {
			t.Fatal(err)
		}
		p := mustList(t, s, store.Query{Filter: filter, Limit: 2, Count: true})
		if p.Count != 3 || len(p.Flows) != 2 || p.Next == nil {
			t.Errorf("first page: count %d, %d flows, next %v; want 3, 2 and a cursor", p.Count, len(p.Flows), p.Next)
		}
		second := mustList(t, s, store.Query{Filter: filter, Limit: 2, Count: true, After: p.Next})
		if second.Count != 3 || len(second.Flows) != 1 || second.Next != nil {
			t.Errorf("second page: count %d, %d flows, next %v; want 3, 1 and none", second.Count, len(second.Flows), second.Next)
		}
		if got := mustList(t, s, store.Query{Filter: filter, Count: true}); got.Count != 3 || len(got.Flows) != 0 {
			t.Errorf("limit 0: count %d, %d flows; want 3 and none", got.Count, len(got.Flows))
		}
	})

	t.Run("a cursor outlives the flow it points at", func(t *testing.T) {
		s := newStore(t)
		for i := range 4 {
			mustCreate(t, s, sample(string(rune('a'+i))))
		}
		for _, order := range [][]odata.OrderItem{nil, {{Prop: "displayName"}}} {
			p := mustList(t, s, store.Query{OrderBy: order, Limit: 2})
			last := p.Flows[1]
			if err := s.DeleteFlow(ctx, last.ID, nil); err != nil {
				t.Fatal(err)
			}
			next := mustList(t, s, store.Query{OrderBy: order, Limit: 2, After: p.Next})
			if got := names(next.Flows); !cmp.Equal([]string{"flow c", "flow d"}, got) {
				t.Errorf("order %v: after deleting the cursor's flow, next page = %q; want flow c, flow d", order, got)
			}
			mustCreate(t, s, last) // a new flow b, created last
		}
	})

	t.Run("invalid cursors", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, sample("a"))
		for _, q := range []store.Query{
			{Limit: 1, After: &store.Cursor{Keys: []string{"1", "2"}}},
			{Limit: 1, After: &store.Cursor{Keys: []string{"not a position"}}},
			{Limit: 1, OrderBy: []odata.OrderItem{{Prop: "displayName"}}, After: &store.Cursor{Keys: []string{"x"}}},
		} {
			if _, err := s.ListFlows(ctx, q); !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("ListFlows(cursor %v, order %v) error = %v; want ErrInvalidCursor", q.After.Keys, q.OrderBy, err)
			}
		}
	})
}

func names(flows []store.Flow) []string {
	out := make([]string, len(flows))
	for i, f := range flows {
		out[i] = f.DisplayName
	}
	return out
}

func sample(name string) store.Flow {
	return store.Flow{
		DisplayName:     "flow " + name,
		ReadinessStatus: "notReady",
		InviteeUserIDs:  []string{"2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"},
		SharingState:    "pending",
		ShareName:       "share_" + name,
	}
}

func mustCreate(t *testing.T, s store.Store, f store.Flow) store.Flow {
	t.Helper()
	created, err := s.CreateFlow(context.Background(), f)
	if err != nil {
		t.Fatalf("CreateFlow() error = %v", err)
	}
	return created
}

// asStored compares what a backend gives back with what it was given, allowing for what it may
// change in storing it (see the package documentation): times as instants to the microsecond,
// JSON as values, and no list (of flows, runs, users) as an empty one.
var asStored = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool {
		return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
	}),
	cmp.Comparer(equalJSON),
	cmp.FilterValues(func(x, _ any) bool { _, isJSON := x.(json.RawMessage); return !isJSON }, cmpopts.EquateEmpty()),
}

// equalJSON reports whether a and b are the same JSON value, or both absent (nil: null).
func equalJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// RunRuns runs the conformance suite of the runs of flows: CreateRun, GetRun, ListRuns (order,
// filter, count, skip, limit and cursors), and their deletion with their flow.
func RunRuns(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()

	t.Run("create assigns an id, keeps the flow id and returns what it stored", func(t *testing.T) {
		end := at(t, "2026-01-01T02:04:31.123456789+02:00")
		tests := []struct {
			name string
			in   store.Run
		}{
			{
				name: "a finished run with an error and statistics",
				in: store.Run{
					ID:            "chosen-id",
					FlowID:        "another-flow",
					DisplayName:   "Nightly share",
					Status:        "failed",
					StartDateTime: at(t, "2026-01-01T02:00:00.123456789+02:00"),
					EndDateTime:   &end,
					BlockingError: json.RawMessage(`{"code": "InvitationExpired", "message": "The invitation expired.", "details": [{"code": "a", "message": "b"}]}`),
					Statistics:    json.RawMessage(`{"runId": "chosen-id", "status": "failed", "activityStatistics": []}`),
				},
			},
			{
				name: "a running run has no end, error nor statistics",
				in:   store.Run{DisplayName: "Nightly share", Status: "running", StartDateTime: at(t, "2026-01-02T02:00:00Z")},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := newStore(t)
				f := mustCreate(t, s, sample("a"))
				got, err := s.CreateRun(ctx, f.ID, tt.in)
				if err != nil {
					t.Fatalf("CreateRun() error = %v", err)
				}
				if got.ID == "" || got.ID == tt.in.ID {
					t.Errorf("CreateRun() id = %q; want a new one", got.ID)
				}
				want := tt.in.Clone()
				want.ID, want.FlowID = got.ID, f.ID
				if diff := cmp.Diff(want, got, asStored); diff != "" {
					t.Errorf("CreateRun() mismatch (-want +got):\n%s", diff)
				}
				read, err := s.GetRun(ctx, f.ID, got.ID)
				if err != nil {
					t.Fatalf("GetRun() error = %v", err)
				}
				if diff := cmp.Diff(got, read, asStored); diff != "" {
					t.Errorf("GetRun() mismatch (-want +got):\n%s", diff)
				}
				page := mustListRuns(t, s, f.ID, store.Query{Limit: 10})
				if diff := cmp.Diff([]store.Run{got}, page.Runs, asStored); diff != "" {
					t.Errorf("ListRuns() mismatch (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("unknown flows and runs are not found", func(t *testing.T) {
		s := newStore(t)
		f := mustCreate(t, s, sample("a"))
		other := mustCreate(t, s, sample("b"))
		r := mustCreateRun(t, s, f.ID, sampleRun(t, "a", "2026-01-01T00:00:00Z"))
		tests := []struct {
			name string
			call func() error
		}{
			{name: "CreateRun of an unknown flow", call: func() error {
				_, err := s.CreateRun(ctx, "missing", sampleRun(t, "a", "2026-01-01T00:00:00Z"))
				return err
			}},
			{name: "GetRun of an unknown flow", call: func() error { _, err := s.GetRun(ctx, "missing", r.ID); return err }},
			{name: "GetRun of an unknown run", call: func() error { _, err := s.GetRun(ctx, f.ID, "missing"); return err }},
			{name: "GetRun of a run of another flow", call: func() error { _, err := s.GetRun(ctx, other.ID, r.ID); return err }},
			{name: "ListRuns of an unknown flow", call: func() error {
				_, err := s.ListRuns(ctx, "missing", store.Query{Limit: 10, Count: true})
				return err
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.call(); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("error = %v; want ErrNotFound", err)
				}
			})
		}
		if _, err := s.GetFlow(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after CreateRun of an unknown flow, GetFlow() error = %v; want ErrNotFound", err)
		}
	})

	t.Run("deleting a flow deletes its runs", func(t *testing.T) {
		s := newStore(t)
		f := mustCreate(t, s, sample("a"))
		kept := mustCreate(t, s, sample("b"))
		r := mustCreateRun(t, s, f.ID, sampleRun(t, "a", "2026-01-01T00:00:00Z"))
		k := mustCreateRun(t, s, kept.ID, sampleRun(t, "b", "2026-01-01T00:00:00Z"))
		if err := s.DeleteFlow(ctx, f.ID, nil); err != nil {
			t.Fatalf("DeleteFlow() error = %v", err)
		}
		if _, err := s.GetRun(ctx, f.ID, r.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetRun(run of a deleted flow) error = %v; want ErrNotFound", err)
		}
		if _, err := s.ListRuns(ctx, f.ID, store.Query{Limit: 10}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ListRuns(deleted flow) error = %v; want ErrNotFound", err)
		}
		if _, err := s.GetRun(ctx, kept.ID, k.ID); err != nil {
			t.Errorf("GetRun(run of another flow) error = %v; want it kept", err)
		}
	})

	t.Run("callers cannot change what is stored", func(t *testing.T) {
		s := newStore(t)
		f := mustCreate(t, s, sample("a"))
		end := at(t, "2026-01-01T02:04:31Z")
		in := sampleRun(t, "a", "2026-01-01T02:00:00Z")
		in.EndDateTime = &end
		in.BlockingError = json.RawMessage(`{"code":"InvitationExpired","message":"expired"}`)
		in.Statistics = json.RawMessage(`{"runId":"x","status":"failed"}`)
		want := in.Clone()
		created := mustCreateRun(t, s, f.ID, in)
		want.ID, want.FlowID = created.ID, f.ID

		scribble(&in)
		scribble(&created)
		read, err := s.GetRun(ctx, f.ID, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		scribble(&read)
		listed := mustListRuns(t, s, f.ID, store.Query{Limit: 10})
		scribble(&listed.Runs[0])

		got, err := s.GetRun(ctx, f.ID, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, asStored); diff != "" {
			t.Errorf("the caller's changes reach the store (-want +got):\n%s", diff)
		}
	})

	// listed makes a store with runs of a flow, created in no order they are listed in, some of
	// them in other time zones than UTC, beside a run of another flow. By start time (as
	// instants) they are b c B A a d; by their local times, b A c B a d.
	listed := func(t *testing.T) (store.Store, string) {
		t.Helper()
		s := newStore(t)
		f := mustCreate(t, s, sample("listed"))
		other := mustCreate(t, s, sample("other"))
		for _, r := range []struct{ name, status, start, end string }{
			{"b", "completed", "2026-01-01T02:00:00Z", "2026-01-01T02:05:00Z"},
			{"B", "failed", "2026-01-02T02:00:00Z", "2026-01-02T02:01:00Z"},
			{"a", "running", "2026-01-03T02:00:00Z", ""},
			{"A", "completed", "2026-01-01T23:30:00-05:00", "2026-01-02T05:00:00Z"}, // starts 2026-01-02T04:30:00Z
			{"c", "failed", "2026-01-02T01:00:00+02:00", "2026-01-01T23:10:00Z"},    // starts 2026-01-01T23:00:00Z
			{"d", "completed", "2026-01-04T00:00:00Z", "2026-01-04T00:10:00Z"},
		} {
			run := store.Run{DisplayName: r.name, Status: r.status, StartDateTime: at(t, r.start)}
			if r.end != "" {
				end := at(t, r.end)
				run.EndDateTime = &end
			}
			mustCreateRun(t, s, f.ID, run)
		}
		mustCreateRun(t, s, other.ID, store.Run{DisplayName: "other", Status: "failed", StartDateTime: at(t, "2026-01-02T12:00:00Z")})
		return s, f.ID
	}
	filter := func(t *testing.T, text string) odata.Expr {
		t.Helper()
		if text == "" {
			return nil
		}
		expr, err := odata.ParseFilter(text, store.RunSchema())
		if err != nil {
			t.Fatalf("ParseFilter(%q) error = %v", text, err)
		}
		return expr
	}

	t.Run("list orders, filters and pages by cursor", func(t *testing.T) {
		s, flowID := listed(t)
		tests := []struct {
			name   string
			filter string
			order  []odata.OrderItem
			want   []string
		}{
			{name: "by start time by default, as instants", want: []string{"b", "c", "B", "A", "a", "d"}},
			{name: "by start time, latest first", order: []odata.OrderItem{{Prop: "startDateTime", Desc: true}},
				want: []string{"d", "a", "A", "B", "c", "b"}},
			{name: "by display name, by code point", order: []odata.OrderItem{{Prop: "displayName"}},
				want: []string{"A", "B", "a", "b", "c", "d"}},
			{name: "by display name, descending", order: []odata.OrderItem{{Prop: "displayName", Desc: true}},
				want: []string{"d", "c", "b", "a", "B", "A"}},
			{name: "by end time, running runs first", order: []odata.OrderItem{{Prop: "endDateTime"}},
				want: []string{"a", "b", "c", "B", "A", "d"}},
			{name: "by end time descending, running runs last", order: []odata.OrderItem{{Prop: "endDateTime", Desc: true}},
				want: []string{"d", "A", "B", "c", "b", "a"}},
			{name: "by status, then start time descending",
				order: []odata.OrderItem{{Prop: "status"}, {Prop: "startDateTime", Desc: true}},
				want:  []string{"d", "A", "b", "B", "c", "a"}},
			{name: "filter by status", filter: "status eq 'failed'", want: []string{"c", "B"}},
			{name: "string equality ignores case, as odata.Eval does", filter: "status eq 'FAILED'", want: []string{"c", "B"}},
			{name: "string functions ignore case", filter: "startswith(displayName, 'a')", want: []string{"A", "a"}},
			{name: "filter by start time compares instants", filter: "startDateTime ge 2026-01-02T00:00:00Z",
				want: []string{"B", "A", "a", "d"}},
			{name: "filter by a time in another zone", filter: "startDateTime lt 2026-01-02T00:00:00+02:00", want: []string{"b"}},
			{name: "filter by a null end", filter: "endDateTime eq null", want: []string{"a"}},
			{name: "filter by status and end time", filter: "status eq 'completed' and endDateTime gt 2026-01-02T00:00:00Z",
				want: []string{"A", "d"}},
			{name: "filter and order", filter: "status ne 'running'", order: []odata.OrderItem{{Prop: "displayName", Desc: true}},
				want: []string{"d", "c", "b", "B", "A"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := store.Query{Filter: filter(t, tt.filter), OrderBy: tt.order, Limit: 100, Count: true}
				whole := mustListRuns(t, s, flowID, q)
				if diff := cmp.Diff(tt.want, runNames(whole.Runs)); diff != "" {
					t.Errorf("one page: mismatch (-want +got):\n%s", diff)
				}
				if whole.Count != len(tt.want) || whole.Next != nil {
					t.Errorf("one page: count %d, next %v; want %d and no cursor", whole.Count, whole.Next, len(tt.want))
				}
				q.Limit = 1 // every run but the last is a cursor once
				if diff := cmp.Diff(tt.want, runNames(pageRuns(t, s, flowID, q))); diff != "" {
					t.Errorf("paging by 1: mismatch (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("count, skip and limit", func(t *testing.T) {
		s, flowID := listed(t)
		failed := filter(t, "status eq 'failed'")
		tests := []struct {
			name      string
			q         store.Query
			want      []string
			wantCount int
			wantNext  bool
		}{
			{name: "limit 0 only counts", q: store.Query{Count: true}, wantCount: 6},
			{name: "a limit cuts the page and points at the rest", q: store.Query{Limit: 2}, want: []string{"b", "c"}, wantNext: true},
			{name: "skip leaves out runs at the start", q: store.Query{Skip: 2, Limit: 2}, want: []string{"B", "A"}, wantNext: true},
			{name: "count is of every run, whatever the skip", q: store.Query{Skip: 4, Limit: 10, Count: true}, want: []string{"a", "d"}, wantCount: 6},
			{name: "skip past the end", q: store.Query{Skip: 10, Limit: 10, Count: true}, wantCount: 6},
			{name: "count is of the runs the filter keeps", q: store.Query{Filter: failed, Limit: 1, Count: true}, want: []string{"c"}, wantCount: 2, wantNext: true},
			{name: "a page that holds every run has no cursor", q: store.Query{Limit: 6}, want: []string{"b", "c", "B", "A", "a", "d"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := mustListRuns(t, s, flowID, tt.q)
				if diff := cmp.Diff(tt.want, runNames(got.Runs), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("ListRuns() runs mismatch (-want +got):\n%s", diff)
				}
				if got.Count != tt.wantCount {
					t.Errorf("ListRuns() count = %d; want %d", got.Count, tt.wantCount)
				}
				if gotNext := got.Next != nil; gotNext != tt.wantNext {
					t.Errorf("ListRuns() next = %v; want a cursor: %v", got.Next, tt.wantNext)
				}
			})
		}
	})

	t.Run("skip counts from the cursor", func(t *testing.T) {
		s, flowID := listed(t)
		first := mustListRuns(t, s, flowID, store.Query{Limit: 2})
		got := mustListRuns(t, s, flowID, store.Query{After: first.Next, Skip: 1, Limit: 2})
		if diff := cmp.Diff([]string{"A", "a"}, runNames(got.Runs)); diff != "" {
			t.Errorf("after b c, skip 1, limit 2: mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("runs that start together are ordered by id, ascending both ways", func(t *testing.T) {
		s := newStore(t)
		f := mustCreate(t, s, sample("a"))
		first := mustCreateRun(t, s, f.ID, sampleRun(t, "first", "2026-01-01T00:00:00Z"))
		var tied []string
		for i := range 5 {
			tied = append(tied, mustCreateRun(t, s, f.ID, sampleRun(t, fmt.Sprint(i), "2026-01-02T00:00:00Z")).ID)
		}
		last := mustCreateRun(t, s, f.ID, sampleRun(t, "last", "2026-01-03T00:00:00Z"))
		slices.Sort(tied)
		if len(slices.Compact(slices.Clone(tied))) != len(tied) {
			t.Fatalf("CreateRun() gave two runs the same id: %q", tied)
		}
		for _, tt := range []struct {
			name  string
			order []odata.OrderItem
			want  []string
		}{
			{name: "by default", want: slices.Concat([]string{first.ID}, tied, []string{last.ID})},
			{name: "by start time descending", order: []odata.OrderItem{{Prop: "startDateTime", Desc: true}},
				want: slices.Concat([]string{last.ID}, tied, []string{first.ID})},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got := pageRuns(t, s, f.ID, store.Query{OrderBy: tt.order, Limit: 2})
				if diff := cmp.Diff(tt.want, runIDs(got)); diff != "" {
					t.Errorf("ids mismatch (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("paging by cursor neither repeats nor skips runs created in between", func(t *testing.T) {
		s, flowID := listed(t)
		q := store.Query{Limit: 2}
		first := mustListRuns(t, s, flowID, q)
		for _, r := range []store.Run{
			sampleRun(t, "early", "2025-12-31T00:00:00Z"),
			sampleRun(t, "between", "2026-01-02T03:00:00Z"),
			sampleRun(t, "late", "2026-01-05T00:00:00Z"),
		} {
			r.DisplayName = "new " + r.DisplayName
			mustCreateRun(t, s, flowID, r)
		}
		q.After = first.Next
		rest := runNames(pageRuns(t, s, flowID, q))
		if slices.Contains(rest, "new early") {
			t.Errorf("after the cursor: %q; want no run that sorts before it", rest)
		}
		if sorted := slices.Sorted(slices.Values(rest)); len(slices.Compact(sorted)) != len(rest) {
			t.Errorf("after the cursor: %q; want no run twice", rest)
		}
		throughout := slices.DeleteFunc(rest, func(name string) bool { return strings.HasPrefix(name, "new ") })
		if diff := cmp.Diff([]string{"B", "A", "a", "d"}, throughout); diff != "" {
			t.Errorf("the runs that exist throughout, after the cursor: mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("invalid cursors", func(t *testing.T) {
		s, flowID := listed(t)
		time0 := odata.TimeKey(at(t, "2026-01-01T00:00:00Z"))
		tests := []struct {
			name   string
			order  []odata.OrderItem
			cursor []string
		}{
			{name: "one key for the default order", cursor: []string{time0}},
			{name: "three keys for the default order", cursor: []string{time0, "id", "extra"}},
			{name: "a cursor of the default order for an order by two properties",
				order: []odata.OrderItem{{Prop: "status"}, {Prop: "startDateTime"}}, cursor: []string{time0, "id"}},
			{name: "a start time that is not a time", cursor: []string{"yesterday", "id"}},
			{name: "an end time that is not a time", order: []odata.OrderItem{{Prop: "endDateTime"}}, cursor: []string{"soon", "id"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := store.Query{OrderBy: tt.order, Limit: 1, After: &store.Cursor{Keys: tt.cursor}}
				if _, err := s.ListRuns(ctx, flowID, q); !errors.Is(err, store.ErrInvalidCursor) {
					t.Errorf("ListRuns(cursor %q) error = %v; want ErrInvalidCursor", tt.cursor, err)
				}
			})
		}
	})
}

// RunLoad runs the conformance suite of Load and Directory: a fixture replaces everything, in
// one step, or nothing.
func RunLoad(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()

	t.Run("the directory is empty before any load", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, sample("a"))
		got, err := s.Directory(ctx)
		if err != nil {
			t.Fatalf("Directory() error = %v", err)
		}
		if len(got) != 0 {
			t.Errorf("Directory() = %+v; want none", got)
		}
	})

	t.Run("load replaces everything", func(t *testing.T) {
		s := newStore(t)
		old := mustCreate(t, s, sample("old"))
		oldRun := mustCreateRun(t, s, old.ID, sampleRun(t, "old", "2026-01-01T00:00:00Z"))
		in := fixture(t)
		in.Flows[0].ETag = "given-etag"
		in.Flows[0].Runs[0].FlowID = "elsewhere"
		mustLoad(t, s, in)

		page, err := s.ListFlows(ctx, store.Query{Limit: 10})
		if err != nil {
			t.Fatalf("ListFlows() error = %v", err)
		}
		if len(page.Flows) != len(in.Flows) {
			t.Fatalf("ListFlows() = %d flows; want the %d of the fixture", len(page.Flows), len(in.Flows))
		}
		var want []store.Flow
		for i, got := range page.Flows {
			if got.ETag == "" || got.ETag == "given-etag" {
				t.Errorf("flows[%d] eTag = %q; want a new one", i, got.ETag)
			}
			w := in.Flows[i].Flow.Clone()
			if w.ID == "" {
				if got.ID == "" || got.ID == "flow-c" || got.ID == "flow-a" {
					t.Errorf("flows[%d] id = %q; want a new one", i, got.ID)
				}
				w.ID = got.ID
			}
			w.ETag = got.ETag
			want = append(want, w)
		}
		if diff := cmp.Diff(want, page.Flows); diff != "" {
			t.Errorf("ListFlows() after Load, in fixture order: mismatch (-want +got):\n%s", diff)
		}
		for i, w := range want {
			got, err := s.GetFlow(ctx, w.ID)
			if err != nil {
				t.Errorf("GetFlow(flows[%d]) error = %v", i, err)
				continue
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("GetFlow(flows[%d]) mismatch (-want +got):\n%s", i, diff)
			}
			runs := mustListRuns(t, s, w.ID, store.Query{Limit: 10})
			wantRuns := slices.Clone(in.Flows[i].Runs)
			slices.SortFunc(wantRuns, func(a, b store.Run) int { return a.StartDateTime.Compare(b.StartDateTime) })
			if len(runs.Runs) != len(wantRuns) {
				t.Errorf("ListRuns(flows[%d]) = %d runs; want %d", i, len(runs.Runs), len(wantRuns))
				continue
			}
			for j := range wantRuns {
				wantRuns[j] = wantRuns[j].Clone()
				wantRuns[j].FlowID = w.ID
				if wantRuns[j].ID == "" {
					if runs.Runs[j].ID == "" {
						t.Errorf("flows[%d] run %d id = %q; want one assigned", i, j, runs.Runs[j].ID)
					}
					wantRuns[j].ID = runs.Runs[j].ID
				}
			}
			if diff := cmp.Diff(wantRuns, runs.Runs, asStored); diff != "" {
				t.Errorf("ListRuns(flows[%d]) by start time: mismatch (-want +got):\n%s", i, diff)
			}
		}
		if _, err := s.GetRun(ctx, "flow-c", "run-2"); err != nil {
			t.Errorf("GetRun(a run the fixture gives an id) error = %v", err)
		}
		if _, err := s.GetFlow(ctx, old.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetFlow(a flow from before the load) error = %v; want ErrNotFound", err)
		}
		if _, err := s.GetRun(ctx, old.ID, oldRun.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetRun(a run from before the load) error = %v; want ErrNotFound", err)
		}
		dir, err := s.Directory(ctx)
		if err != nil {
			t.Fatalf("Directory() error = %v", err)
		}
		if diff := cmp.Diff(in.Directory, dir); diff != "" {
			t.Errorf("Directory() mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("the store keeps none of the fixture's memory", func(t *testing.T) {
		s := newStore(t)
		in := fixture(t)
		mustLoad(t, s, in)
		want := snapshot(t, s)
		in.Flows[0].InviteeUserIDs[0] = "changed"
		in.Flows[0].Runs[1].BlockingError[0] = 'X'
		*in.Flows[0].Runs[1].EndDateTime = time.Time{}
		in.Directory[0].DisplayName = "changed"
		if diff := cmp.Diff(want, snapshot(t, s), asStored); diff != "" {
			t.Errorf("changes to the fixture reach the store (-want +got):\n%s", diff)
		}
	})

	t.Run("a run without a start time starts when the fixture is loaded", func(t *testing.T) {
		s := newStore(t)
		before := time.Now()
		mustLoad(t, s, store.Fixture{Flows: []store.FixtureFlow{{
			Flow: flowWithID("a", "flow-a"),
			Runs: []store.Run{{ID: "run-a", DisplayName: "run a", Status: "running"}},
		}}})
		after := time.Now()
		got, err := s.GetRun(ctx, "flow-a", "run-a")
		if err != nil {
			t.Fatalf("GetRun() error = %v", err)
		}
		if got.StartDateTime.Before(before.Truncate(time.Microsecond)) || got.StartDateTime.After(after) {
			t.Errorf("startDateTime = %v; want the time of the load, from %v to %v", got.StartDateTime, before, after)
		}
	})

	t.Run("each load gives the flows new eTags", func(t *testing.T) {
		s := newStore(t)
		mustLoad(t, s, fixture(t))
		first := snapshot(t, s)
		mustLoad(t, s, fixture(t)) // the same ids again: a reset
		second := snapshot(t, s)
		for i := range first.Flows {
			if first.Flows[i].ETag == second.Flows[i].ETag {
				t.Errorf("flows[%d] eTag %q is the same after a second load; want a new one", i, first.Flows[i].ETag)
			}
		}
		name := "renamed"
		if _, err := s.UpdateFlow(ctx, "flow-c", store.Patch{DisplayName: &name}, []string{first.Flows[0].ETag}); !errors.Is(err, store.ErrPreconditionFailed) {
			t.Errorf("UpdateFlow(eTag from before the load) error = %v; want ErrPreconditionFailed", err)
		}
		if _, err := s.UpdateFlow(ctx, "flow-c", store.Patch{DisplayName: &name}, []string{second.Flows[0].ETag}); err != nil {
			t.Errorf("UpdateFlow(eTag of the load) error = %v", err)
		}
	})

	t.Run("a load drops the runs of the flows it replaces", func(t *testing.T) {
		s := newStore(t)
		mustLoad(t, s, fixture(t))
		mustLoad(t, s, store.Fixture{Flows: []store.FixtureFlow{{Flow: flowWithID("c again", "flow-c")}}})
		if got := mustListRuns(t, s, "flow-c", store.Query{Limit: 10, Count: true}); got.Count != 0 || len(got.Runs) != 0 {
			t.Errorf("ListRuns(flow-c) = %d runs, count %d; want none", len(got.Runs), got.Count)
		}
		if _, err := s.GetRun(ctx, "flow-c", "run-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetRun(a run of the previous load) error = %v; want ErrNotFound", err)
		}
	})

	t.Run("a fixture that gives an id twice changes nothing", func(t *testing.T) {
		tests := []struct {
			name  string
			flows []store.FixtureFlow
		}{
			{
				name: "two flows of the same id",
				flows: []store.FixtureFlow{
					{Flow: flowWithID("x", "flow-x")},
					{Flow: flowWithID("y", ""), Runs: []store.Run{sampleRun(t, "y", "2026-01-01T00:00:00Z")}},
					{Flow: flowWithID("x again", "flow-x")},
				},
			},
			{
				name: "two runs of the same id in a flow",
				flows: []store.FixtureFlow{
					{Flow: flowWithID("x", "flow-x")},
					{Flow: flowWithID("y", "flow-y"), Runs: []store.Run{
						withID(sampleRun(t, "1", "2026-01-01T00:00:00Z"), "run-dup"),
						withID(sampleRun(t, "2", "2026-01-02T00:00:00Z"), "run-dup"),
					}},
				},
			},
			{
				name: "two runs of the same id in different flows",
				flows: []store.FixtureFlow{
					{Flow: flowWithID("x", "flow-x"), Runs: []store.Run{withID(sampleRun(t, "1", "2026-01-01T00:00:00Z"), "run-dup")}},
					{Flow: flowWithID("y", "flow-y"), Runs: []store.Run{withID(sampleRun(t, "2", "2026-01-02T00:00:00Z"), "run-dup")}},
				},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := newStore(t)
				mustLoad(t, s, fixture(t))
				created := mustCreate(t, s, sample("created"))
				mustCreateRun(t, s, created.ID, sampleRun(t, "created", "2026-01-01T00:00:00Z"))
				want := snapshot(t, s)
				bad := store.Fixture{Flows: tt.flows, Directory: []store.User{{ID: "someone-else", DisplayName: "Someone Else"}}}
				if err := s.Load(ctx, bad); !errors.Is(err, store.ErrDuplicateID) {
					t.Errorf("Load() error = %v; want ErrDuplicateID", err)
				}
				if diff := cmp.Diff(want, snapshot(t, s), asStored); diff != "" {
					t.Errorf("a failed load changed the store (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("an empty fixture empties the store", func(t *testing.T) {
		s := newStore(t)
		mustLoad(t, s, fixture(t))
		mustCreate(t, s, sample("created"))
		mustLoad(t, s, store.Fixture{})
		if diff := cmp.Diff(state{Runs: map[string][]store.Run{}}, snapshot(t, s), asStored); diff != "" {
			t.Errorf("after loading an empty fixture (-want +got):\n%s", diff)
		}
		if got, err := s.ListFlows(ctx, store.Query{Count: true}); err != nil || got.Count != 0 {
			t.Errorf("ListFlows(count) = %d, %v; want 0", got.Count, err)
		}
		if _, err := s.GetRun(ctx, "flow-c", "run-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetRun(a loaded run) error = %v; want ErrNotFound", err)
		}
	})

	t.Run("flows created after a load list after the loaded ones", func(t *testing.T) {
		s := newStore(t)
		in := fixture(t)
		mustLoad(t, s, in)
		var want []string
		for _, f := range in.Flows {
			want = append(want, f.DisplayName)
		}
		for _, name := range []string{"created 1", "created 2"} {
			f := mustCreate(t, s, sample(name))
			if slices.Contains([]string{"flow-c", "flow-a"}, f.ID) {
				t.Errorf("CreateFlow() id = %q, the id of a loaded flow", f.ID)
			}
			want = append(want, f.DisplayName)
		}
		var got []string
		q := store.Query{Limit: 2}
		for range 10 {
			p, err := s.ListFlows(ctx, q)
			if err != nil {
				t.Fatalf("ListFlows() error = %v", err)
			}
			got = append(got, names(p.Flows)...)
			if p.Next == nil {
				break
			}
			q.After = p.Next
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListFlows() paged by 2: mismatch (-want +got):\n%s", diff)
		}

		r := mustCreateRun(t, s, "flow-c", sampleRun(t, "created", "2026-01-01T12:00:00Z"))
		runs := mustListRuns(t, s, "flow-c", store.Query{Limit: 10})
		if diff := cmp.Diff([]string{"run first", "run created", "run second"}, runNames(runs.Runs)); diff != "" {
			t.Errorf("ListRuns(loaded flow) after CreateRun: mismatch (-want +got):\n%s", diff)
		}
		if r.ID == "run-2" {
			t.Errorf("CreateRun() id = %q, the id of a loaded run", r.ID)
		}
	})
}

// RunSessions runs the conformance suite of store.Sessions against the sessions newSessions
// makes; each test gets new ones, with no session. It runs Run against the stores of
// sessions, too.
func RunSessions(t *testing.T, newSessions func(t *testing.T) store.Sessions) {
	ctx := context.Background()
	// t0 is a time every backend keeps exactly: PostgreSQL keeps microseconds.
	t0 := time.Date(2026, 11, 28, 9, 30, 0, 123456000, time.UTC)
	open := func(t *testing.T, ss store.Sessions, name string) (store.Store, bool) {
		t.Helper()
		s, created, err := ss.Open(ctx, name, nil, t0)
		if err != nil {
			t.Fatalf("Open(%q) error = %v", name, err)
		}
		return s, created
	}
	list := func(t *testing.T, ss store.Sessions) []store.SessionInfo {
		t.Helper()
		got, err := ss.List(ctx)
		if err != nil {
			t.Fatalf("List() error = %v", err)
		}
		return got
	}
	sessionNames := func(t *testing.T, ss store.Sessions) []string {
		t.Helper()
		var names []string
		for _, s := range list(t, ss) {
			names = append(names, s.Name)
		}
		return names
	}

	t.Run("stores of sessions", func(t *testing.T) {
		Run(t, func(t *testing.T) store.Store {
			s, _ := open(t, newSessions(t), "conformance")
			return s
		})
	})

	t.Run("open creates a session once", func(t *testing.T) {
		ss := newSessions(t)
		if got := list(t, ss); got == nil || len(got) != 0 {
			t.Errorf("List() of new sessions = %#v; want an empty list", got)
		}
		if _, created := open(t, ss, "a"); !created {
			t.Errorf("first Open(a) created = false; want true")
		}
		if _, created := open(t, ss, "a"); created {
			t.Errorf("second Open(a) created = true; want false")
		}
		if diff := cmp.Diff([]string{"a"}, sessionNames(t, ss)); diff != "" {
			t.Errorf("List() mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("a name gives the same state, and names are isolated", func(t *testing.T) {
		ss := newSessions(t)
		a, _ := open(t, ss, "a")
		b, _ := open(t, ss, "b")
		f := mustCreate(t, a, sample("a"))
		mustLoad(t, b, store.Fixture{Directory: []store.User{{ID: "u", DisplayName: "U", GlobalAdministrator: true}}})

		again, _ := open(t, ss, "a")
		if _, err := again.GetFlow(ctx, f.ID); err != nil {
			t.Errorf("GetFlow() through a second Open(a) error = %v; want the flow", err)
		}
		if _, err := b.GetFlow(ctx, f.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetFlow(flow of a) in b error = %v; want ErrNotFound", err)
		}
		if dir, err := again.Directory(ctx); err != nil || len(dir) != 0 {
			t.Errorf("Directory() of a = %+v, %v; want none: b's load reached a", dir, err)
		}
	})

	t.Run("drop removes the session", func(t *testing.T) {
		ss := newSessions(t)
		a, _ := open(t, ss, "a")
		b, _ := open(t, ss, "b")
		mustCreate(t, a, sample("a"))
		kept := mustCreate(t, b, sample("b"))
		if err := ss.Drop(ctx, "a"); err != nil {
			t.Fatalf("Drop(a) error = %v", err)
		}
		if diff := cmp.Diff([]string{"b"}, sessionNames(t, ss)); diff != "" {
			t.Errorf("List() after Drop(a) mismatch (-want +got):\n%s", diff)
		}
		reopened, created := open(t, ss, "a")
		if !created {
			t.Errorf("Open(a) after Drop(a) created = false; want true")
		}
		if p, err := reopened.ListFlows(ctx, store.Query{Limit: 10, Count: true}); err != nil || p.Count != 0 {
			t.Errorf("ListFlows() of a after Drop(a) = %d flows, %v; want an empty session", p.Count, err)
		}
		if _, err := b.GetFlow(ctx, kept.ID); err != nil {
			t.Errorf("GetFlow() in b after Drop(a) error = %v; want b kept", err)
		}
	})

	t.Run("dropping an unknown session is not found", func(t *testing.T) {
		ss := newSessions(t)
		if err := ss.Drop(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Drop(missing) error = %v; want ErrNotFound", err)
		}
		open(t, ss, "a")
		if err := ss.Drop(ctx, "a"); err != nil {
			t.Fatalf("Drop(a) error = %v", err)
		}
		if err := ss.Drop(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second Drop(a) error = %v; want ErrNotFound", err)
		}
	})

	t.Run("names are sorted by code point", func(t *testing.T) {
		ss := newSessions(t)
		for _, name := range []string{"suite-2", "default", "suite-10", "Zeta", "alpha"} {
			open(t, ss, name)
		}
		want := []string{"Zeta", "alpha", "default", "suite-10", "suite-2"}
		if diff := cmp.Diff(want, sessionNames(t, ss)); diff != "" {
			t.Errorf("List() mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("concurrent opens of a new name create it once", func(t *testing.T) {
		ss := newSessions(t)
		const openers, rounds = 32, 50
		for round := range rounds {
			name := fmt.Sprint("race-", round)
			stores := make([]store.Store, openers)
			created := make([]bool, openers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range openers {
				wg.Go(func() {
					<-start // all at once, to race
					s, c, err := ss.Open(ctx, name, nil, t0)
					if err != nil {
						t.Errorf("Open(%s) error = %v", name, err)
						return
					}
					stores[i], created[i] = s, c
				})
			}
			close(start)
			wg.Wait()
			if t.Failed() {
				return
			}
			if n := len(slices.DeleteFunc(created, func(c bool) bool { return !c })); n != 1 {
				t.Errorf("%d concurrent Open(%s): %d created it; want 1", openers, name, n)
			}
			f := mustCreate(t, stores[0], sample("a"))
			for i, s := range stores {
				if _, err := s.GetFlow(ctx, f.ID); err != nil {
					t.Errorf("GetFlow() through opener %d of %s error = %v; want one session for all", i, name, err)
				}
			}
		}
	})

	t.Run("a new session holds its seed, an existing one is not seeded again", func(t *testing.T) {
		ss := newSessions(t)
		seed := fixture(t)
		s, created, err := ss.Open(ctx, "seeded", &seed, t0)
		if err != nil || !created {
			t.Fatalf("Open(seeded, seed) = created %v, error %v; want a new session", created, err)
		}
		want := snapshot(t, s)
		if len(want.Flows) != len(seed.Flows) || len(want.Directory) != len(seed.Directory) {
			t.Fatalf("a new session holds %d flows and %d users; want the seed's %d and %d",
				len(want.Flows), len(want.Directory), len(seed.Flows), len(seed.Directory))
		}
		mustCreate(t, s, sample("own"))
		want = snapshot(t, s)
		other := store.Fixture{Flows: []store.FixtureFlow{{Flow: sample("other seed")}}}
		again, created, err := ss.Open(ctx, "seeded", &other, t0.Add(time.Hour))
		if err != nil || created {
			t.Fatalf("second Open(seeded, seed) = created %v, error %v; want the session as it is", created, err)
		}
		if diff := cmp.Diff(want, snapshot(t, again)); diff != "" {
			t.Errorf("a second Open with a seed changed the session (-want +got):\n%s", diff)
		}
		if got := list(t, ss); len(got) != 1 || !got[0].LastUsed.Equal(t0) {
			t.Errorf("List() = %+v; want seeded last used at %v: Open records a use when it creates only", got, t0)
		}
	})

	t.Run("a seed that cannot be loaded creates nothing", func(t *testing.T) {
		ss := newSessions(t)
		bad := store.Fixture{Flows: []store.FixtureFlow{{Flow: flowWithID("a", "twice")}, {Flow: flowWithID("b", "twice")}}}
		if _, _, err := ss.Open(ctx, "bad", &bad, t0); !errors.Is(err, store.ErrDuplicateID) {
			t.Errorf("Open(bad, a seed with an id twice) error = %v; want ErrDuplicateID", err)
		}
		if got := list(t, ss); len(got) != 0 {
			t.Errorf("List() = %+v after a failed Open; want no session", got)
		}
		if _, created := open(t, ss, "bad"); !created {
			t.Errorf("Open(bad) after a failed Open created = false; want a new session")
		}
	})

	t.Run("concurrent opens of a new name all see its seed", func(t *testing.T) {
		ss := newSessions(t)
		seed := fixture(t)
		const openers = 16
		counts := make([]int, openers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range openers {
			wg.Go(func() {
				<-start
				s, _, err := ss.Open(ctx, "seeding", &seed, t0)
				if err != nil {
					t.Errorf("Open(seeding) error = %v", err)
					return
				}
				p, err := s.ListFlows(ctx, store.Query{Limit: 100, Count: true})
				if err != nil {
					t.Errorf("ListFlows() error = %v", err)
					return
				}
				counts[i] = p.Count
			})
		}
		close(start)
		wg.Wait()
		for i, n := range counts {
			if n != len(seed.Flows) {
				t.Errorf("opener %d saw %d flows right after Open; want the seed's %d", i, n, len(seed.Flows))
			}
		}
	})

	t.Run("touch records the latest use", func(t *testing.T) {
		ss := newSessions(t)
		open(t, ss, "a")
		open(t, ss, "b")
		steps := []struct {
			name string
			at   time.Time
			want time.Time
		}{
			{name: "a later use is recorded", at: t0.Add(time.Minute), want: t0.Add(time.Minute)},
			{name: "an earlier use changes nothing", at: t0.Add(time.Second), want: t0.Add(time.Minute)},
			{name: "a use at the recorded time changes nothing", at: t0.Add(time.Minute), want: t0.Add(time.Minute)},
		}
		for _, st := range steps {
			if err := ss.Touch(ctx, "a", st.at); err != nil {
				t.Fatalf("%s: Touch(a) error = %v", st.name, err)
			}
			want := []store.SessionInfo{{Name: "a", LastUsed: st.want}, {Name: "b", LastUsed: t0}}
			if diff := cmp.Diff(want, list(t, ss)); diff != "" {
				t.Errorf("%s: List() mismatch (-want +got):\n%s", st.name, diff)
			}
		}
		if err := ss.Touch(ctx, "missing", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Touch(missing) error = %v; want ErrNotFound", err)
		}
		if got := sessionNames(t, ss); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("List() after Touch(missing) = %q; want a and b alone", got)
		}
	})

	t.Run("drop idle drops the sessions last used before the time, but the one kept", func(t *testing.T) {
		ss := newSessions(t)
		uses := map[string]time.Duration{"default": 0, "old": 0, "older": -time.Hour, "edge": time.Minute, "fresh": 2 * time.Minute}
		kept := map[string]store.Flow{}
		for name, d := range uses {
			s, _, err := ss.Open(ctx, name, nil, t0.Add(d))
			if err != nil {
				t.Fatalf("Open(%s) error = %v", name, err)
			}
			kept[name] = mustCreate(t, s, sample(name))
		}
		dropped, err := ss.DropIdle(ctx, t0.Add(time.Minute), "default")
		if err != nil {
			t.Fatalf("DropIdle() error = %v", err)
		}
		if diff := cmp.Diff([]string{"old", "older"}, dropped); diff != "" {
			t.Errorf("DropIdle() dropped mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"default", "edge", "fresh"}, sessionNames(t, ss)); diff != "" {
			t.Errorf("List() after DropIdle() mismatch (-want +got):\n%s", diff)
		}
		for _, name := range []string{"default", "edge", "fresh"} {
			s, created := open(t, ss, name)
			if _, err := s.GetFlow(ctx, kept[name].ID); created || err != nil {
				t.Errorf("session %s after DropIdle(): created %v, GetFlow() error %v; want it kept whole", name, created, err)
			}
		}
		s, created := open(t, ss, "old")
		if _, err := s.GetFlow(ctx, kept["old"].ID); !created || !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Open(old) after DropIdle(): created %v, GetFlow() error %v; want a new, empty session", created, err)
		}
		if dropped, err := ss.DropIdle(ctx, t0.Add(-2*time.Hour), ""); err != nil || dropped == nil || len(dropped) != 0 {
			t.Errorf("DropIdle(before every use) = %#v, %v; want an empty list", dropped, err)
		}
	})
}

// state is everything a store holds, as its listings give it.
type state struct {
	Flows     []store.Flow
	Runs      map[string][]store.Run // by flow id
	Directory []store.User
}

// snapshot returns everything s holds.
func snapshot(t *testing.T, s store.Store) state {
	t.Helper()
	ctx := context.Background()
	page, err := s.ListFlows(ctx, store.Query{Limit: 1000})
	if err != nil {
		t.Fatalf("ListFlows() error = %v", err)
	}
	st := state{Flows: page.Flows, Runs: map[string][]store.Run{}}
	for _, f := range page.Flows {
		st.Runs[f.ID] = mustListRuns(t, s, f.ID, store.Query{Limit: 1000}).Runs
	}
	if st.Directory, err = s.Directory(ctx); err != nil {
		t.Fatalf("Directory() error = %v", err)
	}
	return st
}

// fixture returns a fixture with flows in neither the order of their names nor of their ids,
// some with ids and some without, with runs, and a directory.
func fixture(t *testing.T) store.Fixture {
	t.Helper()
	end := at(t, "2026-01-01T02:04:31.5Z")
	return store.Fixture{
		Flows: []store.FixtureFlow{
			{Flow: flowWithID("z", "flow-c"), Runs: []store.Run{
				{ID: "run-2", DisplayName: "run second", Status: "running", StartDateTime: at(t, "2026-01-02T02:00:00Z")},
				{DisplayName: "run first", Status: "failed", StartDateTime: at(t, "2026-01-01T02:00:00Z"), EndDateTime: &end,
					BlockingError: json.RawMessage(`{"code":"InvitationExpired","message":"The invitation expired."}`),
					Statistics:    json.RawMessage(`{"runId":"r","status":"failed"}`)},
			}},
			{Flow: flowWithID("x", "")},
			{Flow: flowWithID("y", "flow-a"), Runs: []store.Run{
				{ID: "run-1", DisplayName: "run only", Status: "completed", StartDateTime: at(t, "2026-01-01T03:00:00+01:00"), EndDateTime: &end},
			}},
		},
		Directory: []store.User{
			{ID: "2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b", DisplayName: "Megan Bowen", GlobalAdministrator: true},
			{ID: "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d", DisplayName: "Lee Gu"},
		},
	}
}

func flowWithID(name, id string) store.Flow {
	f := sample(name)
	f.DisplayName = "loaded " + name
	f.ID = id
	return f
}

func withID(r store.Run, id string) store.Run {
	r.ID = id
	return r
}

func sampleRun(t *testing.T, name, start string) store.Run {
	t.Helper()
	return store.Run{DisplayName: "run " + name, Status: "completed", StartDateTime: at(t, start)}
}

// at parses an RFC 3339 time.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// scribble changes what r points at, as a careless caller would.
func scribble(r *store.Run) {
	if r.EndDateTime != nil {
		*r.EndDateTime = r.EndDateTime.Add(time.Hour)
	}
	for _, raw := range []json.RawMessage{r.BlockingError, r.Statistics} {
		if len(raw) > 0 {
			raw[0] = 'X'
		}
	}
}

func mustLoad(t *testing.T, s store.Store, f store.Fixture) {
	t.Helper()
	if err := s.Load(context.Background(), f); err != nil {
		t.Fatalf("Load() error = %v", err)
	}
}

func mustCreateRun(t *testing.T, s store.Store, flowID string, r store.Run) store.Run {
	t.Helper()
	created, err := s.CreateRun(context.Background(), flowID, r)
	if err != nil {
		t.Fatalf("CreateRun() error = %v", err)
	}
	return created
}

func mustListRuns(t *testing.T, s store.Store, flowID string, q store.Query) store.RunPage {
	t.Helper()
	p, err := s.ListRuns(context.Background(), flowID, q)
	if err != nil {
		t.Fatalf("ListRuns(%+v) error = %v", q, err)
	}
	return p
}

// pageRuns lists every run q selects, page after page, following the cursors.
func pageRuns(t *testing.T, s store.Store, flowID string, q store.Query) []store.Run {
	t.Helper()
	var runs []store.Run
	for range 100 {
		p := mustListRuns(t, s, flowID, q)
		runs = append(runs, p.Runs...)
		if p.Next == nil {
			return runs
		}
		q.After, q.Skip = p.Next, 0
	}
	t.Fatalf("paging does not end")
	return nil
}

func runNames(runs []store.Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.DisplayName
	}
	return out
}

func runIDs(runs []store.Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}
