// Package sqlite is team.Store on SQLite (modernc.org/sqlite: pure Go, no cgo): one database file,
// created with its directory on first start, in WAL mode, with foreign keys on and a busy timeout,
// its schema made by the embedded migrations (see migrate.go).
//
// Writes go through one connection, each in a BEGIN IMMEDIATE transaction, so they never meet
// SQLITE_BUSY among themselves and a check-then-write inside one is safe; reads go through a pool
// of read-only connections that WAL lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"playground/server/team"
)

// BusyTimeout is how long a connection waits for a lock another process holds before it fails.
const BusyTimeout = 10 * time.Second

// readers is the size of the read pool.
const readers = 4

// DB is a team.Store on one SQLite file. It is safe for concurrent use.
type DB struct {
	// path is the database file.
	path string
	// w is the write pool (one connection, BEGIN IMMEDIATE); r the read pool (query_only).
	w, r *sql.DB
}

var _ team.Store = (*DB)(nil)

// Open opens the database at path, creating its directory (mode 0700) and the file when missing,
// and brings its schema up to date (see Migrate).
func Open(path string) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: %q is not a database file path (a plain path, without '?')", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: creating the database's directory: %w", err)
		}
	}
	params := fmt.Sprintf("_busy_timeout=%d&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL", BusyTimeout.Milliseconds())
	w, err := sql.Open("sqlite", path+"?"+params+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	db := &DB{path: path, w: w}
	// The writer's first connection makes the file and turns WAL on, before any reader opens it.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", path+"?"+params+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	db.r = r
	return db, nil
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Close closes the database.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != nil {
		err = errors.Join(err, db.r.Close())
	}
	if err != nil {
		return fmt.Errorf("sqlite: closing %s: %w", db.path, err)
	}
	return nil
}

// write runs fn in one write transaction (BEGIN IMMEDIATE), committed when fn returns nil and
// rolled back otherwise; what names the operation in a wrapped error.
func (db *DB) write(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: beginning: %w", what, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return wrap(what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: committing: %w", what, err)
	}
	return nil
}

// wrap is err with what for context; a domain error is returned as it is, for its message is the
// user's and its code the caller's.
func wrap(what string, err error) error {
	var e *team.Error
	if errors.As(err, &e) {
		return err
	}
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) || isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return team.Errorf(team.EConflict, "%s: it exists already", what)
	}
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return team.Errorf(team.ENotFound, "%s: what it refers to does not exist", what)
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// isConstraint reports whether err is SQLite's constraint violation code (an extended code).
func isConstraint(err error, code int) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code() == code
}

// ts is t as stored: unix nanoseconds.
func ts(t time.Time) int64 { return t.UnixNano() }

// nullTS is t as stored, NULL when zero.
func nullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromTS is a stored time, in UTC.
func fromTS(n int64) time.Time { return time.Unix(0, n).UTC() }

// fromNullTS is a stored time, zero for NULL.
func fromNullTS(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromTS(n.Int64)
}

// nullID is id as stored, NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// stamp sets *t to now (UTC) when zero and to UTC otherwise.
func stamp(t *time.Time, now time.Time) {
	if t.IsZero() {
		*t = now
	}
	*t = t.UTC()
}

// exists reports whether query (a SELECT 1 …) finds a row.
func exists(ctx context.Context, q querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
