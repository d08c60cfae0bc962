package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/datashare/datashare/server/store"
	"github.com/jackc/pgx/v5"
)

// sqlBuilder collects the arguments of a statement as it is written.
type sqlBuilder struct {
	args []any
}

// arg adds v to the arguments and returns its placeholder, such as $3.
func (b *sqlBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// orderKey is a key of the order of a listing: a column, ascending unless desc.
type orderKey struct {
	col  string
	desc bool
}

// orderBySQL returns the ORDER BY clause of keys. The text columns are in the "C" collation:
// they sort by bytes, as the memory store does.
func orderBySQL(keys []orderKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.col
		if k.desc {
			parts[i] += " DESC"
		}
	}
	return " ORDER BY " + strings.Join(parts, ", ")
}

// afterSQL returns the condition that a row comes after the row whose keys are after, in the
// order of keys. When every key ascends it is a comparison of rows, which an index can serve;
// otherwise it is expanded: k1 > a1 OR (k1 = a1 AND k2 < a2) OR ….
func afterSQL(keys []orderKey, after []any, b *sqlBuilder) string {
	params := make([]string, len(after))
	ascending := true
	for i := range keys {
		params[i] = b.arg(after[i])
		ascending = ascending && !keys[i].desc
	}
	if ascending {
		if len(keys) == 1 {
			return keys[0].col + " > " + params[0]
		}
		cols := make([]string, len(keys))
		for i, k := range keys {
			cols[i] = k.col
		}
		return "(" + strings.Join(cols, ", ") + ") > (" + strings.Join(params, ", ") + ")"
	}
	ors := make([]string, len(keys))
	for i, k := range keys {
		ands := make([]string, 0, i+1)
		for j := range i {
			ands = append(ands, keys[j].col+" = "+params[j])
		}
		op := " > "
		if k.desc {
			op = " < "
		}
		ands = append(ands, k.col+op+params[i])
		ors[i] = "(" + strings.Join(ands, " AND ") + ")"
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// listing describes a listing of rows of type T: of flows or of runs.
type listing[T any] struct {
	// from is the FROM clause, a table with its alias; columns the select list.
	from, columns string
	// where is the condition that selects the rows of the listing, whatever the filter, with
	// placeholders $1… for args.
	where string
	args  []any
	// parent, when set, is a query that says whether the parent of the rows exists (the
	// flow of runs), with the same args.
	parent string
	// order is the order of the listing, the last key unique; after, the keys of the cursor
	// to start after, nil for the first page.
	order []orderKey
	after []any
	// props says how SQL sees the properties a $filter names.
	props func(prop string) (filterProp, bool)
	// scan reads a row; match evaluates the $filter in Go; keys returns the keys of a row in
	// the order, as arguments of afterSQL.
	scan  func(pgx.CollectableRow) (T, error)
	match func(*T) bool
	keys  func(*T) []any
}

// errNoParent: the parent of the rows of a listing does not exist.
var errNoParent = errors.New("the parent of the rows does not exist")

// listed is the result of a listing.
type listed[T any] struct {
	items []T
	// more says whether a row follows the last of items.
	more  bool
	count int
}

// list runs the listing l for q: the page of the rows the filter keeps, after l.after,
// skipping q.Skip and at most q.Limit long, and their count if q.Count asks for it. The
// filter is translated to SQL unless it cannot be (or b.goFilter says not to), in which case
// it is evaluated in Go. It returns errNoParent if the parent of the rows does not exist.
func list[T any](ctx context.Context, b *Backend, l listing[T], q store.Query) (listed[T], error) {
	bld := sqlBuilder{args: slices.Clone(l.args)}
	where := l.where
	if q.Filter != nil {
		if b.goFilter {
			return listInGo(ctx, b, l, q)
		}
		cond, ok := translateFilter(q.Filter, l.props, &bld)
		if !ok {
			return listInGo(ctx, b, l, q)
		}
		where += " AND " + cond
	}
	filterArgs := len(bld.args)

	limit := max(q.Limit, 0)
	// A count and a page are read in one snapshot, so that they agree while others write.
	snapshot := q.Count && limit > 0
	var batch pgx.Batch
	if snapshot {
		batch.Queue(sqlBeginSnapshot)
	}
	if l.parent != "" {
		batch.Queue(l.parent, l.args...)
	}
	if q.Count {
		batch.Queue("SELECT count(*) FROM "+l.from+" WHERE "+where, bld.args[:filterArgs:filterArgs]...)
	}
	if limit > 0 {
		page := "SELECT " + l.columns + " FROM " + l.from + " WHERE " + where
		if l.after != nil {
			page += " AND " + afterSQL(l.order, l.after, &bld)
		}
		page += orderBySQL(l.order) + " LIMIT " + bld.arg(min(limit, math.MaxInt64-1)+1) // one more says whether more follow
		if q.Skip > 0 {
			page += " OFFSET " + bld.arg(q.Skip)
		}
		batch.Queue(page, bld.args...)
	}
	if snapshot {
		batch.Queue("COMMIT")
	}
	if batch.Len() == 0 {
		return listed[T]{}, nil
	}

	var out listed[T]
	results := b.pool.SendBatch(ctx, &batch)
	defer results.Close() // a failed batch leaves its transaction open: the pool drops the connection
	if snapshot {
		if _, err := results.Exec(); err != nil {
			return listed[T]{}, err
		}
	}
	if l.parent != "" {
		var exists bool
		if err := results.QueryRow().Scan(&exists); err != nil {
			return listed[T]{}, err
		}
		if !exists {
			return listed[T]{}, errNoParent
		}
	}
	if q.Count {
		if err := results.QueryRow().Scan(&out.count); err != nil {
			return listed[T]{}, err
		}
	}
	if limit > 0 {
		rows, _ := results.Query()
		items, err := pgx.CollectRows(rows, l.scan)
		if err != nil {
			return listed[T]{}, err
		}
		if len(items) > limit {
			items, out.more = items[:limit], true
		}
		out.items = items
	}
	if snapshot {
		if _, err := results.Exec(); err != nil {
			return listed[T]{}, err
		}
	}
	return out, results.Close()
}

// sqlBeginSnapshot begins the transaction of a listing that reads twice.
const sqlBeginSnapshot = `BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY`

// listInGo runs the listing l for q as list does, evaluating the filter in Go: it reads the
// rows in the order of the listing, in batches, keeping those the filter keeps until the page
// is full. It reads them in one read-only transaction, which sees one state of the database
// throughout.
func listInGo[T any](ctx context.Context, b *Backend, l listing[T], q store.Query) (listed[T], error) {
	var out listed[T]
	err := pgx.BeginTxFunc(ctx, b.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if l.parent != "" {
			var exists bool
			if err := tx.QueryRow(ctx, l.parent, l.args...).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return errNoParent
			}
		}
		if q.Count {
			err := scanInGo(ctx, tx, b.batchSize, l, nil, func(item *T) bool {
				if l.match(item) {
					out.count++
				}
				return true
			})
			if err != nil {
				return err
			}
		}
		limit, skipped := max(q.Limit, 0), 0
		if limit == 0 {
			return nil
		}
		return scanInGo(ctx, tx, b.batchSize, l, l.after, func(item *T) bool {
			switch {
			case !l.match(item):
			case skipped < q.Skip:
				skipped++
			case len(out.items) == limit:
				out.more = true
				return false
			default:
				out.items = append(out.items, *item)
			}
			return true
		})
	})
	if err != nil {
		return listed[T]{}, err
	}
	return out, nil
}

// scanInGo calls visit with each row of the listing l after the keys after (from the first if
// nil), in its order, until visit returns false, reading batchSize rows at a time.
func scanInGo[T any](ctx context.Context, tx pgx.Tx, batchSize int, l listing[T], after []any, visit func(*T) bool) error {
	for {
		bld := sqlBuilder{args: slices.Clone(l.args)}
		query := "SELECT " + l.columns + " FROM " + l.from + " WHERE " + l.where
		if after != nil {
			query += " AND " + afterSQL(l.order, after, &bld)
		}
		query += orderBySQL(l.order) + " LIMIT " + bld.arg(batchSize)
		rows, _ := tx.Query(ctx, query, bld.args...)
		items, err := pgx.CollectRows(rows, l.scan)
		if err != nil {
			return err
		}
		for i := range items {
			if !visit(&items[i]) {
				return nil
			}
		}
		if len(items) < batchSize {
			return nil
		}
		after = l.keys(&items[len(items)-1])
	}
}

// stringKeys returns keys as arguments of afterSQL.
func stringKeys(keys []string) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

// checkKeys checks that the keys of a cursor can be compared with what the store holds: text
// that PostgreSQL accepts. The store never gives out another, so another is not one of its
// cursors.
func checkKeys(keys []string) error {
	for _, k := range keys {
		if !validText(k) {
			return fmt.Errorf("cursor key %q: %w", k, store.ErrInvalidCursor)
		}
	}
	return nil
}
