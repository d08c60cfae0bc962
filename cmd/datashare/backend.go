package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/server/store/boltstore"
	"github.com/datashare/datashare/server/store/pgstore"
)

// openBackend opens the store of --store: "memory", "bolt:PATH" (a bbolt file, created if
// missing) or a PostgreSQL URL ("postgres://…", whose schema is created or migrated).
func openBackend(ctx context.Context, spec string) (store.Backend, error) {
	switch {
	case spec == "" || spec == "memory":
		return store.NewMemorySessions(), nil
	case strings.HasPrefix(spec, "bolt:"):
		path := strings.TrimPrefix(spec, "bolt:")
		if path == "" {
			return nil, fmt.Errorf("--store %q: want bolt:PATH", spec)
		}
		return boltstore.Open(path)
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return pgstore.Open(ctx, spec)
	}
	return nil, fmt.Errorf("--store %q: want memory, bolt:PATH or a postgres:// URL", spec)
}
