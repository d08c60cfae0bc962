// Package storetest is the conformance suite of store.Store: every backend runs it.
package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/datashare/datashare/server/odata"
	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
)

// Run runs the conformance suite against the stores newStore makes; each test gets a new,
// empty store.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("listing", func(t *testing.T) { RunListing(t, newStore) })
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
