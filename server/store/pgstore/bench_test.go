package pgstore

import (
	"testing"

	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/server/store/storetest"
)

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store { return session(b, newBackend(b), "bench") })
}
