package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/datashare/datashare/server/store"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The SQL of loads and of the directory.
const (
	// sqlLockSession locks the session for a load: loads of a session take turns, and writes
	// of its flows (whose foreign key shares the lock) wait for the load to end.
	sqlLockSession     = `SELECT FROM datashare_sessions WHERE name = $1 FOR UPDATE`
	sqlDeleteRuns      = `DELETE FROM datashare_runs WHERE session = $1`
	sqlDeleteFlows     = `DELETE FROM datashare_flows WHERE session = $1`
	sqlDeleteDirectory = `DELETE FROM datashare_directory WHERE session = $1`
	sqlDirectory       = `SELECT id, display_name, global_administrator FROM datashare_directory WHERE session = $1 ORDER BY position`
)

// Directory implements store.Store.
func (s *sessionStore) Directory(ctx context.Context) ([]store.User, error) {
	rows, _ := s.b.pool.Query(ctx, sqlDirectory, s.session)
	users, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.User, error) {
		var u store.User
		err := row.Scan(&u.ID, &u.DisplayName, &u.GlobalAdministrator)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: read the directory: %w", err)
	}
	return users, nil
}

// Load implements store.Store: in one transaction, it deletes what the session holds and
// copies the fixture in. A fixture that gives an id twice is an ErrDuplicateID, found before
// anything is written.
func (s *sessionStore) Load(ctx context.Context, f store.Fixture) error {
	p, err := newLoad(f)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, s.b.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sqlLockSession, s.session)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("session %q: %w", s.session, store.ErrNotFound)
		}
		for _, stmt := range []string{sqlDeleteRuns, sqlDeleteFlows, sqlDeleteDirectory} {
			if _, err := tx.Exec(ctx, stmt, s.session); err != nil {
				return err
			}
		}
		return p.copy(ctx, tx, s.session)
	})
	return loadErr(err)
}

// loadErr returns the error of a load as the store gives it.
func loadErr(err error) error {
	switch {
	case hasCode(err, codeUniqueViolation):
		return fmt.Errorf("pgstore: load: %w: %w", store.ErrDuplicateID, err)
	case errors.Is(err, store.ErrNotFound):
		return err
	case err != nil:
		return fmt.Errorf("pgstore: load: %w", err)
	}
	return nil
}

// load is a fixture ready to be copied into a session.
type load struct {
	flows     []store.Flow
	runs      []store.Run
	directory []store.User
}

// newLoad prepares f: ErrDuplicateID if it gives an id twice.
func newLoad(f store.Fixture) (load, error) {
	flows, runs, err := prepareFixture(f, time.Now())
	if err != nil {
		return load{}, err
	}
	return load{flows: flows, runs: runs, directory: f.Directory}, nil
}

// copy copies the fixture into the session, in tx; the session holds nothing.
func (l load) copy(ctx context.Context, tx pgx.Tx, session string) error {
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"datashare_flows"}, columnNames(flowInsertColumns),
		pgx.CopyFromSlice(len(l.flows), func(i int) ([]any, error) { return flowValues(session, &l.flows[i]), nil })); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"datashare_runs"}, columnNames(runInsertColumns),
		pgx.CopyFromSlice(len(l.runs), func(i int) ([]any, error) { return runValues(session, &l.runs[i]), nil })); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"datashare_directory"},
		[]string{"session", "position", "id", "display_name", "global_administrator"},
		pgx.CopyFromSlice(len(l.directory), func(i int) ([]any, error) {
			u := l.directory[i]
			return []any{session, i, u.ID, u.DisplayName, u.GlobalAdministrator}, nil
		}))
	return err
}

// columnNames splits a list of columns, as in an INSERT.
func columnNames(list string) []string {
	names := strings.Split(list, ",")
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
	}
	return names
}

// prepareFixture returns the flows of f with the ids they lack and new eTags, in order, and
// their runs as the store keeps them, with the ids they lack and the start time now where they
// have none; or ErrDuplicateID if f gives an id to two flows, or to two runs.
func prepareFixture(f store.Fixture, now time.Time) ([]store.Flow, []store.Run, error) {
	flows := make([]store.Flow, 0, len(f.Flows))
	var runs []store.Run
	seenFlows, seenRuns := map[string]bool{}, map[string]bool{}
	for _, ff := range f.Flows {
		fl := ff.Flow.Clone()
		if fl.ID == "" {
			fl.ID = uuid.NewString()
		}
		if seenFlows[fl.ID] {
			return nil, nil, fmt.Errorf("flow %q: %w", fl.ID, store.ErrDuplicateID)
		}
		seenFlows[fl.ID] = true
		fl.ETag = store.NewETag()
		flows = append(flows, fl)
		for _, r := range ff.Runs {
			if r.ID == "" {
				r.ID = uuid.NewString()
			}
			if seenRuns[r.ID] {
				return nil, nil, fmt.Errorf("run %q: %w", r.ID, store.ErrDuplicateID)
			}
			seenRuns[r.ID] = true
			r.FlowID = fl.ID
			if r.StartDateTime.IsZero() {
				r.StartDateTime = now
			}
			runs = append(runs, storedRun(r))
		}
	}
	return flows, runs, nil
}
