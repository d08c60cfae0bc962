package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datashare/datashare/server/store/pgstore/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestServeStoreErrors proves that serve refuses a store it cannot use, naming it.
func TestServeStoreErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		store    func(t *testing.T) string
		wantCode int
		wantMsg  []string
	}{
		{name: "unknown kind of store", store: func(*testing.T) string { return "redis://127.0.0.1" },
			wantCode: 2, wantMsg: []string{"redis://127.0.0.1", "memory, bolt:PATH or a postgres:// URL"}},
		{name: "bolt without a path", store: func(*testing.T) string { return "bolt:" },
			wantCode: 2, wantMsg: []string{"bolt:PATH"}},
		{name: "bolt file in a missing directory", store: func(t *testing.T) string {
			return "bolt:" + filepath.Join(t.TempDir(), "missing", "datashare.db")
		}, wantCode: 1, wantMsg: []string{"missing"}},
		{name: "unreachable database, named without its password", store: func(*testing.T) string {
			return "postgres://ada:s3cret@127.0.0.1:1/inventory?connect_timeout=2"
		}, wantCode: 1, wantMsg: []string{"127.0.0.1", "inventory"}},
		{name: "database migrated by a newer version", store: func(t *testing.T) string {
			dsn, _ := pgtest.Schema(t)
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "CREATE TABLE datashare_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()); INSERT INTO datashare_schema (version) VALUES (1), (999)"); err != nil {
				t.Fatal(err)
			}
			return dsn
		}, wantCode: 1, wantMsg: []string{"999"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var stdout, stderr, msg syncBuffer
			err := run(ctx, []string{"datashare", "serve", "--addr", "127.0.0.1:0", "--store", tt.store(t)}, env(nil), &stdout, &stderr)
			if code := exitCode(err, &msg); code != tt.wantCode {
				t.Errorf("exit code = %d (%v); want %d", code, err, tt.wantCode)
			}
			for _, want := range tt.wantMsg {
				if !strings.Contains(msg.String(), want) {
					t.Errorf("message %q lacks %q", msg.String(), want)
				}
			}
			if strings.Contains(msg.String(), "s3cret") {
				t.Errorf("message %q shows the password", msg.String())
			}
		})
	}
}
