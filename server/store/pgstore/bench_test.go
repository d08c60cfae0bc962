package pgstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/datashare/datashare/server/store"
)

// benchFlows runs bench against a session loaded with n flows, for a thousand and a hundred
// thousand.
func benchFlows(b *testing.B, bench func(b *testing.B, s store.Store, n int)) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("flows=%d", n), func(b *testing.B) {
			s := session(b, newBackend(b), "bench")
			fixture := store.Fixture{Flows: make([]store.FixtureFlow, n)}
			for i := range fixture.Flows {
				fixture.Flows[i].Flow = store.Flow{
					ID:              fmt.Sprintf("flow-%06d", i),
					DisplayName:     fmt.Sprintf("Flow %d", i),
					ReadinessStatus: "ready",
					InviteeUserIDs:  []string{"2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"},
					SharingState:    "running",
					ShareName:       fmt.Sprintf("share_%d", i),
				}
			}
			if err := s.Load(context.Background(), fixture); err != nil {
				b.Fatalf("Load() error = %v", err)
			}
			b.ReportAllocs()
			bench(b, s, n)
		})
	}
}

func BenchmarkCreate(b *testing.B) {
	benchFlows(b, func(b *testing.B, s store.Store, _ int) {
		ctx := context.Background()
		f := store.Flow{DisplayName: "created", ReadinessStatus: "notReady", InviteeUserIDs: []string{"u"}, SharingState: "pending", ShareName: "s"}
		for b.Loop() {
			if _, err := s.CreateFlow(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPatch renames a flow under the precondition of its current eTag.
func BenchmarkPatch(b *testing.B) {
	benchFlows(b, func(b *testing.B, s store.Store, n int) {
		ctx := context.Background()
		f, err := s.GetFlow(ctx, fmt.Sprintf("flow-%06d", n/2))
		if err != nil {
			b.Fatal(err)
		}
		names := []string{"renamed a", "renamed b"}
		i := 0
		for b.Loop() {
			i++
			if f, err = s.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &names[i%2]}, []string{f.ETag}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkListPage lists a page of 100 flows in creation order, from the middle.
func BenchmarkListPage(b *testing.B) {
	benchFlows(b, func(b *testing.B, s store.Store, n int) {
		ctx := context.Background()
		first, err := s.ListFlows(ctx, store.Query{Skip: n/2 - 1, Limit: 1})
		if err != nil || first.Next == nil {
			b.Fatalf("ListFlows() = next %v, %v; want a cursor", first.Next, err)
		}
		q := store.Query{After: first.Next, Limit: 100}
		for b.Loop() {
			p, err := s.ListFlows(ctx, q)
			if err != nil || len(p.Flows) != 100 {
				b.Fatalf("ListFlows() = %d flows, %v; want 100", len(p.Flows), err)
			}
		}
	})
}
