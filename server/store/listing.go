package store

import (
	"fmt"
	"slices"
	"time"

	"github.com/datashare/datashare/server/odata"
	"github.com/google/uuid"
)

// The helpers of this file are shared by the stores, so that they page, check cursors and
// prepare fixtures alike.

// ETagMatches reports whether the eTag of a stored flow satisfies the eTags an update or a
// delete expects: no condition (nil), AnyETag, or one of them.
func ETagMatches(etag string, ifMatch []string) bool {
	return ifMatch == nil || slices.Contains(ifMatch, AnyETag) || slices.Contains(ifMatch, etag)
}

// KeyCount is the number of keys of the cursors of an order: the properties and the id,
// or the one position of the default order.
func KeyCount(order []odata.OrderItem) int {
	if len(order) == 0 {
		return 1
	}
	return len(order) + 1
}

// SortedPage returns the page of the items that match, sorted by their keys, after q.After,
// skipping q.Skip and at most q.Limit long, with the cursor of its last item when more follow.
func SortedPage[T any](all []*T, q Query, match func(*T) bool, keys func(*T) []string) ([]*T, *Cursor) {
	type item struct {
		v    *T
		keys []string
	}
	var items []item
	for _, v := range all {
		if match(v) {
			items = append(items, item{v, keys(v)})
		}
	}
	slices.SortFunc(items, func(a, b item) int { return CompareKeys(q.OrderBy, a.keys, b.keys) })
	if q.After != nil {
		start, found := slices.BinarySearchFunc(items, q.After.Keys, func(it item, keys []string) int {
			return CompareKeys(q.OrderBy, it.keys, keys)
		})
		if found {
			start++
		}
		items = items[start:]
	}
	items = items[min(q.Skip, len(items)):]
	n := min(q.Limit, len(items))
	out := make([]*T, n)
	for i, it := range items[:n] {
		out[i] = it.v
	}
	var next *Cursor
	if n < len(items) && n > 0 {
		next = &Cursor{Keys: slices.Clone(items[n-1].keys)}
	}
	return out, next
}

// CheckRunCursor checks that q.After, if any, is a cursor of the order of q, which names at
// least one property: one key for each property and one for the id, and the key of a DateTime
// property the TimeKey of a time ("" for null, where the property may be null).
func CheckRunCursor(q Query) error {
	if q.After == nil {
		return nil
	}
	if len(q.After.Keys) != KeyCount(q.OrderBy) {
		return fmt.Errorf("cursor of %d keys for an order of %d: %w", len(q.After.Keys), KeyCount(q.OrderBy), ErrInvalidCursor)
	}
	schema := RunSchema()
	for i, o := range q.OrderBy {
		key := q.After.Keys[i]
		nullable := o.Prop == "endDateTime" // the one DateTime property a run may lack
		if schema[o.Prop] != odata.DateTime || nullable && key == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, key); err != nil || odata.TimeKey(t) != key {
			return fmt.Errorf("cursor key %q of %s: not a time: %w", key, o.Prop, ErrInvalidCursor)
		}
	}
	return nil
}

// PrepareFixture gives the flows and runs of f the ids and eTags they lack, and checks that no
// id is given twice. It returns the flows in order and the runs by flow id.
func PrepareFixture(f Fixture, now time.Time) ([]Flow, map[string][]Run, error) {
	flows := make([]Flow, 0, len(f.Flows))
	runs := make(map[string][]Run, len(f.Flows))
	seenFlows, seenRuns := map[string]bool{}, map[string]bool{}
	for _, ff := range f.Flows {
		fl := ff.Flow.Clone()
		if fl.ID == "" {
			fl.ID = uuid.NewString()
		}
		if seenFlows[fl.ID] {
			return nil, nil, fmt.Errorf("flow %q: %w", fl.ID, ErrDuplicateID)
		}
		seenFlows[fl.ID] = true
		fl.ETag = NewETag()
		flows = append(flows, fl)
		for _, r := range ff.Runs {
			r = r.Clone()
			if r.ID == "" {
				r.ID = uuid.NewString()
			}
			if seenRuns[r.ID] {
				return nil, nil, fmt.Errorf("run %q: %w", r.ID, ErrDuplicateID)
			}
			seenRuns[r.ID] = true
			r.FlowID = fl.ID
			if r.StartDateTime.IsZero() {
				r.StartDateTime = now
			}
			runs[fl.ID] = append(runs[fl.ID], r)
		}
	}
	return flows, runs, nil
}
