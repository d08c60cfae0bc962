// Package boltstore is a store.Backend that keeps its sessions in one bbolt file, so that they
// outlive the process. It behaves as the in-memory store does: storetest proves it.
//
// # Layout
//
// The file holds two top-level buckets:
//
//   - "meta": "format" is "datashare-boltstore" and "version" the layout version, "2". Open
//     refuses a file of another format or of a later version, upgrades one of version 1 (whose
//     sessions did not record their last use), and creates them in a file with no bucket.
//   - "sessions": one bucket per session, by name. Sessions live under a bucket of their own,
//     rather than at the top level, so that a session may be named "meta". A name may not be
//     empty: bbolt has no empty key.
//
// The bucket of a session holds:
//
//   - "flows": flow id → the JSON of the flow, with its creation sequence.
//   - "order": creation sequence (8 bytes, big-endian) → flow id. Sequences come from the
//     NextSequence of the session's bucket, so they only grow, across Load too; dropping a
//     session and opening it again starts them afresh, as a new in-memory store does.
//   - "runs": run key → the JSON of the run. A run key is the flow id, preceded by its length
//     as a uvarint, then the run id: the runs of a flow share a prefix no other flow's start
//     with, whatever bytes the ids hold (a NUL separator would let a flow "a" and a run
//     "b\x00c" collide with a flow "a\x00b" and a run "c").
//   - "directory": the JSON of the directory's users, as one value.
//   - "lastUsed": when the session was last used, RFC 3339 (store.Sessions.Touch).
//
// Records are JSON with field names of their own, independent of the Go types of package
// store. Times are RFC 3339 in UTC to the nanosecond, so they come back as the instants they
// were; only years 0 to 9999 can be written. BlockingError and Statistics are kept as JSON
// values (compacted: their whitespace may change), and nil stays nil.
//
// # Transactions
//
// Every change is one bbolt read-write transaction, committed with an fsync, so that a change
// that was acknowledged survives a crash. An eTag precondition is checked in the transaction
// of the change it guards. Reads are read-only transactions, which see one state and run
// concurrently with each other and with the one writer. Values handed out are decoded from the
// file: they share no memory with it. A call checks its context before its transaction starts,
// not during it. Load puts the entries of each bucket in key order: a bbolt transaction keeps
// what it puts into a bucket in one node until it commits, where entries in random order
// (uuids) would be moved at each insertion, quadratically. The store of a session that was
// dropped fails with store.ErrNotFound; opening the session again makes a new one.
//
// # Listings
//
// In creation order (no $orderby) ListFlows seeks the "order" bucket to the sequence after
// the cursor's and stops once the page is full; a cursor is the decimal sequence of the last
// flow of its page, as the in-memory store's is. Counting reads every flow (decoding them
// only when there is a filter). Any other order, and every listing of runs, decodes the flows
// (the runs of the flow) and sorts those that match, as the in-memory store does.
package boltstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/datashare/datashare/server/store"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors of Open; test them with errors.Is.
var (
	// ErrLocked: another process (or another Backend of this one) has the file open.
	ErrLocked = errors.New("locked by another process")
	// ErrLayout: the file is not a bolt store of this layout version.
	ErrLayout = errors.New("not a datashare bolt store of this layout")
)

// defaultLockTimeout is how long Open waits for another process to release the file.
const defaultLockTimeout = time.Second

// The layout of the file.
const (
	formatName    = "datashare-boltstore"
	layoutVersion = "2"
)

// Names of buckets and keys.
const (
	bucketMeta     = "meta"
	bucketSessions = "sessions"
	keyFormat      = "format"
	keyVersion     = "version"
	bucketFlows    = "flows"
	bucketOrder    = "order"
	bucketRuns     = "runs"
	keyDirectory   = "directory"
	keyLastUsed    = "lastUsed"
)

// Backend keeps sessions in a bbolt file. It is safe for concurrent use.
type Backend struct {
	db *bbolt.DB
}

var _ store.Backend = (*Backend)(nil)

// Open opens the bolt store at path, creating the file (but not its directory) if it is
// missing. It waits a second at most for another process that has the file open to close it.
func Open(path string) (*Backend, error) {
	return open(path, defaultLockTimeout)
}

// open is Open, waiting lockTimeout at most for the lock of the file.
func open(path string, lockTimeout time.Duration) (*Backend, error) {
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("open bolt store %s: %w", path, err) // names the directory
		}
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockTimeout})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("open bolt store %s: waited %v: %w", path, lockTimeout, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("open bolt store %s: %w (%w)", path, ErrLayout, err)
	case err != nil:
		return nil, fmt.Errorf("open bolt store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return initLayout(tx, time.Now()) }); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open bolt store %s: %w", path, err)
	}
	return &Backend{db: db}, nil
}

// initLayout checks the layout of the file, upgrading an older one, or writes it into a file
// with no bucket. now is the time of the upgrade.
func initLayout(tx *bbolt.Tx, now time.Time) error {
	meta := tx.Bucket([]byte(bucketMeta))
	if meta == nil {
		empty := true
		_ = tx.ForEach(func([]byte, *bbolt.Bucket) error { empty = false; return nil })
		if !empty {
			return fmt.Errorf("no %q bucket: %w", bucketMeta, ErrLayout)
		}
		var err error
		if meta, err = tx.CreateBucket([]byte(bucketMeta)); err != nil {
			return err
		}
		if err := meta.Put([]byte(keyFormat), []byte(formatName)); err != nil {
			return err
		}
		if err := meta.Put([]byte(keyVersion), []byte(layoutVersion)); err != nil {
			return err
		}
		_, err = tx.CreateBucket([]byte(bucketSessions))
		return err
	}
	if got := meta.Get([]byte(keyFormat)); string(got) != formatName {
		return fmt.Errorf("format %q, want %q: %w", got, formatName, ErrLayout)
	}
	sessions := tx.Bucket([]byte(bucketSessions))
	if sessions == nil {
		return fmt.Errorf("no %q bucket: %w", bucketSessions, ErrLayout)
	}
	switch got := string(meta.Get([]byte(keyVersion))); got {
	case layoutVersion:
		return nil
	case "1":
		return upgradeFrom1(meta, sessions, now)
	default:
		return fmt.Errorf("layout version %q, want %q: %w", got, layoutVersion, ErrLayout)
	}
}

// upgradeFrom1 moves a file of layout 1, whose sessions did not record their last use, to the
// current layout: its sessions are taken to have been used at now, when the file is opened.
func upgradeFrom1(meta, sessions *bbolt.Bucket, now time.Time) error {
	err := sessions.ForEachBucket(func(k []byte) error {
		return putLastUsed(sessions.Bucket(k), now)
	})
	if err != nil {
		return fmt.Errorf("upgrading layout 1: %w", err)
	}
	return meta.Put([]byte(keyVersion), []byte(layoutVersion))
}

// Name implements store.Backend.
func (b *Backend) Name() string { return "bolt" }

// Ping implements store.Backend: nil while the file is open.
func (b *Backend) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.db.View(func(*bbolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("bolt store %s: %w", b.db.Path(), err)
	}
	return nil
}

// Close implements store.Backend: it closes the file, once the transactions under way end.
func (b *Backend) Close() error {
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close bolt store %s: %w", b.db.Path(), err)
	}
	return nil
}

// Open implements store.Sessions. Opening a session that exists only reads the file; a new
// one is created with its seed in one transaction.
func (b *Backend) Open(ctx context.Context, name string, seed *store.Fixture, at time.Time) (store.Store, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s := &sessionStore{db: b.db, name: name}
	exists := false
	err := b.db.View(func(tx *bbolt.Tx) error {
		sessions, err := sessionsBucket(tx)
		exists = err == nil && sessions.Bucket([]byte(name)) != nil
		return err
	})
	if err != nil || exists {
		return s, false, sessionErr(name, err)
	}
	var p *preparedFixture
	if seed != nil {
		prepared, err := prepareFixture(*seed)
		if err != nil {
			return nil, false, sessionErr(name, fmt.Errorf("seed: %w", err))
		}
		p = &prepared
	}
	created := false
	err = b.db.Update(func(tx *bbolt.Tx) error {
		sessions, err := sessionsBucket(tx)
		if err != nil || sessions.Bucket([]byte(name)) != nil {
			return err // created by another Open since the View
		}
		sb, err := sessions.CreateBucket([]byte(name))
		if err != nil {
			return err
		}
		if err := putLastUsed(sb, at); err != nil {
			return err
		}
		if p != nil {
			err = p.write(sb)
		} else {
			err = createContent(sb)
		}
		if err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return nil, false, sessionErr(name, err)
	}
	return s, created, nil
}

// Touch implements store.Sessions.
func (b *Backend) Touch(ctx context.Context, name string, at time.Time) error {
	return b.updateSession(ctx, name, func(_, sb *bbolt.Bucket) error {
		last, err := lastUsed(sb)
		if err != nil || !at.After(last) {
			return err
		}
		return putLastUsed(sb, at)
	})
}

// Drop implements store.Sessions.
func (b *Backend) Drop(ctx context.Context, name string) error {
	return b.updateSession(ctx, name, func(sessions, _ *bbolt.Bucket) error {
		return sessions.DeleteBucket([]byte(name))
	})
}

// updateSession calls fn with the "sessions" bucket and the bucket of the named session, in a
// read-write transaction; store.ErrNotFound if there is no such session.
func (b *Backend) updateSession(ctx context.Context, name string, fn func(sessions, sb *bbolt.Bucket) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return sessionErr(name, b.db.Update(func(tx *bbolt.Tx) error {
		sessions, err := sessionsBucket(tx)
		if err != nil {
			return err
		}
		sb := sessions.Bucket([]byte(name))
		if sb == nil {
			return store.ErrNotFound
		}
		return fn(sessions, sb)
	}))
}

// DropIdle implements store.Sessions, in one transaction.
func (b *Backend) DropIdle(ctx context.Context, before time.Time, keep string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dropped := []string{}
	err := b.db.Update(func(tx *bbolt.Tx) error {
		dropped = dropped[:0]
		sessions, err := sessionsBucket(tx)
		if err != nil {
			return err
		}
		err = sessions.ForEachBucket(func(k []byte) error {
			if string(k) == keep {
				return nil
			}
			last, err := lastUsed(sessions.Bucket(k))
			if err != nil {
				return sessionErr(string(k), err)
			}
			if last.Before(before) {
				dropped = append(dropped, string(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, name := range dropped {
			if err := sessions.DeleteBucket([]byte(name)); err != nil {
				return sessionErr(name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drop idle sessions: %w", err)
	}
	return dropped, nil // in key order, which is the order of names
}

// List implements store.Sessions. bbolt keeps keys in byte order, which is the code point
// order of UTF-8 names.
func (b *Backend) List(ctx context.Context) ([]store.SessionInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.SessionInfo
	err := b.db.View(func(tx *bbolt.Tx) error {
		out = []store.SessionInfo{}
		sessions, err := sessionsBucket(tx)
		if err != nil {
			return err
		}
		return sessions.ForEachBucket(func(k []byte) error {
			last, err := lastUsed(sessions.Bucket(k))
			if err != nil {
				return sessionErr(string(k), err)
			}
			out = append(out, store.SessionInfo{Name: string(k), LastUsed: last})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// lastUsed reads when the session whose bucket is sb was last used.
func lastUsed(sb *bbolt.Bucket) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, string(sb.Get([]byte(keyLastUsed))))
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w (%w)", keyLastUsed, ErrLayout, err)
	}
	return t, nil
}

// putLastUsed records that the session whose bucket is sb was last used at t.
func putLastUsed(sb *bbolt.Bucket, t time.Time) error {
	return sb.Put([]byte(keyLastUsed), []byte(t.UTC().Format(time.RFC3339Nano)))
}

// sessionErr returns err, if any, with the name of the session.
func sessionErr(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("session %q: %w", name, err)
}

// sessionsBucket returns the bucket of the sessions.
func sessionsBucket(tx *bbolt.Tx) (*bbolt.Bucket, error) {
	b := tx.Bucket([]byte(bucketSessions))
	if b == nil {
		return nil, fmt.Errorf("no %q bucket: %w", bucketSessions, ErrLayout)
	}
	return b, nil
}

// createContent creates the empty buckets of the content of a session in its bucket.
func createContent(sb *bbolt.Bucket) error {
	for _, name := range []string{bucketFlows, bucketOrder, bucketRuns} {
		if _, err := sb.CreateBucket([]byte(name)); err != nil {
			return fmt.Errorf("bucket %q: %w", name, err)
		}
	}
	return nil
}
