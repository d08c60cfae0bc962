package boltstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/datashare/datashare/server/store"
)

// benchSizes are the numbers of flows the benchmarks run with.
var benchSizes = []int{1_000, 100_000}

// seeded returns a session holding n flows, loaded in one Load, and how long the Load took
// (to report after b.Loop, which resets the metrics).
func seeded(b *testing.B, n int) (store.Store, time.Duration) {
	b.Helper()
	backend, _ := newBackend(b)
	s := mustSession(b, backend, "bench")
	f := store.Fixture{Flows: make([]store.FixtureFlow, n)}
	for i := range f.Flows {
		f.Flows[i].Flow = benchFlow(i)
	}
	start := time.Now()
	if err := s.Load(context.Background(), f); err != nil {
		b.Fatalf("Load() error = %v", err)
	}
	return s, time.Since(start)
}

func benchFlow(i int) store.Flow {
	return store.Flow{
		DisplayName:     fmt.Sprintf("flow %d", i),
		ReadinessStatus: "notReady",
		InviteeUserIDs:  []string{"2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"},
		SharingState:    "pending",
		ShareName:       fmt.Sprintf("share_%d", i),
	}
}

func BenchmarkCreate(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint("flows=", n), func(b *testing.B) {
			s, load := seeded(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			i := n
			for b.Loop() {
				if _, err := s.CreateFlow(ctx, benchFlow(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(load.Seconds(), "load-s")
		})
	}
}

func BenchmarkPatch(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint("flows=", n), func(b *testing.B) {
			s, load := seeded(b, n)
			ctx := context.Background()
			p, err := s.ListFlows(ctx, store.Query{Skip: n / 2, Limit: 1})
			if err != nil || len(p.Flows) != 1 {
				b.Fatalf("ListFlows() = %d flows, %v; want 1", len(p.Flows), err)
			}
			f := p.Flows[0]
			names := [2]string{"renamed", "renamed again"}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				f, err = s.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &names[i%2]}, []string{f.ETag})
				if err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(load.Seconds(), "load-s")
		})
	}
}

func BenchmarkListPage(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint("flows=", n), func(b *testing.B) {
			s, load := seeded(b, n)
			ctx := context.Background()
			middle, err := s.ListFlows(ctx, store.Query{Skip: n/2 - 1, Limit: 1})
			if err != nil || middle.Next == nil {
				b.Fatalf("ListFlows() = next %v, %v; want a cursor", middle.Next, err)
			}
			q := store.Query{After: middle.Next, Limit: 100}
			b.ReportAllocs()
			for b.Loop() {
				p, err := s.ListFlows(ctx, q)
				if err != nil || len(p.Flows) != 100 {
					b.Fatalf("ListFlows() = %d flows, %v; want 100", len(p.Flows), err)
				}
			}
			b.ReportMetric(load.Seconds(), "load-s")
		})
	}
}
