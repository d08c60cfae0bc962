package pgstore

import (
	"context"
	"testing"

	"github.com/datashare/datashare/server/odata"
	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
)

// TestPatchMatchesApply applies a sequence of patches to a flow in PostgreSQL, whose UPDATE
// merges them in SQL, and in the memory store, which uses store.Patch.Apply: the flows, and
// whether each patch changed the eTag, must agree. A patch's folds must follow its values.
func TestPatchMatchesApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg, memory := session(t, newBackend(t), "patch"), store.NewMemory()
	str := func(s string) *string { return &s }
	patches := []struct {
		name string
		p    store.Patch
	}{
		{"nothing", store.Patch{}},
		{"the same name", store.Patch{DisplayName: str("Flow")}},
		{"another case is a change", store.Patch{DisplayName: str("FLOW")}},
		{"empty invitees equal none", store.Patch{InviteeUserIDs: []string{}}},
		{"an invitee", store.Patch{InviteeUserIDs: []string{"a"}}},
		{"the same invitee", store.Patch{InviteeUserIDs: []string{"a"}, ShareName: str("")}},
		{"nil invitees keep them", store.Patch{InviteeUserIDs: nil}},
		{"no invitee", store.Patch{InviteeUserIDs: []string{}}},
		{"no invitee again", store.Patch{InviteeUserIDs: []string{}}},
		{"one same, one changed", store.Patch{ReadinessStatus: str("ready"), SharingState: str("Running")}},
		{"every property", store.Patch{DisplayName: str("Straße"), ReadinessStatus: str("notReady"),
			SharingState: str("pending"), ShareName: str("ſhare"), InviteeUserIDs: []string{"\u212a", "b"}}},
		{"every property, the same", store.Patch{DisplayName: str("Straße"), ReadinessStatus: str("notReady"),
			SharingState: str("pending"), ShareName: str("ſhare"), InviteeUserIDs: []string{"\u212a", "b"}}},
		{"invitees in another order", store.Patch{InviteeUserIDs: []string{"b", "\u212a"}}},
		{"the empty string", store.Patch{DisplayName: str("")}},
	}
	start := store.Flow{DisplayName: "Flow", ReadinessStatus: "ready", SharingState: "running"}
	pgFlow, err := pg.CreateFlow(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	memFlow, _ := memory.CreateFlow(ctx, start)
	for _, tt := range patches {
		pgNext, err := pg.UpdateFlow(ctx, pgFlow.ID, tt.p, []string{pgFlow.ETag})
		if err != nil {
			t.Fatalf("%s: UpdateFlow() error = %v", tt.name, err)
		}
		memNext, _ := memory.UpdateFlow(ctx, memFlow.ID, tt.p, []string{memFlow.ETag})
		if pgChanged, memChanged := pgNext.ETag != pgFlow.ETag, memNext.ETag != memFlow.ETag; pgChanged != memChanged {
			t.Errorf("%s: eTag changed %v; the memory store's %v", tt.name, pgChanged, memChanged)
		}
		pgFlow, memFlow = pgNext, memNext
		want, got := memFlow, pgFlow
		want.ID, want.ETag = got.ID, got.ETag
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: flow mismatch with the memory store (-memory +postgres):\n%s", tt.name, diff)
		}
		if read, err := pg.GetFlow(ctx, pgFlow.ID); err != nil || !cmp.Equal(pgFlow, read) {
			t.Errorf("%s: GetFlow() = %+v, %v; want what UpdateFlow returned, %+v", tt.name, read, err, pgFlow)
		}
		filter := odata.And{
			L: odata.Compare{Prop: "displayName", Op: odata.Eq, Value: odata.Literal{S: pgFlow.DisplayName}},
			R: odata.Compare{Prop: "eTag", Op: odata.Eq, Value: odata.Literal{S: pgFlow.ETag}},
		}
		if p, err := pg.ListFlows(ctx, store.Query{Filter: filter, Count: true}); err != nil || p.Count != 1 {
			t.Errorf("%s: the flow by its display name and eTag: count %d, %v; want 1: stale folds", tt.name, p.Count, err)
		}
		for _, id := range pgFlow.InviteeUserIDs {
			invited := odata.Any{Prop: "inviteeUserIds", Var: "i", Pred: odata.Compare{Prop: "i", Op: odata.Eq, Value: odata.Literal{S: id}}}
			if p, err := pg.ListFlows(ctx, store.Query{Filter: invited, Count: true}); err != nil || p.Count != 1 {
				t.Errorf("%s: the flow by its invitee %q: count %d, %v; want 1: stale folds", tt.name, id, p.Count, err)
			}
		}
	}
}
