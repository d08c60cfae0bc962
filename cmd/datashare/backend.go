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
			return nil, usageError{fmt.Errorf("--store %q: want bolt:PATH", spec)}
		}
		b, err := boltstore.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--store: %w", err)
		}
		return b, nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		b, err := pgstore.Open(ctx, spec)
		if err != nil {
			return nil, fmt.Errorf("--store: %w", err)
		}
		return b, nil
	}
	return nil, usageError{fmt.Errorf("--store %q: want memory, bolt:PATH or a postgres:// URL", spec)}
}
