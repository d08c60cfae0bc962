// Package storetest is the conformance suite of store.Store: every backend runs it.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
)

// Run runs the conformance suite against the stores newStore makes; each test gets a new,
// empty store.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
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
