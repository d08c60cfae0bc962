package pgstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datashare/datashare/server/odata"
	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
)

func TestOpenUnreachableFailsFastWithoutThePassword(t *testing.T) {
	t.Parallel()
	const password = "s3cr3t-Pa55"
	tests := []struct {
		name, dsn string
		want      []string
	}{
		{
			name: "nothing listens",
			dsn:  "postgres://someone:" + password + "@127.0.0.1:1/inventory?sslmode=disable",
			want: []string{"127.0.0.1:1", `database "inventory"`, "not reachable"},
		},
		{
			name: "a key=value string",
			dsn:  "host=127.0.0.1 port=1 dbname=inventory user=someone password=" + password + " sslmode=disable",
			want: []string{"127.0.0.1:1", `database "inventory"`},
		},
		{
			name: "an unparsable URL",
			dsn:  "postgres://someone:" + password + "@127.0.0.1:port/inventory",
			want: []string{"parse the database URL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			b, err := Open(ctx, tt.dsn)
			if err == nil {
				_ = b.Close()
				t.Fatal("Open() = no error; want one")
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("Open() took %v to fail; want it to fail fast", elapsed)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("Open() error = %q; it shows the password", err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Open() error = %q; want it to say %q", err, want)
				}
			}
		})
	}
}

func TestNameAndPing(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	if got := b.Name(); got != "postgres" {
		t.Errorf("Name() = %q; want postgres", got)
	}
	ctx := context.Background()
	if err := b.Ping(ctx); err != nil {
		t.Fatalf("Ping() error = %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close() error = %v", err)
	}
	if err := b.Ping(ctx); err == nil {
		t.Error("Ping() after Close() = nil; want an error")
	}
}

func TestTwoBackendsShareOneDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testDSN(t)
	one, two := openTest(t, dsn), openTest(t, dsn)
	a := session(t, one, "shared")
	b, created, err := two.Open(ctx, "shared", nil, time.Now())
	if err != nil || created {
		t.Fatalf("Open(shared) through the second backend = _, %v, %v; want the existing session", created, err)
	}

	f, err := a.CreateFlow(ctx, store.Flow{DisplayName: "written by one", InviteeUserIDs: []string{"u"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.GetFlow(ctx, f.ID)
	if err != nil {
		t.Fatalf("GetFlow() through the second backend error = %v", err)
	}
	if diff := cmp.Diff(f, got); diff != "" {
		t.Errorf("GetFlow() through the second backend mismatch (-want +got):\n%s", diff)
	}
	name := "renamed by two"
	updated, err := b.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &name}, []string{f.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &name}, []string{f.ETag}); !errors.Is(err, store.ErrPreconditionFailed) {
		t.Errorf("UpdateFlow(eTag from before the other backend's update) error = %v; want ErrPreconditionFailed", err)
	}
	if got, _ := a.GetFlow(ctx, f.ID); got.ETag != updated.ETag || got.DisplayName != name {
		t.Errorf("GetFlow() through the first backend = %+v; want the second's update", got)
	}
	if err := one.Drop(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	if names, err := two.List(ctx); err != nil || len(names) != 0 {
		t.Errorf("List() through the second backend after a drop = %+v, %v; want none", names, err)
	}
	if _, err := b.GetFlow(ctx, f.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetFlow() of a dropped session error = %v; want ErrNotFound", err)
	}
}

// TestConditionalWritesRaceAcrossBackends races writers with the same eTag through two
// backends, as replicas of the server would: exactly one wins.
func TestConditionalWritesRaceAcrossBackends(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testDSN(t)
	backends := []*Backend{openTest(t, dsn), openTest(t, dsn)}
	stores := []store.Store{session(t, backends[0], "race"), nil}
	stores[1], _, _ = backends[1].Open(ctx, "race", nil, time.Now())

	for round := range 5 {
		f, err := stores[0].CreateFlow(ctx, store.Flow{DisplayName: "contended"})
		if err != nil {
			t.Fatal(err)
		}
		const writers = 16
		errs := make([]error, writers)
		names := make([]string, writers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range writers {
			names[i] = string(rune('A' + i))
			wg.Go(func() {
				<-start
				s := stores[i%2]
				if round%2 == 1 && i%4 == 0 { // some delete instead
					errs[i] = s.DeleteFlow(ctx, f.ID, []string{f.ETag})
					return
				}
				_, errs[i] = s.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &names[i]}, []string{f.ETag})
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("round %d: writers %d and %d both won with the same eTag", round, winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, store.ErrPreconditionFailed) && !errors.Is(err, store.ErrNotFound):
				t.Errorf("round %d: writer %d error = %v; want ErrPreconditionFailed or ErrNotFound", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no writer won", round)
		}
		got, err := stores[1].GetFlow(ctx, f.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if round%2 == 0 || winner%4 != 0 {
				t.Errorf("round %d: the flow is gone, but writer %d, who won, updated it", round, winner)
			}
		case err != nil:
			t.Fatal(err)
		case got.DisplayName != names[winner]:
			t.Errorf("round %d: display name = %q; want %q, the winner's", round, got.DisplayName, names[winner])
		}
	}
}

func TestWritesToADroppedSessionAreNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newBackend(t)
	s := session(t, b, "gone")
	f, err := s.CreateFlow(ctx, store.Flow{DisplayName: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Drop(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateFlow(ctx, store.Flow{DisplayName: "b"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateFlow() in a dropped session error = %v; want ErrNotFound", err)
	}
	if _, err := s.CreateRun(ctx, f.ID, store.Run{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateRun() in a dropped session error = %v; want ErrNotFound", err)
	}
	if err := s.Load(ctx, store.Fixture{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Load() in a dropped session error = %v; want ErrNotFound", err)
	}
	if names, _ := b.List(ctx); len(names) != 0 {
		t.Errorf("List() = %+v; want the dropped session to stay dropped", names)
	}
}

func TestWhatPostgreSQLCannotHold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := session(t, newBackend(t), "text")
	if _, err := s.CreateFlow(ctx, store.Flow{DisplayName: "nul\x00inside"}); err == nil {
		t.Error("CreateFlow(a NUL in the display name) = no error; want one")
	}
	if p, err := s.ListFlows(ctx, store.Query{Count: true}); err != nil || p.Count != 0 {
		t.Errorf("after a failed create: count %d, %v; want no flow", p.Count, err)
	}
	f, err := s.CreateFlow(ctx, store.Flow{DisplayName: "a"})
	if err != nil {
		t.Fatal(err)
	}
	bad := "nul\x00"
	if _, err := s.UpdateFlow(ctx, f.ID, store.Patch{DisplayName: &bad}, nil); err == nil {
		t.Error("UpdateFlow(a NUL in the display name) = no error; want one")
	}
	if got, _ := s.GetFlow(ctx, f.ID); got.DisplayName != "a" || got.ETag != f.ETag {
		t.Errorf("after a failed update: %+v; want it unchanged", got)
	}
	for _, keys := range [][]string{{"a\x00", "id"}, {"\xff", "id"}, {"a", "id\x00"}} {
		q := store.Query{Limit: 1, OrderBy: []odata.OrderItem{{Prop: "displayName"}}, After: &store.Cursor{Keys: keys}}
		if _, err := s.ListFlows(ctx, q); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("ListFlows(cursor %q) error = %v; want ErrInvalidCursor: the store never gives it", keys, err)
		}
	}
}

func TestListingEdges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := session(t, newBackend(t), "edges")
	var ids []string
	for _, name := range []string{"a", "b", "c"} {
		f, err := s.CreateFlow(ctx, store.Flow{DisplayName: name})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	p, err := s.ListFlows(ctx, store.Query{Limit: 10, Count: true, After: &store.Cursor{Keys: []string{"18446744073709551615"}}})
	if err != nil || len(p.Flows) != 0 || p.Count != 3 || p.Next != nil {
		t.Errorf("ListFlows(after the largest position) = %d flows, count %d, next %v, %v; want none, 3, none", len(p.Flows), p.Count, p.Next, err)
	}
	for _, key := range []string{"18446744073709551616", "-1", "+1", "", "1.0"} {
		if _, err := s.ListFlows(ctx, store.Query{Limit: 1, After: &store.Cursor{Keys: []string{key}}}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("ListFlows(cursor %q) error = %v; want ErrInvalidCursor", key, err)
		}
	}
	q := store.Query{Limit: 1, OrderBy: []odata.OrderItem{{Prop: "nonesuch", Desc: true}}}
	var got []string
	for range 5 {
		p, err := s.ListFlows(ctx, q)
		if err != nil {
			t.Fatalf("ListFlows(order by a property without a column) error = %v", err)
		}
		for _, f := range p.Flows {
			got = append(got, f.ID)
		}
		if p.Next == nil {
			break
		}
		q.After = p.Next
	}
	if want := slices.Sorted(slices.Values(ids)); !cmp.Equal(want, got) {
		t.Errorf("ListFlows(order by a property without a column) = %q; want by id, %q", got, want)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.ListFlows(cancelled, store.Query{Limit: 10}); !errors.Is(err, context.Canceled) {
		t.Errorf("ListFlows(cancelled context) error = %v; want context.Canceled", err)
	}
	if _, err := s.CreateFlow(cancelled, store.Flow{}); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateFlow(cancelled context) error = %v; want context.Canceled", err)
	}
}

// TestCountAgreesWithPageUnderWrites proves that a listing's count and its page are read in
// one snapshot: while another backend creates flows, a listing that holds every flow counts
// as many as it lists. (Read in two snapshots, a create between them makes them differ.)
func TestCountAgreesWithPageUnderWrites(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := testDSN(t)
	reader, writer := session(t, openTest(t, dsn), "counted"), openTest(t, dsn)
	ws, _, err := writer.Open(ctx, "counted", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if _, err := ws.CreateFlow(ctx, store.Flow{DisplayName: "churn", ReadinessStatus: "ready", SharingState: "running", ShareName: "c"}); err != nil && ctx.Err() == nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := range 300 {
		p, err := reader.ListFlows(ctx, store.Query{Limit: 100_000, Count: true})
		if err != nil {
			t.Fatalf("listing %d: ListFlows() error = %v", i, err)
		}
		if p.Count != len(p.Flows) {
			t.Fatalf("listing %d: count %d, %d flows listed; want them equal", i, p.Count, len(p.Flows))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("CreateFlow() error = %v", err)
	}
}
