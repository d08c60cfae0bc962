// Package pgstore keeps the sessions of the contract server in PostgreSQL: a store.Backend
// that several replicas of the server may share.
//
// Open connects a pool to a database and creates or migrates its schema, in the current
// schema of the connections (the first schema of their search_path), so that one database can
// hold several independent stores. Every session is a row of datashare_sessions; its flows,
// runs and directory are rows of datashare_flows, datashare_runs and datashare_directory. Each
// write is one statement or one transaction, so that no write is ever half applied, and the
// eTag preconditions are checked by the statement that writes: two replicas racing with the
// same eTag cannot both win.
//
// Listings page by keyset in SQL. A $filter is translated to SQL over columns that hold the
// odata.Fold of each string property and the odata.TimeKey of each time, which compare
// exactly as odata.Eval compares; a filter that cannot be translated is evaluated in Go, over
// the rows read in batches in the order of the listing. Both give the results of the memory
// store, which the tests check.
//
// PostgreSQL keeps times to the microsecond: the store truncates them when it writes them. Its
// text cannot hold NUL characters nor invalid UTF-8, so a write of such a string fails.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/datashare/datashare/server/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Backend is a store.Backend on PostgreSQL. It is safe for concurrent use, and by several
// processes that share the database.
type Backend struct {
	pool *pgxpool.Pool
	// database names the database in errors.
	database string
	// goFilter makes listings evaluate every $filter in Go, as they do the filters that SQL
	// cannot express, so that tests can compare both ways.
	goFilter bool
	// batchSize is the number of rows that evaluating a $filter in Go reads at a time.
	batchSize int
}

var _ store.Backend = (*Backend)(nil)

// option configures a Backend; the tests use them.
type option func(*Backend)

// withGoFilter makes the backend evaluate every $filter in Go.
func withGoFilter() option { return func(b *Backend) { b.goFilter = true } }

// withBatchSize sets the number of rows that evaluating a $filter in Go reads at a time.
func withBatchSize(n int) option { return func(b *Backend) { b.batchSize = n } }

const (
	// defaultBatchSize is the number of rows that evaluating a $filter in Go reads at a time.
	defaultBatchSize = 500
	// defaultConnectTimeout bounds each attempt to connect, when the URL sets no
	// connect_timeout.
	defaultConnectTimeout = 10 * time.Second
)

// The SQL of sessions.
const (
	sqlSessionExists = `SELECT EXISTS (SELECT FROM datashare_sessions WHERE name = $1)`
	// sqlCreateSession waits, when another transaction is creating the same session, for it
	// to end; then it creates nothing if that one committed.
	sqlCreateSession = `INSERT INTO datashare_sessions (name, last_used) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	sqlTouchSession  = `UPDATE datashare_sessions SET last_used = greatest(last_used, $2) WHERE name = $1`
	sqlDropSession   = `DELETE FROM datashare_sessions WHERE name = $1`
	sqlDropIdle      = `DELETE FROM datashare_sessions WHERE last_used < $1 AND name <> $2 RETURNING name`
	sqlListSessions  = `SELECT name, last_used FROM datashare_sessions ORDER BY name`
)

// SQLSTATE codes that the store turns into its errors.
const (
	codeForeignKeyViolation = "23503"
	codeUniqueViolation     = "23505"
)

// Open connects a pool to the database of dsn, a PostgreSQL URL or key=value connection
// string, checks that it is reachable, and creates or migrates its schema. The migrations
// run in one transaction that holds an advisory lock of the schema, so that replicas that
// start together do not race, and are recorded in the table datashare_schema. A database
// whose recorded version is newer than this binary knows, or that has datashare tables but no
// consistent version record, is an error that wraps ErrWronglyMigrated and names the database
// and the versions. An unreachable database is an error that names the host, the port and the
// database; no error shows the password.
func Open(ctx context.Context, dsn string) (*Backend, error) {
	return open(ctx, dsn)
}

// open is Open with options.
func open(ctx context.Context, dsn string, opts ...option) (*Backend, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: parse the database URL: %w", redactedError{err, passwordOf(dsn)})
	}
	cc := cfg.ConnConfig
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = defaultConnectTimeout
	}
	where := fmt.Sprintf("postgres at %s:%d, database %q", cc.Host, cc.Port, cc.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %s: %w", where, redactedError{err, cc.Password})
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: %s is not reachable: %w", where, redactedError{err, cc.Password})
	}
	b := &Backend{pool: pool, database: cc.Database, batchSize: defaultBatchSize}
	for _, o := range opts {
		o(b)
	}
	if err := migrate(ctx, pool, cc.Database); err != nil {
		pool.Close()
		return nil, redactedError{err, cc.Password}
	}
	return b, nil
}

// Name implements store.Backend.
func (b *Backend) Name() string { return "postgres" }

// Ping implements store.Backend: a round trip to the database.
func (b *Backend) Ping(ctx context.Context) error {
	if err := b.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pgstore: database %q: %w", b.database, err)
	}
	return nil
}

// Close implements store.Backend: it closes the connections of the pool, waiting for those in
// use to be released.
func (b *Backend) Close() error {
	b.pool.Close()
	return nil
}

// Open implements store.Sessions. Opening a session that exists is one query. A new session
// is created with its seed in one transaction; of several processes that open it together,
// one creates it, and the others wait for its transaction to end.
func (b *Backend) Open(ctx context.Context, name string, seed *store.Fixture, at time.Time) (store.Store, bool, error) {
	s := &sessionStore{b: b, session: name}
	var exists bool
	if err := b.pool.QueryRow(ctx, sqlSessionExists, name).Scan(&exists); err != nil {
		return nil, false, fmt.Errorf("pgstore: open session %q: %w", name, err)
	}
	if exists {
		return s, false, nil
	}
	var l load
	if seed != nil {
		var err error
		if l, err = newLoad(*seed); err != nil {
			return nil, false, fmt.Errorf("pgstore: session %q: seed: %w", name, err)
		}
	}
	created := false
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sqlCreateSession, name, at.Truncate(time.Microsecond))
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		created = true
		return l.copy(ctx, tx, name)
	})
	if err != nil {
		return nil, false, fmt.Errorf("pgstore: open session %q: %w", name, loadErr(err))
	}
	return s, created, nil
}

// Touch implements store.Sessions.
func (b *Backend) Touch(ctx context.Context, name string, at time.Time) error {
	tag, err := b.pool.Exec(ctx, sqlTouchSession, name, at.Truncate(time.Microsecond))
	if err != nil {
		return fmt.Errorf("pgstore: touch session %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("session %q: %w", name, store.ErrNotFound)
	}
	return nil
}

// Drop implements store.Sessions: it deletes the session with its flows, runs and directory.
func (b *Backend) Drop(ctx context.Context, name string) error {
	tag, err := b.pool.Exec(ctx, sqlDropSession, name)
	if err != nil {
		return fmt.Errorf("pgstore: drop session %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("session %q: %w", name, store.ErrNotFound)
	}
	return nil
}

// DropIdle implements store.Sessions, in one statement.
func (b *Backend) DropIdle(ctx context.Context, before time.Time, keep string) ([]string, error) {
	rows, _ := b.pool.Query(ctx, sqlDropIdle, before, keep)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("pgstore: drop idle sessions: %w", err)
	}
	slices.Sort(names) // the names are "C" collated: by bytes, as Go compares them
	if names == nil {
		names = []string{}
	}
	return names, nil
}

// List implements store.Sessions: the names, by code point.
func (b *Backend) List(ctx context.Context) ([]store.SessionInfo, error) {
	rows, _ := b.pool.Query(ctx, sqlListSessions)
	infos, err := pgx.CollectRows(rows, pgx.RowToStructByPos[store.SessionInfo])
	if err != nil {
		return nil, fmt.Errorf("pgstore: list sessions: %w", err)
	}
	if infos == nil {
		infos = []store.SessionInfo{}
	}
	return infos, nil
}

// sessionStore is the store.Store of a session.
type sessionStore struct {
	b       *Backend
	session string
}

var _ store.Store = (*sessionStore)(nil)

// hasCode reports whether err is an error of PostgreSQL with that SQLSTATE code.
func hasCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// redactedError is an error whose text has the password replaced.
type redactedError struct {
	err      error
	password string
}

func (e redactedError) Error() string {
	if e.password == "" {
		return e.err.Error()
	}
	return strings.ReplaceAll(e.err.Error(), e.password, "xxxxx")
}

func (e redactedError) Unwrap() error { return e.err }

// passwordOf returns the password of a connection string that pgx could not parse, as far as
// it can be told: that of a URL, or the value of a password=… setting.
func passwordOf(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			return pw
		}
	}
	if rest, ok := strings.CutPrefix(dsn, "postgres://"); ok || strings.HasPrefix(dsn, "postgresql://") {
		if !ok {
			rest = strings.TrimPrefix(dsn, "postgresql://")
		}
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				return pw
			}
		}
		return ""
	}
	_, after, ok := strings.Cut(dsn, "password=")
	if !ok {
		return ""
	}
	if quoted, ok := strings.CutPrefix(after, "'"); ok {
		pw, _, _ := strings.Cut(quoted, "'")
		return pw
	}
	pw, _, _ := strings.Cut(after, " ")
	return pw
}
