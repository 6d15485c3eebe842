// Package pgtest gives tests a Postgres schema of their own on the test database named by
// PLAYGROUND_TEST_POSTGRES (which scripts/postgres-test.sh starts and sets). Without it, a test
// that asks for one fails, saying how to run it: tests that need Postgres never skip.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvURL names the variable that holds the URL of the test database.
const EnvURL = "PLAYGROUND_TEST_POSTGRES"

// Missing is what a test without the test database fails with.
var Missing = fmt.Sprintf(`the Postgres tests need a database and %s is not set.
Run them through the Makefile (make test, or make test-host), which starts a throwaway Postgres and
sets it; or start one yourself and run the tests in its environment:
    scripts/postgres-test.sh run go test ./server/postgres/
or set %s to the URL of a database in which the tests may create and drop schemas
(postgres://user:password@host:port/database).`, EnvURL, EnvURL)

var (
	once  sync.Once
	admin *pgxpool.Pool
	base  string
	err   error
)

// connect opens the pool on the test database, once.
func connect() (*pgxpool.Pool, string, error) {
	once.Do(func() {
		base = os.Getenv(EnvURL)
		if base == "" {
			err = fmt.Errorf("%s", Missing)
			return
		}
		if u, perr := url.Parse(base); perr != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			err = fmt.Errorf("%s is not a postgres:// URL", EnvURL)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if admin, err = pgxpool.New(ctx, base); err == nil {
			err = admin.Ping(ctx)
		}
		if err != nil {
			err = fmt.Errorf("the Postgres of %s does not answer: %w", EnvURL, err)
		}
	})
	return admin, base, err
}

// Check reports whether the test database answers: nil, or why not (Missing when it is not set).
func Check() error {
	_, _, err := connect()
	return err
}

// NewSchema makes a schema of its own for the test, dropped when it ends, and returns the URL of
// the test database with that schema as its search_path: tests run in parallel, each in its own
// schema. Without the test database, the test fails.
func NewSchema(tb testing.TB) string {
	tb.Helper()
	pool, baseURL, err := connect()
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("creating the schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("dropping the schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(baseURL)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs sql on the test database (outside any test's schema), for what a test must set up
// as the database's owner.
func Exec(ctx context.Context, sql string, args ...any) error {
	pool, _, err := connect()
	if err != nil {
		return err
	}
	_, err = pool.Exec(ctx, sql, args...)
	return err
}
