package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datashare/datashare/server/store/pgstore/pgtest"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
)

// databaseOf returns the name of the database of a URL.
func databaseOf(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// exec runs statements on b's database, in its schema.
func exec(t *testing.T, b *Backend, statements ...string) {
	t.Helper()
	for _, s := range statements {
		if _, err := b.pool.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// versionRecord is a row of datashare_schema.
type versionRecord struct {
	Version   int32
	AppliedAt time.Time
}

func versionRecords(t *testing.T, b *Backend) []versionRecord {
	t.Helper()
	rows, _ := b.pool.Query(context.Background(), `SELECT version, applied_at FROM datashare_schema ORDER BY version`)
	records, err := pgx.CollectRows(rows, pgx.RowToStructByPos[versionRecord])
	if err != nil {
		t.Fatalf("reading datashare_schema: %v", err)
	}
	return records
}

func latestVersion(t *testing.T) int {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations() error = %v", err)
	}
	return len(ms)
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations() error = %v", err)
	}
	if len(ms) == 0 {
		t.Fatal("migrations() = none; want the embedded ones")
	}
	for i, m := range ms {
		if m.version != i+1 || !strings.HasPrefix(m.name, fmt.Sprintf("%04d_", i+1)) || strings.TrimSpace(m.sql) == "" {
			t.Errorf("migration %d = version %d, %s, %d bytes of SQL; want version %d, a name that says so, and SQL", i, m.version, m.name, len(m.sql), i+1)
		}
	}
}

func TestOpenMigratesANewSchemaOnce(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	first := openTest(t, dsn)
	records := versionRecords(t, first)
	var got []int32
	for _, r := range records {
		got = append(got, r.Version)
	}
	var want []int32
	for v := range latestVersion(t) {
		want = append(want, int32(v+1))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("versions recorded in a new schema: mismatch (-want +got):\n%s", diff)
	}

	openTest(t, dsn) // a second replica, or a restart
	if diff := cmp.Diff(records, versionRecords(t, first)); diff != "" {
		t.Errorf("opening a migrated schema again changed datashare_schema (-before +after):\n%s", diff)
	}
}

func TestReplicasStartingTogetherMigrateOnce(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	const replicas = 6
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	start := make(chan struct{})
	for i := range replicas {
		wg.Go(func() {
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			b, err := open(ctx, dsn)
			if err == nil {
				_ = b.Close()
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: Open() error = %v", i, err)
		}
	}
	if got := len(versionRecords(t, openTest(t, dsn))); got != latestVersion(t) {
		t.Errorf("%d versions recorded; want %d, once each", got, latestVersion(t))
	}
}

func TestOpenRefusesAWronglyMigratedSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// spoil makes the schema of a migrated backend wrong.
		spoil []string
		// want are what the error says, besides the database.
		want []string
	}{
		{
			name:  "a newer version",
			spoil: []string{`INSERT INTO datashare_schema (version) VALUES (999)`},
			want:  []string{"999", fmt.Sprintf("newer than version %d", latestVersion(t)), "wrongly migrated"},
		},
		{
			name:  "tables without a version record",
			spoil: []string{`DROP TABLE datashare_schema`},
			want:  []string{"datashare_flows", "no schema version", fmt.Sprintf("versions 1 to %d", latestVersion(t)), "wrongly migrated"},
		},
		{
			name:  "an empty version record",
			spoil: []string{`DELETE FROM datashare_schema`},
			want:  []string{"no schema version", "wrongly migrated"},
		},
		{
			name:  "versions that do not start at 1",
			spoil: []string{`UPDATE datashare_schema SET version = version - 1`},
			want:  []string{"[0", "without a gap", "wrongly migrated"},
		},
		{
			name:  "a version without its tables",
			spoil: []string{`DROP TABLE datashare_directory, datashare_runs, datashare_flows, datashare_sessions`},
			want:  []string{fmt.Sprintf("version %d", latestVersion(t)), "none of its tables", "wrongly migrated"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dsn := testDSN(t)
			exec(t, openTest(t, dsn), tt.spoil...)
			b, err := open(context.Background(), dsn)
			if err == nil {
				_ = b.Close()
				t.Fatalf("Open() of a wrongly migrated schema: no error")
			}
			if !errors.Is(err, ErrWronglyMigrated) {
				t.Errorf("Open() error = %v; want ErrWronglyMigrated", err)
			}
			for _, want := range append(tt.want, fmt.Sprintf("database %q", databaseOf(t, dsn))) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Open() error = %q; want it to say %q", err, want)
				}
			}
		})
	}
}

func TestOpenRefusesForeignTablesWithoutVersion(t *testing.T) {
	t.Parallel()
	dsn, _ := pgtest.Schema(t)
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `CREATE TABLE datashare_flows (id integer)`); err != nil {
		t.Fatal(err)
	}
	b, err := open(context.Background(), dsn)
	if err == nil {
		_ = b.Close()
		t.Fatal("Open() of a schema with a datashare table and no version: no error")
	}
	if !errors.Is(err, ErrWronglyMigrated) || !strings.Contains(err.Error(), databaseOf(t, dsn)) {
		t.Errorf("Open() error = %v; want ErrWronglyMigrated naming the database", err)
	}
}

func TestOpenWithoutASchema(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	u, _ := url.Parse(dsn)
	q := u.Query()
	q.Set("search_path", "ds_test_does_not_exist")
	u.RawQuery = q.Encode()
	b, err := open(context.Background(), u.String())
	if err == nil {
		_ = b.Close()
		t.Fatal("Open() with a search_path of no schema: no error")
	}
	if !strings.Contains(err.Error(), "no schema") {
		t.Errorf("Open() error = %v; want it to say that no schema exists", err)
	}
}

// TestOpenMigratesFromVersion1 proves that a schema of version 1, with a session, is migrated
// to the latest version keeping what the session holds; the session is taken to have been
// used at the migration.
func TestOpenMigratesFromVersion1(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn, _ := pgtest.Schema(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		sqlCreateVersionTable, ms[0].sql, `INSERT INTO datashare_schema (version) VALUES (1)`,
		`INSERT INTO datashare_sessions (name) VALUES ('kept')`,
		`INSERT INTO datashare_directory (session, position, id, display_name, global_administrator) VALUES ('kept', 0, 'u1', 'User One', true)`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}

	before := time.Now()
	b := openTest(t, dsn)
	after := time.Now()
	var versions []int32
	for _, r := range versionRecords(t, b) {
		versions = append(versions, r.Version)
	}
	if want := []int32{1, 2}; !cmp.Equal(versions, want) {
		t.Errorf("versions recorded = %v; want %v", versions, want)
	}
	sessions, err := b.List(ctx)
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	// The database's clock is this machine's; a second of slack covers the rounding.
	if len(sessions) != 1 || sessions[0].Name != "kept" ||
		sessions[0].LastUsed.Before(before.Add(-time.Second)) || sessions[0].LastUsed.After(after.Add(time.Second)) {
		t.Errorf("List() = %+v; want kept, last used between %v and %v", sessions, before, after)
	}
	s, created, err := b.Open(ctx, "kept", nil, time.Now())
	if err != nil || created {
		t.Fatalf("Open(kept) = created %v, error %v; want the migrated session", created, err)
	}
	dir, err := s.Directory(ctx)
	if err != nil || len(dir) != 1 || dir[0].ID != "u1" {
		t.Errorf("Directory() of the migrated session = %+v, %v; want the user it held", dir, err)
	}
}
