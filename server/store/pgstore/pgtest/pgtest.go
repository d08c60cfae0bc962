// Package pgtest gives tests a PostgreSQL schema of their own.
//
// Tests that need PostgreSQL call Schema: it connects to the database of the environment
// variable DATASHARE_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test), creates a
// schema with a random name, drops it when the test ends, and returns a URL whose search_path
// is that schema, so that runs never collide. When the database cannot be reached the test is
// skipped with a message that says how to run it, unless DATASHARE_REQUIRE_POSTGRES is "1"
// (as in CI), where it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the database the tests use when DATASHARE_TEST_POSTGRES does not name one.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// URL returns the URL of the test database.
func URL() string {
	if u := os.Getenv("DATASHARE_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultURL
}

// Schema creates a schema for the test, dropped when it ends, and returns the URL of the test
// database with its search_path set to it, and the schema's name.
func Schema(tb testing.TB) (dbURL, schema string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		if os.Getenv("DATASHARE_REQUIRE_POSTGRES") == "1" {
			tb.Fatalf("PostgreSQL is required (DATASHARE_REQUIRE_POSTGRES=1) but not reachable at %s: %v", redacted(URL()), err)
		}
		tb.Logf("connecting to PostgreSQL: %v", err)
		tb.Skipf("PostgreSQL is not reachable at %s: start one, or set DATASHARE_TEST_POSTGRES to its URL (these tests need it)", redacted(URL()))
	}
	defer conn.Close(context.Background())

	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "ds_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		tb.Fatalf("creating schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, URL())
		if err != nil {
			tb.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(URL())
	if err != nil {
		tb.Fatalf("DATASHARE_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}

// redacted is the URL without its password.
func redacted(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "(a connection string that is not a postgres:// URL)"
	}
	return u.Redacted()
}
