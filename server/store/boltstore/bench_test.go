package boltstore

import (
	"testing"

	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/server/store/storetest"
)

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store {
		backend, _ := newBackend(b)
		return mustSession(b, backend, "bench")
	})
}
