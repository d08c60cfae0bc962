package boltstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/server/store/storetest"
	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"
)

// testLockTimeout is how long tests wait for the lock of a file another Backend holds.
const testLockTimeout = 50 * time.Millisecond

// newBackend opens a backend on a new file, closed when the test ends.
func newBackend(t testing.TB) (*Backend, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	return mustOpen(t, path), path
}

func mustOpen(t testing.TB, path string) *Backend {
	t.Helper()
	b, err := open(path, testLockTimeout)
	if err != nil {
		t.Fatalf("Open(%s) error = %v", path, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func mustSession(t testing.TB, b *Backend, name string) store.Store {
	t.Helper()
	s, _, err := b.Open(context.Background(), name, nil, time.Now())
	if err != nil {
		t.Fatalf("Open(%q) error = %v", name, err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		b, _ := newBackend(t)
		return mustSession(t, b, "conformance")
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()
	storetest.RunSessions(t, func(t *testing.T) store.Sessions {
		b, _ := newBackend(t)
		return b
	})
}

func TestBackend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, _ := newBackend(t)
	if got := b.Name(); got != "bolt" {
		t.Errorf("Name() = %q; want bolt", got)
	}
	if err := b.Ping(ctx); err != nil {
		t.Errorf("Ping() error = %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close() error = %v", err)
	}
	if err := b.Ping(ctx); err == nil {
		t.Errorf("Ping() after Close() error = nil; want one")
	}
}

// TestReopen proves that the file keeps everything: flows, runs, eTags, the directory, the
// sessions, and the creation order, which goes on after reopening.
func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, path := newBackend(t)
	s := mustSession(t, b, "a")
	end := time.Date(2026, 1, 1, 2, 4, 31, 123456789, time.FixedZone("", 2*3600))
	fixture := store.Fixture{
		Flows: []store.FixtureFlow{
			{Flow: store.Flow{ID: "flow-1", DisplayName: "one", InviteeUserIDs: []string{"u"}}, Runs: []store.Run{{
				ID: "run-1", DisplayName: "run", Status: "failed", StartDateTime: end.Add(-time.Hour), EndDateTime: &end,
				BlockingError: json.RawMessage(`{"code":"x"}`), Statistics: json.RawMessage(`{"runId":"run-1"}`),
			}}},
			{Flow: store.Flow{ID: "flow-2", DisplayName: "two", InviteeUserIDs: []string{}}},
		},
		Directory: []store.User{{ID: "u", DisplayName: "U", GlobalAdministrator: true}},
	}
	if err := s.Load(ctx, fixture); err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	created, err := s.CreateFlow(ctx, store.Flow{DisplayName: "three"})
	if err != nil {
		t.Fatalf("CreateFlow() error = %v", err)
	}
	if _, err := s.CreateRun(ctx, created.ID, store.Run{DisplayName: "r", StartDateTime: end}); err != nil {
		t.Fatalf("CreateRun() error = %v", err)
	}
	mustSession(t, b, "b")
	before := dump(t, b)
	if err := b.Close(); err != nil {
		t.Fatalf("Close() error = %v", err)
	}

	b = mustOpen(t, path)
	if diff := cmp.Diff(before, dump(t, b)); diff != "" {
		t.Errorf("after reopening (-before +after):\n%s", diff)
	}
	s, created2, err := b.Open(ctx, "a", nil, time.Now())
	if err != nil || created2 {
		t.Fatalf("Open(a) after reopening = created %v, error %v; want the session kept", created2, err)
	}
	if _, err := s.CreateFlow(ctx, store.Flow{DisplayName: "four"}); err != nil {
		t.Fatalf("CreateFlow() error = %v", err)
	}
	var names []string
	q := store.Query{Limit: 1}
	for range 10 {
		p, err := s.ListFlows(ctx, q)
		if err != nil {
			t.Fatalf("ListFlows() error = %v", err)
		}
		for _, f := range p.Flows {
			names = append(names, f.DisplayName)
		}
		if p.Next == nil {
			break
		}
		q.After = p.Next
	}
	if diff := cmp.Diff([]string{"one", "two", "three", "four"}, names); diff != "" {
		t.Errorf("ListFlows() after reopening and creating (-want +got):\n%s", diff)
	}
}

// contents is everything a backend holds, by session.
type contents struct {
	Sessions []store.SessionInfo
	Content  map[string]sessionContents
}

type sessionContents struct {
	Flows     []store.Flow
	Runs      map[string][]store.Run
	Directory []store.User
}

func dump(t *testing.T, b *Backend) contents {
	t.Helper()
	ctx := context.Background()
	sessions, err := b.List(ctx)
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	c := contents{Sessions: sessions, Content: map[string]sessionContents{}}
	for _, info := range sessions {
		name := info.Name
		s := mustSession(t, b, name)
		p, err := s.ListFlows(ctx, store.Query{Limit: 100})
		if err != nil {
			t.Fatalf("ListFlows() error = %v", err)
		}
		sc := sessionContents{Flows: p.Flows, Runs: map[string][]store.Run{}}
		for _, f := range p.Flows {
			rp, err := s.ListRuns(ctx, f.ID, store.Query{Limit: 100})
			if err != nil {
				t.Fatalf("ListRuns() error = %v", err)
			}
			sc.Runs[f.ID] = rp.Runs
		}
		if sc.Directory, err = s.Directory(ctx); err != nil {
			t.Fatalf("Directory() error = %v", err)
		}
		c.Content[name] = sc
	}
	return c
}

// crashPathEnv, in the environment of the test binary, makes TestAcknowledgedWritesSurviveAKill
// the process that writes to that file and is killed.
const crashPathEnv = "BOLTSTORE_TEST_CRASH_PATH"

// TestAcknowledgedWritesSurviveAKill proves that a flow CreateFlow returned is in the file
// after the process that created it is killed (SIGKILL), with the file still open.
func TestAcknowledgedWritesSurviveAKill(t *testing.T) {
	ctx := context.Background()
	if path := os.Getenv(crashPathEnv); path != "" {
		b, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		s := mustSession(t, b, "a")
		for range 20 {
			f, err := s.CreateFlow(ctx, store.Flow{DisplayName: "survivor"})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Println(f.ID)
		}
		time.Sleep(time.Minute) // until killed
		return
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "store.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcknowledgedWritesSurviveAKill$")
	cmd.Env = append(os.Environ(), crashPathEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	lines := bufio.NewScanner(out)
	for len(ids) < 20 && lines.Scan() {
		ids = append(ids, lines.Text())
	}
	_ = cmd.Process.Kill() // SIGKILL
	_ = cmd.Wait()
	if len(ids) != 20 {
		t.Fatalf("the writer acknowledged %d flows; want 20", len(ids))
	}
	s := mustSession(t, mustOpen(t, path), "a")
	for _, id := range ids {
		if _, err := s.GetFlow(ctx, id); err != nil {
			t.Errorf("GetFlow(%s) after the writer was killed error = %v; want the flow", id, err)
		}
	}
}

func TestTimesKeepNanoseconds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, _ := newBackend(t)
	s := mustSession(t, b, "a")
	f, err := s.CreateFlow(ctx, store.Flow{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.FixedZone("", -5*3600))
	r, err := s.CreateRun(ctx, f.ID, store.Run{StartDateTime: start})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRun(ctx, f.ID, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.StartDateTime.Equal(start) || got.EndDateTime != nil || got.BlockingError != nil || got.Statistics != nil {
		t.Errorf("GetRun() = %+v; want start %v to the nanosecond, and nil end, error and statistics", got, start)
	}
	if _, err := s.CreateRun(ctx, f.ID, store.Run{StartDateTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Errorf("CreateRun(start in year 10000) error = nil; want one, as it cannot be read back")
	}
}

// TestRunKeysOfIDsWithNUL proves that the runs of a flow are its own whatever bytes the ids
// hold.
func TestRunKeysOfIDsWithNUL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, _ := newBackend(t)
	s := mustSession(t, b, "a")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err := s.Load(ctx, store.Fixture{Flows: []store.FixtureFlow{
		{Flow: store.Flow{ID: "a"}, Runs: []store.Run{{ID: "b\x00c", DisplayName: "of a", StartDateTime: start}}},
		{Flow: store.Flow{ID: "a\x00b"}, Runs: []store.Run{{ID: "c", DisplayName: "of a\\0b", StartDateTime: start}}},
	}})
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	for flowID, want := range map[string]string{"a": "of a", "a\x00b": "of a\\0b"} {
		p, err := s.ListRuns(ctx, flowID, store.Query{Limit: 10})
		if err != nil {
			t.Fatalf("ListRuns(%q) error = %v", flowID, err)
		}
		if len(p.Runs) != 1 || p.Runs[0].DisplayName != want {
			t.Errorf("ListRuns(%q) = %+v; want the one run %q", flowID, p.Runs, want)
		}
	}
	if err := s.DeleteFlow(ctx, "a", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRun(ctx, "a\x00b", "c"); err != nil {
		t.Errorf("GetRun() of another flow after DeleteFlow(a) error = %v; want it kept", err)
	}
}

func TestCursorPastTheLastSequence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, _ := newBackend(t)
	s := mustSession(t, b, "a")
	if _, err := s.CreateFlow(ctx, store.Flow{}); err != nil {
		t.Fatal(err)
	}
	p, err := s.ListFlows(ctx, store.Query{Limit: 10, Count: true, After: &store.Cursor{Keys: []string{"18446744073709551615"}}})
	if err != nil || len(p.Flows) != 0 || p.Count != 1 {
		t.Errorf("ListFlows(after the last sequence) = %d flows, count %d, %v; want none, count 1", len(p.Flows), p.Count, err)
	}
}

func TestDroppedSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, _ := newBackend(t)
	s := mustSession(t, b, "a")
	if err := b.Drop(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateFlow(ctx, store.Flow{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateFlow() in a dropped session error = %v; want ErrNotFound", err)
	}
	if names, _ := b.List(ctx); len(names) != 0 {
		t.Errorf("List() = %+v after a write to a dropped session; want none", names)
	}
}

func TestOpenLocked(t *testing.T) {
	t.Parallel()
	_, path := newBackend(t)
	start := time.Now()
	_, err := open(path, testLockTimeout)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Errorf("second Open(%s) error = %v; want ErrLocked naming the path", path, err)
	}
	if waited := time.Since(start); waited > 10*testLockTimeout {
		t.Errorf("second Open() took %v; want about %v", waited, testLockTimeout)
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(t *testing.T, name string, data []byte) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bolt := func(t *testing.T, name string, fn func(tx *bbolt.Tx) error) string {
		t.Helper()
		path := filepath.Join(dir, name)
		db, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(fn); err != nil {
			t.Fatal(err)
		}
		return path
	}
	meta := func(format, version string) func(tx *bbolt.Tx) error {
		return func(tx *bbolt.Tx) error {
			m, err := tx.CreateBucket([]byte(bucketMeta))
			if err != nil {
				return err
			}
			if err := m.Put([]byte(keyFormat), []byte(format)); err != nil {
				return err
			}
			if err := m.Put([]byte(keyVersion), []byte(version)); err != nil {
				return err
			}
			_, err = tx.CreateBucket([]byte(bucketSessions))
			return err
		}
	}
	tests := []struct {
		name    string
		path    string
		wantErr error
	}{
		{name: "a text file", path: write(t, "text", []byte("not a bolt file\n")), wantErr: ErrLayout},
		{name: "zeros", path: write(t, "zeros", make([]byte, 64<<10)), wantErr: ErrLayout},
		{name: "a bolt file of someone else", path: bolt(t, "other.db", func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("theirs"))
			return err
		}), wantErr: ErrLayout},
		{name: "another format", path: bolt(t, "format.db", meta("someone-else", layoutVersion)), wantErr: ErrLayout},
		{name: "a later layout version", path: bolt(t, "version.db", meta(formatName, "3")), wantErr: ErrLayout},
		{name: "a missing directory", path: filepath.Join(dir, "missing", "store.db"), wantErr: os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before, _ := os.ReadFile(tt.path)
			b, err := open(tt.path, testLockTimeout)
			if err == nil {
				_ = b.Close()
				t.Fatalf("Open(%s) error = nil; want one", tt.path)
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("Open(%s) error = %v; want %v, naming the path", tt.path, err, tt.wantErr)
			}
			if after, _ := os.ReadFile(tt.path); string(after) != string(before) {
				t.Errorf("a refused Open(%s) changed the file", tt.path)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open() in a missing directory created it: %v", err)
	}
}

func TestOpenInitializesAnEmptyBoltFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "empty.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b := mustOpen(t, path)
	if _, created, err := b.Open(context.Background(), "a", nil, time.Now()); err != nil || !created {
		t.Errorf("Open(a) = created %v, error %v; want a new session", created, err)
	}
}

// TestOpenUpgradesLayout1 proves that a file of layout 1, whose sessions did not record their
// last use, is upgraded keeping what they hold; they are taken to have been used at the
// upgrade.
func TestOpenUpgradesLayout1(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, path := newBackend(t)
	f, err := mustSession(t, b, "kept").CreateFlow(ctx, store.Flow{DisplayName: "kept flow"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket([]byte(bucketMeta)).Put([]byte(keyVersion), []byte("1")); err != nil {
			return err
		}
		return tx.Bucket([]byte(bucketSessions)).Bucket([]byte("kept")).Delete([]byte(keyLastUsed))
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatalf("writing a layout 1 file: %v, %v", err, cerr)
	}

	before := time.Now()
	b = mustOpen(t, path)
	after := time.Now()
	sessions, err := b.List(ctx)
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	if len(sessions) != 1 || sessions[0].Name != "kept" || sessions[0].LastUsed.Before(before) || sessions[0].LastUsed.After(after) {
		t.Errorf("List() = %+v; want kept, last used between %v and %v", sessions, before, after)
	}
	if got, err := mustSession(t, b, "kept").GetFlow(ctx, f.ID); err != nil || got.DisplayName != "kept flow" {
		t.Errorf("GetFlow() after the upgrade = %+v, %v; want the flow kept", got, err)
	}
	var version string
	_ = b.db.View(func(tx *bbolt.Tx) error {
		version = string(tx.Bucket([]byte(bucketMeta)).Get([]byte(keyVersion)))
		return nil
	})
	if version != layoutVersion {
		t.Errorf("layout version after the upgrade = %q; want %q", version, layoutVersion)
	}
}
