package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrWronglyMigrated: the schema of the database is not one this binary can use. Its version
// is newer than the latest this binary knows, or it has datashare tables that no consistent
// version record accounts for.
var ErrWronglyMigrated = errors.New("wrongly migrated")

// migrationFiles holds the migrations of the schema: migrations/0001_init.sql, 0002_….sql,
// each applied once, in the order of their numbers. (go:embed needs a package variable; it is
// never written.)
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one step of the schema.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations, by version, checking that the versions are 1,
// 2, 3… without a gap or a repeat.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("pgstore: list the migrations: %w", err)
	}
	var ms []migration
	for _, name := range names { // fs.Glob sorts them
		base := path.Base(name)
		digits, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(digits)
		if !ok || err != nil || version != len(ms)+1 {
			return nil, fmt.Errorf("pgstore: migration %s: want its name to start with %04d_", base, len(ms)+1)
		}
		text, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("pgstore: read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: version, name: base, sql: string(text)})
	}
	return ms, nil
}

// The SQL of migrate.
const (
	// sqlLockSchema serializes the migrations of one schema: replicas that start together
	// take turns, and the later ones find the schema migrated. The lock ends with the
	// transaction.
	sqlLockSchema = `SELECT pg_advisory_xact_lock(hashtext('datashare_schema'), hashtext(coalesce(current_schema(), '')))`
	// sqlCurrentSchema returns the schema where the tables are (to be) created: the first of
	// the search_path that exists, NULL if none does.
	sqlCurrentSchema = `SELECT current_schema()`
	// sqlSchemaTables returns whether the version table exists in the current schema, and the
	// names of the other datashare tables and sequences there.
	sqlSchemaTables = `
SELECT coalesce(bool_or(c.relname = 'datashare_schema'), false),
       coalesce(array_agg(c.relname::text ORDER BY c.relname) FILTER (WHERE c.relname <> 'datashare_schema'), '{}')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S') AND c.relname LIKE 'datashare\_%'`
	sqlCreateVersionTable = `
CREATE TABLE datashare_schema (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)`
	sqlVersions      = `SELECT version FROM datashare_schema ORDER BY version`
	sqlRecordVersion = `INSERT INTO datashare_schema (version) VALUES ($1)`
)

// migrate creates or migrates the schema of the database, in the connection's current schema,
// in one transaction that holds the advisory lock of that schema. database names it in errors.
func migrate(ctx context.Context, pool *pgxpool.Pool, database string) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	latest := len(ms)
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlLockSchema); err != nil {
			return fmt.Errorf("pgstore: database %q: lock the schema to migrate it: %w", database, err)
		}
		var schema *string
		if err := tx.QueryRow(ctx, sqlCurrentSchema).Scan(&schema); err != nil {
			return fmt.Errorf("pgstore: database %q: find the current schema: %w", database, err)
		}
		if schema == nil {
			return fmt.Errorf("pgstore: database %q: no schema of the search_path exists to create the tables in", database)
		}
		wrong := func(format string, args ...any) error {
			return fmt.Errorf("pgstore: database %q (schema %q) %s: %w",
				database, *schema, fmt.Sprintf(format, args...), ErrWronglyMigrated)
		}

		var hasVersionTable bool
		var others []string
		if err := tx.QueryRow(ctx, sqlSchemaTables).Scan(&hasVersionTable, &others); err != nil {
			return fmt.Errorf("pgstore: database %q: list the tables of schema %q: %w", database, *schema, err)
		}
		recorded := 0
		if hasVersionTable {
			rows, _ := tx.Query(ctx, sqlVersions)
			versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
			if err != nil {
				return fmt.Errorf("pgstore: database %q: read the schema version: %w", database, err)
			}
			if n := len(versions); n > 0 {
				recorded = int(versions[n-1])
			}
			if recorded > latest {
				return wrong("records schema version %d, newer than version %d, the latest this binary knows", recorded, latest)
			}
			for i, v := range versions {
				if int(v) != i+1 {
					return wrong("records the schema versions %v, not 1 to %d without a gap (this binary knows versions 1 to %d)", versions, recorded, latest)
				}
			}
		}
		switch {
		case recorded == 0 && len(others) > 0:
			return wrong("has the datashare tables %s but records no schema version (this binary knows versions 1 to %d)", strings.Join(others, ", "), latest)
		case recorded > 0 && len(others) == 0:
			return wrong("records schema version %d but has none of its tables (this binary knows versions 1 to %d)", recorded, latest)
		}
		if !hasVersionTable {
			if _, err := tx.Exec(ctx, sqlCreateVersionTable); err != nil {
				return fmt.Errorf("pgstore: database %q: create the version table: %w", database, err)
			}
		}
		for _, m := range ms[recorded:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("pgstore: database %q: apply migration %s: %w", database, m.name, err)
			}
			if _, err := tx.Exec(ctx, sqlRecordVersion, m.version); err != nil {
				return fmt.Errorf("pgstore: database %q: record migration %s: %w", database, m.name, err)
			}
		}
		return nil
	})
}
