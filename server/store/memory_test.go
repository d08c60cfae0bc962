package store_test

import (
	"testing"

	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/server/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return store.NewMemory() })
}
