package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/datashare/datashare/server/store"
	"github.com/google/uuid"
	"go.etcd.io/bbolt"
)

// sessionStore is the store of a session: a name in the "sessions" bucket. Once the session
// is dropped, its calls fail with store.ErrNotFound.
type sessionStore struct {
	db   *bbolt.DB
	name string
}

var _ store.Store = (*sessionStore)(nil)

// content is the buckets of a session, in a transaction.
type content struct {
	session, flows, order, runs *bbolt.Bucket
}

// content returns the buckets of the session in tx.
func (s *sessionStore) content(tx *bbolt.Tx) (content, error) {
	sessions, err := sessionsBucket(tx)
	if err != nil {
		return content{}, err
	}
	sb := sessions.Bucket([]byte(s.name))
	if sb == nil {
		return content{}, fmt.Errorf("session %q dropped: %w", s.name, store.ErrNotFound)
	}
	c := content{session: sb, flows: sb.Bucket([]byte(bucketFlows)), order: sb.Bucket([]byte(bucketOrder)), runs: sb.Bucket([]byte(bucketRuns))}
	if c.flows == nil || c.order == nil || c.runs == nil {
		return content{}, fmt.Errorf("session %q: missing bucket: %w", s.name, ErrLayout)
	}
	return c, nil
}

// view calls fn in a read-only transaction.
func (s *sessionStore) view(ctx context.Context, fn func(c content) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bbolt.Tx) error {
		c, err := s.content(tx)
		if err != nil {
			return err
		}
		return fn(c)
	})
}

// update calls fn in a read-write transaction, which it commits if fn returns nil.
func (s *sessionStore) update(ctx context.Context, fn func(c content) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		c, err := s.content(tx)
		if err != nil {
			return err
		}
		return fn(c)
	})
}

// add stores f, which has its id and eTag, as the flow created last.
func (c content) add(f store.Flow) error {
	seq, err := c.session.NextSequence()
	if err != nil {
		return fmt.Errorf("flow %q: %w", f.ID, err)
	}
	data, err := encodeFlow(f, seq)
	if err != nil {
		return err
	}
	if err := c.flows.Put([]byte(f.ID), data); err != nil {
		return fmt.Errorf("flow %q: %w", f.ID, err)
	}
	c.order.FillPercent = 1 // sequences are appended: full pages waste no space
	if err := c.order.Put(seqKey(seq), []byte(f.ID)); err != nil {
		return fmt.Errorf("flow %q: %w", f.ID, err)
	}
	return nil
}

// flow returns the flow with the id and its creation sequence, or store.ErrNotFound.
func (c content) flow(id []byte) (store.Flow, uint64, error) {
	data := c.flows.Get(id)
	if data == nil {
		return store.Flow{}, 0, fmt.Errorf("flow %q: %w", id, store.ErrNotFound)
	}
	f, seq, err := decodeFlow(data)
	if err != nil {
		return store.Flow{}, 0, fmt.Errorf("flow %q: %w", id, err)
	}
	return f, seq, nil
}

// CreateFlow implements store.Store.
func (s *sessionStore) CreateFlow(ctx context.Context, f store.Flow) (store.Flow, error) {
	f = f.Clone()
	f.ID = uuid.NewString()
	f.ETag = store.NewETag()
	if err := s.update(ctx, func(c content) error { return c.add(f) }); err != nil {
		return store.Flow{}, err
	}
	return f, nil
}

// GetFlow implements store.Store.
func (s *sessionStore) GetFlow(ctx context.Context, id string) (store.Flow, error) {
	var f store.Flow
	err := s.view(ctx, func(c content) error {
		var err error
		f, _, err = c.flow([]byte(id))
		return err
	})
	return f, err
}

// UpdateFlow implements store.Store.
func (s *sessionStore) UpdateFlow(ctx context.Context, id string, p store.Patch, ifMatch []string) (store.Flow, error) {
	var f store.Flow
	err := s.update(ctx, func(c content) error {
		stored, seq, err := c.flow([]byte(id))
		if err != nil {
			return err
		}
		if !store.ETagMatches(stored.ETag, ifMatch) {
			return fmt.Errorf("flow %q: %w", id, store.ErrPreconditionFailed)
		}
		updated, changed := p.Apply(stored)
		if !changed {
			f = stored
			return nil
		}
		updated.ETag = store.NewETag()
		data, err := encodeFlow(updated, seq)
		if err != nil {
			return err
		}
		if err := c.flows.Put([]byte(id), data); err != nil {
			return fmt.Errorf("flow %q: %w", id, err)
		}
		f = updated
		return nil
	})
	if err != nil {
		return store.Flow{}, err
	}
	return f, nil
}

// DeleteFlow implements store.Store.
func (s *sessionStore) DeleteFlow(ctx context.Context, id string, ifMatch []string) error {
	return s.update(ctx, func(c content) error {
		stored, seq, err := c.flow([]byte(id))
		if err != nil {
			return err
		}
		if !store.ETagMatches(stored.ETag, ifMatch) {
			return fmt.Errorf("flow %q: %w", id, store.ErrPreconditionFailed)
		}
		if err := c.flows.Delete([]byte(id)); err != nil {
			return fmt.Errorf("flow %q: %w", id, err)
		}
		if err := c.order.Delete(seqKey(seq)); err != nil {
			return fmt.Errorf("flow %q: %w", id, err)
		}
		// Deleting under a cursor may skip the key after the one deleted: collect, then delete.
		var keys [][]byte
		prefix := runPrefix(id)
		cur := c.runs.Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			keys = append(keys, slices.Clone(k))
		}
		for _, k := range keys {
			if err := c.runs.Delete(k); err != nil {
				return fmt.Errorf("runs of flow %q: %w", id, err)
			}
		}
		return nil
	})
}

// ListFlows implements store.Store.
func (s *sessionStore) ListFlows(ctx context.Context, q store.Query) (store.Page, error) {
	if q.After != nil && len(q.After.Keys) != store.KeyCount(q.OrderBy) {
		return store.Page{}, fmt.Errorf("cursor of %d keys for an order of %d: %w", len(q.After.Keys), store.KeyCount(q.OrderBy), store.ErrInvalidCursor)
	}
	var after *uint64
	if q.After != nil && len(q.OrderBy) == 0 {
		seq, err := strconv.ParseUint(q.After.Keys[0], 10, 64)
		if err != nil {
			return store.Page{}, fmt.Errorf("cursor %q: %w", q.After.Keys[0], store.ErrInvalidCursor)
		}
		after = &seq
	}
	var page store.Page
	err := s.view(ctx, func(c content) error {
		if len(q.OrderBy) > 0 {
			return c.sortedFlows(q, &page)
		}
		if q.Count {
			n, err := c.count(q)
			if err != nil {
				return err
			}
			page.Count = n
		}
		return c.flowsAfter(after, q, &page)
	})
	if err != nil {
		return store.Page{}, err
	}
	return page, nil
}

// count returns the number of flows the filter of q keeps.
func (c content) count(q store.Query) (int, error) {
	n := 0
	cur := c.order.Cursor()
	for k, id := cur.First(); k != nil; k, id = cur.Next() {
		if q.Filter == nil {
			n++
			continue
		}
		f, _, err := c.flow(id)
		if err != nil {
			return 0, err
		}
		if store.Matches(q.Filter, &f) {
			n++
		}
	}
	return n, nil
}

// flowsAfter fills page with the flows q selects in creation order, from the first created
// after the sequence after (whether or not that flow still exists), or from the first if after
// is nil. It decodes a flow only to filter or return it.
func (c content) flowsAfter(after *uint64, q store.Query, page *store.Page) error {
	skipped, more := 0, false
	var lastSeq uint64
	cur := c.order.Cursor()
	k, id := cur.First()
	if after != nil {
		if k, id = cur.Seek(seqKey(*after)); k != nil && binary.BigEndian.Uint64(k) == *after {
			k, id = cur.Next()
		}
	}
	for ; k != nil; k, id = cur.Next() {
		var f *store.Flow
		if q.Filter != nil {
			stored, _, err := c.flow(id)
			if err != nil {
				return err
			}
			if !store.Matches(q.Filter, &stored) {
				continue
			}
			f = &stored
		}
		if skipped < q.Skip {
			skipped++
			continue
		}
		if len(page.Flows) == q.Limit {
			more = true
			break
		}
		if f == nil {
			stored, _, err := c.flow(id)
			if err != nil {
				return err
			}
			f = &stored
		}
		page.Flows = append(page.Flows, *f)
		lastSeq = binary.BigEndian.Uint64(k)
	}
	if more && len(page.Flows) > 0 {
		page.Next = &store.Cursor{Keys: []string{strconv.FormatUint(lastSeq, 10)}}
	}
	return nil
}

// sortedFlows fills page with the flows q selects, in the order it names.
func (c content) sortedFlows(q store.Query, page *store.Page) error {
	var flows []*store.Flow
	err := c.flows.ForEach(func(_, data []byte) error {
		f, _, err := decodeFlow(data)
		if err != nil {
			return err
		}
		if store.Matches(q.Filter, &f) {
			flows = append(flows, &f)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if q.Count {
		page.Count = len(flows)
	}
	items, next := store.SortedPage(flows, q, matchAll[store.Flow], func(f *store.Flow) []string { return store.SortKeys(q.OrderBy, f, "") })
	for _, f := range items {
		page.Flows = append(page.Flows, *f)
	}
	page.Next = next
	return nil
}

// Directory implements store.Store.
func (s *sessionStore) Directory(ctx context.Context) ([]store.User, error) {
	var users []store.User
	err := s.view(ctx, func(c content) error {
		var err error
		users, err = decodeDirectory(c.session.Get([]byte(keyDirectory)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

// Load implements store.Store: it empties the session and stores f in one transaction. Creation
// sequences go on from where they were.
func (s *sessionStore) Load(ctx context.Context, f store.Fixture) error {
	p, err := prepareFixture(f)
	if err != nil {
		return err
	}
	return s.update(ctx, func(c content) error { return p.write(c.session) })
}

// preparedFixture is a fixture checked and encoded, ready to be written into a session.
type preparedFixture struct {
	flows     []store.Flow
	runs      []keyValue // sorted
	directory []byte
}

func prepareFixture(f store.Fixture) (preparedFixture, error) {
	flows, runs, err := store.PrepareFixture(f, time.Now())
	if err != nil {
		return preparedFixture{}, err
	}
	p := preparedFixture{flows: flows}
	for _, fl := range flows {
		for _, r := range runs[fl.ID] {
			data, err := encodeRun(r)
			if err != nil {
				return preparedFixture{}, err
			}
			p.runs = append(p.runs, keyValue{runKey(fl.ID, r.ID), data})
		}
	}
	sortKeyValues(p.runs)
	if p.directory, err = encodeDirectory(f.Directory); err != nil {
		return preparedFixture{}, err
	}
	return p, nil
}

// write replaces the content of the session whose bucket is sb with the fixture.
func (p preparedFixture) write(sb *bbolt.Bucket) error {
	for _, name := range []string{bucketFlows, bucketOrder, bucketRuns} {
		if sb.Bucket([]byte(name)) == nil {
			continue
		}
		if err := sb.DeleteBucket([]byte(name)); err != nil {
			return fmt.Errorf("emptying bucket %q: %w", name, err)
		}
	}
	if err := createContent(sb); err != nil {
		return err
	}
	flowsBucket, order := sb.Bucket([]byte(bucketFlows)), sb.Bucket([]byte(bucketOrder))
	order.FillPercent = 1
	flowKVs := make([]keyValue, len(p.flows))
	for i, fl := range p.flows {
		seq, err := sb.NextSequence()
		if err != nil {
			return fmt.Errorf("flow %q: %w", fl.ID, err)
		}
		data, err := encodeFlow(fl, seq)
		if err != nil {
			return err
		}
		flowKVs[i] = keyValue{[]byte(fl.ID), data}
		if err := order.Put(seqKey(seq), []byte(fl.ID)); err != nil {
			return fmt.Errorf("flow %q: %w", fl.ID, err)
		}
	}
	sortKeyValues(flowKVs)
	if err := putAll(flowsBucket, flowKVs); err != nil {
		return fmt.Errorf("flow: %w", err)
	}
	if err := putAll(sb.Bucket([]byte(bucketRuns)), p.runs); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	return sb.Put([]byte(keyDirectory), p.directory)
}

// keyValue is an entry to put into a bucket.
type keyValue struct{ key, value []byte }

// sortKeyValues sorts kvs by key. A transaction keeps the entries it puts into a bucket in one
// node until it commits: putting them in key order appends to the node, where any other order
// moves the entries after each one (quadratic in a large Load).
func sortKeyValues(kvs []keyValue) {
	slices.SortFunc(kvs, func(a, b keyValue) int { return bytes.Compare(a.key, b.key) })
}

// putAll puts kvs into b.
func putAll(b *bbolt.Bucket, kvs []keyValue) error {
	for _, kv := range kvs {
		if err := b.Put(kv.key, kv.value); err != nil {
			return err
		}
	}
	return nil
}

// matchAll keeps every item: the items given to store.SortedPage are filtered already.
func matchAll[T any](*T) bool { return true }
