// Package postgres is team.Store on Postgres (github.com/jackc/pgx/v5 with its pgxpool), so that
// several replicas of the server behind a load balancer share users, teams, tokens, sessions,
// budgets, the usage log and the audit log. Its schema is server/sqlite's, in Postgres types, made
// by the embedded migrations (see migrate.go) under an advisory lock, so replicas starting together
// do not race.
//
// Every method has the contract of its team.Store interface, with the error codes and messages of
// server/sqlite. Transactions run at READ COMMITTED. A reservation stays exact across replicas
// because each budget's hold is one conditional statement, UPDATE budget_counters SET reserved =
// reserved + $n WHERE … AND spent + reserved + $n <= limit: Postgres takes the counter row's lock
// and re-checks the condition on its newest committed version, so two replicas can never both
// take the last of a budget. A settlement locks its reservation row (SELECT … FOR UPDATE) first,
// so two replicas settling one request at once charge it once. Rows are always locked in one order
// (by scope, then period), and a transaction that Postgres still ends as a deadlock or
// serialization failure is retried.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"playground/server/team"
)

// attempts is how many times a transaction is tried when Postgres ends it as a deadlock or a
// serialization failure.
const attempts = 5

// DB is a team.Store on a Postgres database. It is safe for concurrent use, and several DBs (in
// one process or in several replicas) may share one database.
type DB struct {
	// pool is the connection pool.
	pool *pgxpool.Pool
}

var _ team.Store = (*DB)(nil)

// Open connects to the database url names — postgres://user:password@host:port/database?…, or
// pgx's key=value form; pgxpool's parameters such as pool_max_conns and Postgres ones such as
// search_path may be added — checks that it answers, and brings its schema up to date (see
// Migrate).
func Open(ctx context.Context, url string) (*DB, error) {
	if strings.TrimSpace(url) == "" {
		return nil, errors.New("postgres: the database URL is empty (postgres://user:password@host:port/database)")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message quotes the URL with its password masked.
		return nil, fmt.Errorf("postgres: the database URL is not one (postgres://user:password@host:port/database): %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connecting to %s: %w", where(cfg), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connecting to %s: %w", where(cfg), err)
	}
	db := &DB{pool: pool}
	if err := db.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// where names the database cfg connects to, without its password: "the database db on host:5432".
func where(cfg *pgxpool.Config) string {
	return fmt.Sprintf("the database %s on %s:%d", cfg.ConnConfig.Database, cfg.ConnConfig.Host, cfg.ConnConfig.Port)
}

// Close closes the pool's connections, waiting for those in use to be released.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// querier is a *pgxpool.Pool or a pgx.Tx.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// write runs fn in one READ COMMITTED transaction, committed when fn returns nil and rolled back
// otherwise, and tries it again (up to attempts) when Postgres ends it as a deadlock or a
// serialization failure; what names the operation in a wrapped error.
func (db *DB) write(ctx context.Context, what string, fn func(tx pgx.Tx) error) error {
	return db.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, what, fn)
}

// read runs fn in one read-only REPEATABLE READ transaction: what it reads is one snapshot.
func (db *DB) read(ctx context.Context, what string, fn func(tx pgx.Tx) error) error {
	return db.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, what, fn)
}

// inTx runs fn in a transaction with opts; see write.
func (db *DB) inTx(ctx context.Context, opts pgx.TxOptions, what string, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.tryTx(ctx, opts, what, fn)
		if err == nil || attempt == attempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
	}
}

// tryTx runs fn in one transaction, once.
func (db *DB) tryTx(ctx context.Context, opts pgx.TxOptions, what string, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("postgres: %s: beginning: %w", what, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return wrap(what, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return wrap(what+": committing", err)
	}
	return nil
}

// Postgres's error codes (SQLSTATE) that wrap and retryable read.
const (
	codeUniqueViolation          = "23505"
	codeForeignKeyViolation      = "23503"
	codeSerializationFailure     = "40001"
	codeDeadlockDetected         = "40P01"
	codeCharacterNotInRepertoire = "22021"
	codeUntranslatableCharacter  = "22P05"
)

// sqlState is err's SQLSTATE, "" when it is not Postgres's.
func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// retryable reports whether err ended a transaction that may succeed when run again.
func retryable(err error) bool {
	switch sqlState(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}

// wrap is err with what for context; a domain error is returned as it is, for its message is the
// user's and its code the caller's. Constraint violations become domain errors, as in server/sqlite.
func wrap(what string, err error) error {
	var e *team.Error
	if errors.As(err, &e) {
		return err
	}
	switch sqlState(err) {
	case codeUniqueViolation:
		return team.Errorf(team.EConflict, "%s: it exists already", what)
	case codeForeignKeyViolation:
		return team.Errorf(team.ENotFound, "%s: what it refers to does not exist", what)
	case codeCharacterNotInRepertoire, codeUntranslatableCharacter:
		return team.Errorf(team.EInvalid, "%s: a text is not valid UTF-8 or holds a NUL byte", what)
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
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
func fromNullTS(n pgtype.Int8) time.Time {
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
	err := q.QueryRow(ctx, query, args...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
