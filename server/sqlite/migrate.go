package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationFS holds the schema's migrations, migrations/NNNN_name.sql, applied in the order of
// their numbers.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

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
		return nil, fmt.Errorf("sqlite: listing the migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, f := range files {
		name := strings.TrimPrefix(f, "migrations/")
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlite: the migration %s is not named NNNN_name.sql", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("sqlite: the migrations %s and %s have one number", other, name)
		}
		seen[v] = name
		b, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("sqlite: reading the migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies the migrations the database has not had, in order, each in one transaction with
// its row in schema_migrations, so a failed one leaves nothing of itself. It is safe to run from
// two processes at once: each migration's transaction is BEGIN IMMEDIATE, and it is skipped when
// schema_migrations has it by then.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	return db.migrate(ctx, ms)
}

// migrate applies the migrations of ms that the database has not had, in the order given.
func (db *DB) migrate(ctx context.Context, ms []Migration) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at INTEGER NOT NULL
)`); err != nil {
		return fmt.Errorf("sqlite: creating schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := db.write(ctx, "applying the migration "+m.Name, func(tx *sql.Tx) error {
			done, err := exists(ctx, tx, `SELECT 1 FROM schema_migrations WHERE version = ?`, m.Version)
			if err != nil || done {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
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
	var v sql.NullInt64
	if err := db.w.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: reading the schema version: %w", err)
	}
	return int(v.Int64), nil
}
