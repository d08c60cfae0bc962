package store_test

import (
	"testing"

	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/server/store/storetest"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) store.Store { return store.NewMemory() })
}

func TestMemorySessions(t *testing.T) {
	t.Parallel()
	storetest.RunSessions(t, func(*testing.T) store.Sessions { return store.NewMemorySessions() })
}

func BenchmarkMemory(b *testing.B) {
	storetest.Bench(b, func(*testing.B) store.Store { return store.NewMemory() })
}
