package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/datashare/datashare/server/store"
)

// benchSizes are the numbers of flows Bench loads a session with before each benchmark.
var benchSizes = [...]int{1_000, 100_000}

// Bench measures the operations whose cost depends on how much a session holds: creating a
// flow, renaming one under its eTag, and listing a page of 100 from the middle of the creation
// order. Each runs against a session loaded with a thousand and with a hundred thousand flows;
// newStore returns an empty session. The time the Load took is reported as load-s.
func Bench(b *testing.B, newStore func(b *testing.B) store.Store) {
	b.Run("Create", func(b *testing.B) {
		benchLoaded(b, newStore, func(b *testing.B, s store.Store, n int) {
			ctx := context.Background()
			i := n
			for b.Loop() {
				if _, err := s.CreateFlow(ctx, benchFlow(i)); err != nil {
					b.Fatalf("CreateFlow() error = %v", err)
				}
				i++
			}
		})
	})
	b.Run("Patch", func(b *testing.B) {
		benchLoaded(b, newStore, func(b *testing.B, s store.Store, n int) {
			ctx := context.Background()
			f, err := s.GetFlow(ctx, benchID(n/2))
			if err != nil {
				b.Fatalf("GetFlow() error = %v", err)
			}
			names := [2]string{"renamed", "renamed again"}
			i := 0
			for b.Loop() {
				f, err = s.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &names[i%2]}, []string{f.ETag})
				if err != nil {
					b.Fatalf("UpdateFlow() error = %v", err)
				}
				i++
			}
		})
	})
	b.Run("ListPage", func(b *testing.B) {
		benchLoaded(b, newStore, func(b *testing.B, s store.Store, n int) {
			ctx := context.Background()
			middle, err := s.ListFlows(ctx, store.Query{Skip: n/2 - 1, Limit: 1})
			if err != nil || middle.Next == nil {
				b.Fatalf("ListFlows() = next %v, %v; want a cursor", middle.Next, err)
			}
			q := store.Query{After: middle.Next, Limit: 100}
			for b.Loop() {
				p, err := s.ListFlows(ctx, q)
				if err != nil || len(p.Flows) != 100 {
					b.Fatalf("ListFlows() = %d flows, %v; want 100", len(p.Flows), err)
				}
			}
		})
	})
}

// benchLoaded runs bench once per size against a fresh session loaded with that many flows.
func benchLoaded(b *testing.B, newStore func(b *testing.B) store.Store, bench func(b *testing.B, s store.Store, n int)) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint("flows=", n), func(b *testing.B) {
			s := newStore(b)
			f := store.Fixture{Flows: make([]store.FixtureFlow, n)}
			for i := range f.Flows {
				f.Flows[i].Flow = benchFlow(i)
				f.Flows[i].ID = benchID(i)
			}
			start := time.Now()
			if err := s.Load(context.Background(), f); err != nil {
				b.Fatalf("Load() error = %v", err)
			}
			load := time.Since(start)
			b.ReportAllocs()
			bench(b, s, n)
			// b.Loop resets the metrics, so the load time is reported after it.
			b.ReportMetric(load.Seconds(), "load-s")
		})
	}
}

func benchID(i int) string { return fmt.Sprintf("flow-%06d", i) }

func benchFlow(i int) store.Flow {
	return store.Flow{
		DisplayName:     fmt.Sprintf("flow %d", i),
		ReadinessStatus: "notReady",
		InviteeUserIDs:  []string{"2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"},
		SharingState:    "pending",
		ShareName:       fmt.Sprintf("share_%d", i),
	}
}
