package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// migrationFS holds the schema's migrations, migrations/NNNN_name.sql, applied in the order of
// their numbers.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLock is the key of the transaction-level advisory lock (pg_advisory_xact_lock) every
// migration's transaction takes first, so that replicas starting together apply each migration
// once, one after the other. It is "playgrnd" in ASCII.
const migrateLock int64 = 0x706c617967726e64

// Migration is one step of the schema.
type Migration struct {
	// Version is the file's number, e.g. 1 for 0001_team.sql.
	Version int
	// Name is the file's name.
	Name string
	// SQL is its statements.
	SQL string
}

// Migrations returns the embedded migrations in order. Two files with one number, or a file not
// named NNNN_name.sql, is an error.
func Migrations() ([]Migration, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("postgres: listing the migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, f := range files {
		name := strings.TrimPrefix(f, "migrations/")
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("postgres: the migration %s is not named NNNN_name.sql", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("postgres: the migrations %s and %s have one number", other, name)
		}
		seen[v] = name
		b, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("postgres: reading the migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies the migrations the database has not had, in order, each in one transaction with
// its row in schema_migrations, so a failed one leaves nothing of itself (Postgres's DDL is
// transactional). It is safe to run from several replicas at once: each migration's transaction
// first takes the advisory lock migrateLock, then makes schema_migrations when missing, and skips
// the migration when schema_migrations has it by then.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	return db.migrate(ctx, ms)
}

// migrate applies the migrations of ms that the database has not had, in the order given.
func (db *DB) migrate(ctx context.Context, ms []Migration) error {
	for _, m := range ms {
		err := db.write(ctx, "applying the migration "+m.Name, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
				return fmt.Errorf("taking the migrations' lock: %w", err)
			}
			// Made under the lock: two CREATE TABLE IF NOT EXISTS at once can both try to make it.
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at BIGINT  NOT NULL
)`); err != nil {
				return fmt.Errorf("creating schema_migrations: %w", err)
			}
			done, err := exists(ctx, tx, `SELECT 1 FROM schema_migrations WHERE version = $1`, m.Version)
			if err != nil || done {
				return err
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, ts(time.Now()))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// SchemaVersion is the highest migration applied, 0 for none.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := db.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: reading the schema version: %w", err)
	}
	return v, nil
}
